"""Line segmentation of page scans against ground-truth lines: precision, recall and seconds a page.

Run: python bench/segmentation.py SCANS GROUND_TRUTH [--include '27[6-9].xml'] [--segmenter ink-ridges]
     [--threads 2] [--spreads]
Each ground-truth PAGE/ALTO file's scan is segmented (scan loading included in the time) and its lines
matched as `lfhtr run evaluate` matches them (docs/pages.md): boundary IoU >= 0.5, and baselines.
With --spreads the pages are segmented two by two, side by side, as a book scanned open shows them.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from lfhtr.core import plugins
from lfhtr.imaging.scans import load_scan
from lfhtr.pages.locate import page_files, page_image
from lfhtr.pages.match import match_lines
from lfhtr.pages.parse import PageDocument, read_document
from lfhtr.pages.segment import segment_page

Pairs = list[tuple[list, list]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scans", type=Path)
    parser.add_argument("truth", type=Path)
    parser.add_argument("--include", default="*")
    parser.add_argument("--segmenter", default="ink-ridges")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--spreads", action="store_true", help="segment the pages two by two, side by side")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    segmenter = plugins.build("segmenter", args.segmenter, {})
    documents = [read_document(xml) for xml in page_files(args.truth, [args.include])]
    pages = _spreads(documents, args.scans) if args.spreads else _pages(documents, args.scans)
    found = truth = matched = 0
    seconds: list[float] = []
    baseline_p: list[float] = []
    baseline_r: list[float] = []
    start = time.perf_counter()
    for name, page, lines in pages:
        layout = segment_page(segmenter, page, name)
        seconds.append(time.perf_counter() - start)
        match = match_lines([(line.boundary, line.baseline) for line in layout.lines()], lines)
        found, truth, matched = found + match.found, truth + match.truth, matched + match.matched
        baseline_p.append(match.baseline_precision)
        baseline_r.append(match.baseline_recall)
        start = time.perf_counter()
    figures = {
        "segmenter": args.segmenter,
        "pages": len(seconds),
        "lines found": found,
        "lines in the ground truth": truth,
        "precision": round(matched / max(found, 1), 3),
        "recall": round(matched / max(truth, 1), 3),
        "baseline precision": round(sum(baseline_p) / len(baseline_p), 3),
        "baseline recall": round(sum(baseline_r) / len(baseline_r), 3),
        "seconds a page": round(sum(seconds) / len(seconds), 2),
        "machine": f"{platform.machine()}, {args.threads} threads, torch {torch.__version__}",
    }
    print(json.dumps(figures, indent=1))


def _lines(doc: PageDocument, shift: float = 0.0) -> Pairs:
    return [
        ([(x + shift, y) for x, y in line.polygon], [(x + shift, y) for x, y in line.baseline])
        for line in doc.lines
    ]


def _pages(documents: list[PageDocument], scans: Path) -> Iterator[tuple[str, np.ndarray, Pairs]]:
    """Each page's scan (loaded when asked for, so that its loading is timed) and its lines."""
    for doc in documents:
        yield doc.xml.name, np.asarray(load_scan(page_image(doc, scans))), _lines(doc)


def _spreads(documents: list[PageDocument], scans: Path) -> Iterator[tuple[str, np.ndarray, Pairs]]:
    """Pages two by two, each pair's scans side by side as a book scanned open shows them, and the
    lines of both."""
    for left, right in zip(documents[::2], documents[1::2]):
        first, second = load_scan(page_image(left, scans)), load_scan(page_image(right, scans))
        spread = Image.new("L", (first.width + second.width, max(first.height, second.height)), 255)
        spread.paste(first, (0, 0))
        spread.paste(second, (first.width, 0))
        yield (
            f"{left.xml.name}+{right.xml.name}",
            np.asarray(spread),
            _lines(left) + _lines(right, first.width),
        )


if __name__ == "__main__":
    main()
