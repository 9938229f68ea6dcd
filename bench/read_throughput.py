"""Images/s of `lfhtr read` with a shipped model (the English word model unless told): greedy, with the
corpus lexicon snapping the greedy reading, and with the lexicon after the beam search its character
model guides (the default), each with the probability of being right as the confidence (the default)
and with the per-character score.

Run: python bench/read_throughput.py [--images ../shared/data/gw-dev] [--threads 2] [--limit 0]
     [--model en] [--language CODE] [--pages FOLDER]
With ``--pages`` the images are the line regions of that folder's PAGE/ALTO files, cut from their scans in
``--images`` (e.g. ``--model en-line --images ../shared/data/gw-pages --pages
../shared/data/gw-pages/page-gt``). Images are loaded and prepared first, so the figures are the reading
itself (network + decoding); the one-off cost of loading the model and indexing the lexicon is printed
apart.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from lfhtr.core.settings import DecodeSettings
from lfhtr.imaging.folder import load_folder
from lfhtr.pages.cut import load_page_regions
from lfhtr.reading.reader import Reader


def _images(args: argparse.Namespace, height: int) -> list[np.ndarray]:
    """The word images of ``--images``, or the line regions of ``--pages`` cut from those scans."""
    limit = args.limit or None
    if args.pages is None:
        return load_folder(args.images, height, ["*"], limit).images
    return load_page_regions(args.images, args.pages, height, ["*"], limit, unit="line").found.images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=Path, default=Path("../shared/data/gw-dev"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="Read at most this many images (0: all).")
    parser.add_argument("--model", default="en", help="A shipped model's name or a model file.")
    parser.add_argument("--language", default=None, help="The lexicon's language, for a multilingual model.")
    parser.add_argument("--pages", type=Path, default=None, help="Read the line regions of these page files.")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    figures: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
        "threads": args.threads,
    }
    guided = DecodeSettings().char_model
    decodings = {"greedy": (False, 0.0), "lexicon": (True, 0.0), "character model + lexicon": (True, guided)}
    for decoding, (lexicon, char_model) in decodings.items():
        for probability in (False, True):
            start = time.perf_counter()
            reader = Reader.load(
                args.model,
                lexicon=lexicon,
                probability=probability,
                char_model=char_model,
                language=args.language,
            )
            loaded = time.perf_counter() - start
            images = _images(args, reader.recognizer.height)
            start = time.perf_counter()
            reader.read(images)
            seconds = time.perf_counter() - start
            name = decoding + (", probability" if probability else ", score")
            figures[name] = {
                "images": len(images),
                "images_per_s": round(len(images) / seconds, 1),
                "load_s": round(loaded, 2),
            }
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
