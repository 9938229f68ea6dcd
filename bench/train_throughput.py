"""Training images/s and transcription words/s of the default recogniser on this machine's CPU.

Run: python bench/train_throughput.py [--threads 2] [--steps 24] [--model attention] [--warmup 20000]
                                     [--height 32] [--rounds 5]
Batches are pre-rendered so the figures measure the network alone; synthesis cost is in
synth_throughput.py, and the share it takes of a pretrain step is printed too. Training runs in fp32 and
in the default mixed precision (bf16 on CPUs that have it) alternately, `--rounds` times each, and the
speed-up is the median of the rounds' ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch

from lfhtr.api import Session
from lfhtr.core import spec as specs
from lfhtr.loops.feed import SyntheticChunks
from lfhtr.pipeline import build_pipeline
from lfhtr.train.precision import autocast_dtype
from lfhtr.train.recognizer import Recognizer
from lfhtr.train.trainer import Schedule, Trainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--model", default="crnn-ctc", help="Model kind, with its default options.")
    parser.add_argument("--height", type=int, default=32, help="Input height: the spec's `height`.")
    parser.add_argument("--rounds", type=int, default=5, help="Alternating rounds of each precision.")
    parser.add_argument(
        "--warmup", type=int, default=20000, help="Samples drawn first, as a long run has: glyph caches fill."
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    spec = specs.validate({"model": {"kind": args.model}, "height": args.height})
    session = Session(spec, Path.cwd() / ".bench")
    pipeline = build_pipeline(session)
    for index in range(args.warmup):
        pipeline.sample(2 * 10**6 + index)
    chunks = SyntheticChunks(pipeline, session.charset, args.batch_size)
    start = time.perf_counter()
    batches = [b for c in range(-(-args.steps // 8)) for b in chunks[c]][: args.steps]
    render_s = time.perf_counter() - start
    trainers = {}
    for amp in (False, True):
        torch.manual_seed(0)
        recognizer = Recognizer(session.build("model", session.spec.model), session.charset, args.height)
        trainers[amp] = Trainer(
            recognizer, Schedule(args.rounds * args.steps + 2, 1e-3), torch.device("cpu"), amp
        )
        trainers[amp].train_step(batches[0])
    seconds: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.rounds):
        for amp, trainer in trainers.items():
            start = time.perf_counter()
            for batch in batches:
                trainer.train_step(batch)
            seconds[amp].append(time.perf_counter() - start)
    train_s = statistics.median(seconds[True])
    recognizer = trainers[False].recognizer
    images = [image for _, image in pipeline.samples(range(10**6, 10**6 + 64))] * 4
    recognizer.read(images[:64])
    start = time.perf_counter()
    recognizer.read(images, batch_size=64)
    read_s = time.perf_counter() - start
    count = args.steps * args.batch_size
    print(
        json.dumps(
            {
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
                "threads": args.threads,
                "height": args.height,
                "model": args.model,
                "parameters_m": round(sum(p.numel() for p in recognizer.net.parameters()) / 1e6, 2),
                "mixed_precision": str(autocast_dtype(torch.device("cpu"), amp=True) or "none: fp32"),
                "train_images_per_s": round(count / train_s, 1),
                "train_images_per_s_fp32": round(count / statistics.median(seconds[False]), 1),
                "mixed_speedup": round(
                    statistics.median(a / b for a, b in zip(seconds[False], seconds[True])), 2
                ),
                "transcribe_words_per_s_greedy": round(len(images) / read_s, 1),
                "synthesis_share_of_step_with_workers_0": round(render_s / (render_s + train_s), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
