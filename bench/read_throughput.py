"""Words/s of `lfhtr read` with the shipped English model: greedy, with the corpus lexicon snapping the
greedy reading, and with the lexicon after the beam search its character model guides (the default),
each with the probability of being right as the confidence (the default) and with the per-character
score.

Run: python bench/read_throughput.py [--images ../shared/data/gw-dev] [--threads 2] [--limit 0]
Images are loaded and prepared first, so the figures are the reading itself (network + decoding);
the one-off cost of loading the model and indexing the lexicon is printed apart.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

from lfhtr.core.settings import DecodeSettings
from lfhtr.imaging.folder import load_folder
from lfhtr.reading.reader import Reader


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=Path, default=Path("../shared/data/gw-dev"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="Read at most this many images (0: all).")
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
            reader = Reader.load("en", lexicon=lexicon, probability=probability, char_model=char_model)
            loaded = time.perf_counter() - start
            images = load_folder(args.images, reader.recognizer.height, ["*"], args.limit or None).images
            start = time.perf_counter()
            reader.read(images)
            seconds = time.perf_counter() - start
            name = decoding + (", probability" if probability else ", score")
            figures[name] = {
                "words": len(images),
                "words_per_s": round(len(images) / seconds, 1),
                "load_s": round(loaded, 2),
            }
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
