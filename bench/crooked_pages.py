"""Page CER of one scan read as scanned and turned by a few angles: how well pages laid crooked are read.

Run: python bench/crooked_pages.py SCAN TRUTH [--model en-line] [--angles 0 2 5 -8] [--threads 2]
e.g. ``python bench/crooked_pages.py ../shared/data/gw-pages/276.jpg
../shared/data/gw-pages/page-gt/276.xml``.
Each copy is turned by Pillow (``Image.rotate``, counter-clockwise, white around it) and read with
``Reader.read_pages`` (the built-in segmenter, the model's lexicon); its text, the lines in reading
order, is aligned as a whole with the ground truth's, as ``lfhtr run evaluate`` measures page CER.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
from pathlib import Path

import torch
from PIL import Image

from lfhtr.pages.parse import read_document
from lfhtr.reading.metrics import edit_distance
from lfhtr.reading.pagemeasure import page_text
from lfhtr.reading.reader import Reader


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scan", type=Path)
    parser.add_argument("truth", type=Path, help="the scan's PAGE or ALTO file with its lines' text")
    parser.add_argument("--model", default="en-line")
    parser.add_argument("--angles", type=float, nargs="+", default=[0.0, 2.0, 5.0, -8.0])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    truth = read_document(args.truth)
    expected = page_text([line.text or "" for line in truth.lines])
    reader = Reader.load(args.model)
    rows = []
    with Image.open(args.scan) as scan, tempfile.TemporaryDirectory() as work:
        for angle in args.angles:
            turned = scan.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor="white")
            path = Path(work) / f"turned{angle:+g}.png"
            turned.save(path)
            (page,) = reader.read_pages([path], Path(work) / "read", formats=("page",), force=True)
            read = page_text([line.text for line in page.lines])
            rows.append(
                {
                    "degrees": angle,
                    "lines found": len(page.lines),
                    "page CER": round(edit_distance(expected, read) / max(1, len(expected)), 4),
                }
            )
    print(
        json.dumps(
            {
                "scan": str(args.scan),
                "model": args.model,
                "lines in the truth": len(truth.lines),
                "pages": rows,
                "machine": f"{platform.machine()}, {args.threads} threads, torch {torch.__version__}",
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
