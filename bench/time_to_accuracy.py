"""Wall-clock minutes until pretraining and adaptation reach a fixed real CER, two configurations in one run.

Run: python bench/time_to_accuracy.py [--data ../shared/data/gw-dev] [--baseline hardware.amp=false]
                                      [--candidate KEY=VALUE ...] [--out .bench/time-to-accuracy]
Both sides run the George Washington protocol of docs/results.md through the `lfhtr` command, one after
the other on the same machine: pretraining with pages 276–279 as `pretrain.real_val` (monitored, never
used to choose), then adaptation of the shipped `en` model to pages 270–275 with 276–279 as
`adapt.monitor`, so the adaptation figure does not depend on the side's own pretraining. The clock starts
when the command starts (spec loading, fonts, lexicon and validation sets included) and stops at the first
validation or round whose greedy real CER is at or below the milestone. `--baseline` and `--candidate` are
`--set` overrides of the default spec; by default the baseline trains in fp32 (the training arithmetic of
earlier versions) and the candidate with the defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import torch

from lfhtr.train.precision import cpu_has_native_bf16

ADAPT_PAGES = ["270-*", "271-*", "272-*", "273-*", "274-*", "275-*"]
TEST_PAGES = ["276-*", "277-*", "278-*", "279-*"]


def lfhtr(*args: str) -> float:
    """Run one `lfhtr` command as a user would; its wall-clock start time."""
    start = time.time()
    subprocess.run([sys.executable, "-m", "lfhtr", *args], check=True, stdout=subprocess.DEVNULL)
    return start


def records(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def minutes_to(milestone: float, start: float, points: list[tuple[float, float]]) -> float | None:
    """Minutes from ``start`` to the first (time, CER) point at or below ``milestone``; None if never."""
    return next(((t - start) / 60 for t, cer in points if cer <= milestone), None)


def run_side(name: str, overrides: list[str], args: argparse.Namespace) -> dict[str, object]:
    folder = (args.out / name).resolve()
    spec = folder / "session.json"
    data = str(args.data.resolve())
    test = {"images": data, "include": TEST_PAGES}
    settings = [
        f"adapt.target={json.dumps({'images': data, 'include': ADAPT_PAGES})}",
        f"adapt.monitor={json.dumps(test)}",
        f"pretrain.real_val={json.dumps(test)}",
        *([f"pretrain.steps={args.steps}"] if args.steps else []),
        *([f"adapt.rounds={args.rounds}"] if args.rounds else []),
        *([f"adapt.steps_per_round={args.steps_per_round}"] if args.steps_per_round else []),
        *overrides,
    ]
    lfhtr("init", str(spec), "--force", *(part for s in settings for part in ("--set", s)))
    logs = folder / "runs" / "session" / "logs"
    side: dict[str, object] = {"settings": overrides}
    for stage in args.stages:
        extra, metric = (["--checkpoint", "en"], "monitor") if stage == "adapt" else ([], "real")
        start = lfhtr("run", stage, str(spec), *extra, "--restart", "--quiet")
        points = [(r["time"], r[metric]["cer"]) for r in records(logs / f"{stage}.jsonl") if metric in r]
        side[stage] = {
            "minutes": minutes_to(getattr(args, f"{stage}_milestone"), start, points),
            "total_minutes": (time.time() - start) / 60,
            "final_real_cer": points[-1][1],
        }
    return side


def ratio(new: object, old: object) -> float | None:
    return round(new / old, 3) if isinstance(new, float) and isinstance(old, float) and old else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=Path("../shared/data/gw-dev"))
    parser.add_argument("--out", type=Path, default=Path(".bench/time-to-accuracy"))
    parser.add_argument("--baseline", nargs="*", default=["hardware.amp=false"])
    parser.add_argument("--candidate", nargs="*", default=[])
    parser.add_argument("--pretrain-milestone", type=float, default=0.50, help="Greedy real CER.")
    parser.add_argument("--adapt-milestone", type=float, default=0.25, help="Greedy real CER.")
    parser.add_argument("--stages", nargs="+", default=["pretrain", "adapt"], choices=["pretrain", "adapt"])
    parser.add_argument("--steps", type=int, default=0, help="Pretraining steps (0: the default).")
    parser.add_argument("--rounds", type=int, default=0, help="Adaptation rounds (0: the default).")
    parser.add_argument("--steps-per-round", type=int, default=0, help="0: the default.")
    args = parser.parse_args()
    if not args.data.is_dir():
        sys.exit(f"--data: {args.data} is not a folder; pass the gw-dev word images (../shared/data/gw-dev).")
    sides = {name: run_side(name, getattr(args, name), args) for name in ("baseline", "candidate")}
    report: dict[str, object] = {
        "machine": f"{platform.processor() or platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
        f"torch {torch.__version__}, native bf16: {'yes' if cpu_has_native_bf16() else 'no'}",
        "milestones": {"pretrain": args.pretrain_milestone, "adapt": args.adapt_milestone},
        **sides,
        "ratio": {
            stage: ratio(sides["candidate"][stage]["minutes"], sides["baseline"][stage]["minutes"])  # type: ignore[index]
            for stage in args.stages
        },
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
