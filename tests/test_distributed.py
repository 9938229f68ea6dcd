"""torchrun with two gloo processes: different samples per rank, one writer, resume across ranks."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from lfhtr.api import Session
from lfhtr.loops.feed import SyntheticChunks
from lfhtr.pipeline import build_pipeline
from lfhtr.train import checkpoint, runlog


def _torchrun(session: Session, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    command += ["-m", "lfhtr", "run", *args, str(session.source)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, check=False)


def test_ranks_draw_different_synthetic_batches(make_session: Callable[..., Session]) -> None:
    session = make_session()
    pipeline = build_pipeline(session)
    first = SyntheticChunks(pipeline, session.charset, 8, rank=0, world=2)[0]
    second = SyntheticChunks(pipeline, session.charset, 8, rank=1, world=2)[0]
    assert [b.texts for b in first] != [b.texts for b in second]
    assert [b.texts for b in first] == [
        b.texts for b in SyntheticChunks(pipeline, session.charset, 8, 0, 2)[0]
    ]


def test_pretrain_resume_and_adapt_under_torchrun(
    make_session: Callable[..., Session], tmp_path: Path
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    options = {
        "pretrain": {"steps": 4, "val_every": 2},
        "hardware": {"device": "cpu", "threads": 1, "amp": False},
        "adapt": {
            "kind": "self-training",
            "target": {"images": str(real)},
            "rounds": 1,
            "steps_per_round": 3,
            "batch_size": 4,
            "lexicon": False,
        },
    }
    session = make_session(**options)
    for i in range(6):
        Image.fromarray(build_pipeline(session).sample(10**9 + i)[1]).save(real / f"r{i}.png")

    done = _torchrun(session, "pretrain")
    assert done.returncode == 0, done.stderr[-2000:]
    log = session.output / "logs" / "pretrain.jsonl"
    assert [r["step"] for r in runlog.read(log)] == [2, 4]  # rank 0 alone logs each validation once

    longer = make_session(**{**options, "pretrain": {"steps": 6, "val_every": 2}})
    resumed = _torchrun(longer, "pretrain", "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resuming at step 4" in resumed.stderr
    assert [r["step"] for r in runlog.read(log)] == [2, 4, 6]
    state, _ = checkpoint.load(session.output / "checkpoints" / "pretrain-last.pt")
    assert state["step"] == 6

    adapted = _torchrun(longer, "adapt")
    assert adapted.returncode == 0, adapted.stderr[-2000:]
    state, meta = checkpoint.load(session.output / "checkpoints" / "adapt-last.pt")
    assert state["step"] == 3 and meta["round"] == 1
    assert (session.output / "checkpoints" / "adapted.pt").exists()
    assert len(runlog.read(session.output / "logs" / "adapt.jsonl")) == 2  # round 1 and the final record
