"""What each CPU training lever is worth: one default-model training step, variants run alternately.

Run: python bench/training_levers.py [--threads 2] [--rounds 6] [--steps 10]
Variants: fp32 (the reference), channels-last fp32, bf16 autocast, bf16 with channels-last (what
`hardware.amp` does on a CPU with bf16 in hardware), torch.compile (where a C++ compiler is present), and
AdamW's fused kernel. Each round times `--steps` steps of every variant in turn on the same pre-rendered
batch of 32 synthetic words; the figure is the median time per step and its ratio to fp32. On a CPU
without bf16 in hardware the bf16 rows show what emulating it would cost (lfhtr trains such CPUs in fp32).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch

from lfhtr.api import Session
from lfhtr.core import spec as specs
from lfhtr.core.network import TrainingObjective
from lfhtr.pipeline import build_pipeline
from lfhtr.train.batching import collate
from lfhtr.train.precision import cpu_has_native_bf16
from lfhtr.train.recognizer import Recognizer

VARIANTS = ("fp32", "channels-last", "bf16", "bf16 + channels-last", "compile", "fused AdamW")


def training_step(
    session: Session, variant: str, images: torch.Tensor, *rest: torch.Tensor
) -> Callable[[], None]:
    torch.manual_seed(0)
    net = Recognizer(session.build("model", session.spec.model), session.charset, session.spec.height).net
    if "channels-last" in variant:
        net.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        images = images.contiguous(memory_format=torch.channels_last)
    objective: Callable[..., torch.Tensor] = TrainingObjective(net)
    if variant == "compile":
        objective = torch.compile(objective)
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-3, fused=variant == "fused AdamW" or None)

    def step() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled="bf16" in variant):
            loss = objective(images, *rest)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        optimizer.step()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    session = Session(specs.validate({}), Path.cwd() / ".bench")
    samples = build_pipeline(session).samples(range(10**6, 10**6 + 32))
    batch = collate([img for _, img in samples], [text for text, _ in samples], session.charset)
    tensors = (batch.images, batch.widths, batch.targets, batch.target_lengths)
    variants = [v for v in VARIANTS if v != "compile" or shutil.which("c++") or shutil.which("g++")]
    steps = {v: training_step(session, v, *tensors) for v in variants}
    for step in steps.values():
        for _ in range(3):
            step()  # warm-up; compilation happens here
    seconds: dict[str, list[float]] = {v: [] for v in variants}
    for _ in range(args.rounds):
        for variant, step in steps.items():
            start = time.perf_counter()
            for _ in range(args.steps):
                step()
            seconds[variant].append((time.perf_counter() - start) / args.steps)
    reference = statistics.median(seconds["fp32"])
    print(
        json.dumps(
            {
                "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                f"torch {torch.__version__}, bf16 in hardware: {'yes' if cpu_has_native_bf16() else 'no'}",
                "threads": args.threads,
                **{
                    v: {
                        "ms_per_step": round(1000 * statistics.median(s), 1),
                        "speedup": round(reference / statistics.median(s), 2),
                    }
                    for v, s in seconds.items()
                },
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
