"""Synthetic sample throughput per core: render only, and render + the default augmenters.

Run: python bench/synth_throughput.py [--height 32] [--count 2000]
One process, one thread, so the figure is per core; the machine is printed with the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

from lfhtr.core import spec as specs
from lfhtr.session import Session
from lfhtr.synth import build_pipeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--height", type=int, default=32)
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = specs.dump(specs.default_spec())
    data["height"] = args.height
    pipeline = build_pipeline(Session(specs.validate(data), Path.cwd() / ".bench"))
    pipeline.sample(0)  # font faces and caches warm
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "height": args.height,
        "fonts": len(pipeline.renderer.fonts),
    }  # type: ignore[attr-defined]
    for label, augment in (("render_only", False), ("render_and_default_augmentation", True)):
        start = time.perf_counter()
        for index in range(args.count):
            pipeline.sample(index, augment=augment)
        result[f"{label}_images_per_s_per_core"] = round(args.count / (time.perf_counter() - start), 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
