"""Line segmentation of page scans against ground-truth lines: precision, recall and seconds a page.

Run: python bench/segmentation.py SCANS GROUND_TRUTH [--include '27[6-9].xml'] [--segmenter ink-ridges]
     [--threads 2]
Each ground-truth PAGE/ALTO file's scan is segmented (scan loading included in the time) and its lines
matched as `lfhtr run evaluate` matches them (docs/pages.md): boundary IoU >= 0.5, and baselines.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import torch

from lfhtr.core import plugins
from lfhtr.pages.locate import page_files, page_image
from lfhtr.pages.match import match_lines
from lfhtr.pages.parse import read_document
from lfhtr.pages.segment import segment_scan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scans", type=Path)
    parser.add_argument("truth", type=Path)
    parser.add_argument("--include", default="*")
    parser.add_argument("--segmenter", default="ink-ridges")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    segmenter = plugins.build("segmenter", args.segmenter, {})
    found = truth = matched = 0
    seconds: list[float] = []
    baseline_p: list[float] = []
    baseline_r: list[float] = []
    for xml in page_files(args.truth, [args.include]):
        doc = read_document(xml)
        start = time.perf_counter()
        layout = segment_scan(segmenter, page_image(doc, args.scans))
        seconds.append(time.perf_counter() - start)
        match = match_lines(
            [(line.boundary, line.baseline) for line in layout.lines()],
            [(line.polygon, line.baseline) for line in doc.lines],
        )
        found, truth, matched = found + match.found, truth + match.truth, matched + match.matched
        baseline_p.append(match.baseline_precision)
        baseline_r.append(match.baseline_recall)
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


if __name__ == "__main__":
    main()
