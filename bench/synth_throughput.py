"""Synthetic sample throughput per core: render only, render + the default augmenters, and each augmenter.

Run: python bench/synth_throughput.py [--height 32] [--count 10000] [--warmup 60000]
One process, one thread, so the figures are per core; the machine is printed with the numbers.
Samples are drawn as pretraining draws them: 256 at a time (8 batches of 32), each stage of the
pipeline over the whole chunk before the next.

The renderer caches glyph bitmaps and letter-pair checks per font as words need them, so a fresh
process is slower until the pairs of its corpus have been seen. ``cold`` is the first ``--count``
samples of a fresh pipeline with no pair verdicts on disk (a first run on a machine);
``cold_verdicts_stored`` is the same samples drawn by a second fresh pipeline that loads the verdicts
the first one saved (any later run). The other figures follow ``--warmup`` samples (a pretraining run
draws 176,000). The bench works in a temporary cache folder, so it neither reads nor changes yours.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

import torch

from lfhtr.api import Session
from lfhtr.core import spec as specs
from lfhtr.jsoncache import cache_dir
from lfhtr.loops.feed import CHUNK
from lfhtr.pipeline import SynthPipeline, build_pipeline

DRAWN_AT_ONCE = CHUNK * specs.PretrainSettings().batch_size


def _rate(pipeline: SynthPipeline, start: int, count: int, augment: bool) -> float:
    """Samples drawn as pretraining draws them: a chunk of batches at a time, a stage at a time."""
    began = time.perf_counter()
    for first in range(start, start + count, DRAWN_AT_ONCE):
        pipeline.samples(range(first, min(first + DRAWN_AT_ONCE, start + count)), augment=augment)
    return round(count / (time.perf_counter() - began), 1)


def _augmenter_costs(pipeline: SynthPipeline, start: int, count: int) -> dict[str, float]:
    """Microseconds per application of each augmenter, on rendered samples of this spec."""
    images = [image for _, image in pipeline.samples(range(start, start + count), augment=False)]
    costs = {}
    for augmenter in pipeline.augmenters:
        rng = random.Random(0)
        began = time.perf_counter()
        for image in images:
            augmenter.apply(image, rng)
        costs[type(augmenter).__name__] = round((time.perf_counter() - began) / count * 1e6, 1)
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--height", type=int, default=32)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--warmup", type=int, default=60000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    coverage = cache_dir() / "font-coverage.json"
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="lfhtr-bench-")
    if coverage.is_file():  # the fonts' coverage check is start-up, not sampling
        cache_dir().mkdir(parents=True)
        shutil.copy(coverage, cache_dir())
    data = specs.dump(specs.default_spec())
    data["height"] = args.height
    session = Session(specs.validate(data), Path.cwd() / ".bench")
    pipeline = build_pipeline(session)
    result: dict[str, object] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "height": args.height,
        "fonts": len(pipeline.renderer.fonts),  # type: ignore[attr-defined]
        "cold_render_and_default_augmentation": _rate(pipeline, 0, args.count, True),
    }
    pipeline.renderer.save_verdicts()  # type: ignore[attr-defined]
    pipeline = build_pipeline(session)  # a later run: empty glyph caches, stored verdicts
    result["cold_verdicts_stored"] = _rate(pipeline, 0, args.count, True)
    _rate(pipeline, 10**6, args.warmup, False)
    # indices no earlier call drew, for each figure: words drawn before find their new letter pairs
    # and glyphs cached, which a long run keeps meeting
    fresh, fresh_again = 2 * 10**6, 3 * 10**6
    result["render_only_images_per_s_per_core"] = _rate(pipeline, fresh, args.count, False)
    result["render_and_default_augmentation_images_per_s_per_core"] = _rate(
        pipeline, fresh_again, args.count, True
    )
    result["augmenter_us_per_application"] = _augmenter_costs(pipeline, fresh, min(args.count, 500))
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # glyph caches
    print(json.dumps(result))
    shutil.rmtree(os.environ["XDG_CACHE_HOME"])


if __name__ == "__main__":
    main()
