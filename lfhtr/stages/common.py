"""What several stages share: device set-up, checkpoint locations, run-folder guards."""

from __future__ import annotations

import random
import time
from pathlib import Path

import torch

from lfhtr import pretrained
from lfhtr.errors import LfhtrError
from lfhtr.log import log
from lfhtr.session import Session
from lfhtr.train.device import configure_threads, select_device
from lfhtr.train.distributed import SINGLE_PROCESS, Ranks


def setup(session: Session, ranks: Ranks = SINGLE_PROCESS) -> torch.device:
    device = select_device(session.spec.hardware)
    if ranks.active and device.type == "cuda":
        device = torch.device("cuda", ranks.local_rank)
    threads, reason = configure_threads(session.spec.hardware)
    torch.manual_seed(session.spec.seed)
    random.seed(session.spec.seed)
    log.info(f"device: {device} ({threads} CPU threads: {reason})")
    return device


def guard_fresh_start(last: Path, stage: str, resume: bool, restart: bool) -> bool:
    """Whether to resume; refuses to silently overwrite a run that has checkpoints."""
    if resume:
        if not last.exists():
            raise LfhtrError(f"{last}: nothing to resume; run `lfhtr run {stage}` without --resume.")
        return True
    if last.exists() and not restart:
        raise LfhtrError(
            f"{last} exists: pass --resume to continue that run, or --restart to start {stage} over."
        )
    return False


def set_aside_adapted(session: Session) -> None:
    """Move an earlier adaptation's checkpoints aside: they adapted a model a new pretraining replaces,
    and evaluate, transcribe and export would otherwise prefer them to it."""
    folder = session.output / "checkpoints"
    stale = [p for name in ("adapted", "adapt-last") for p in folder.glob(f"{name}.*")]
    if not stale:
        return
    aside = folder / f"superseded-{time.strftime('%Y%m%d-%H%M%S')}"
    aside.mkdir(parents=True, exist_ok=True)
    for path in stale:
        path.replace(aside / path.name)
    log.warning(f"pretrain: the earlier adaptation's checkpoints now in {aside} (they adapted the old model)")


def default_checkpoint(session: Session, explicit: str | None, *names: str) -> Path:
    """``explicit`` (a path relative to the spec, or a shipped model's name), else the first of the
    session's own checkpoints ``names`` that exists."""
    if explicit:
        return pretrained.resolve(explicit, session.base_dir)
    for name in names:
        path = session.checkpoint_path(name)
        if path.exists():
            return path
    raise LfhtrError(
        f"no checkpoint in {session.output / 'checkpoints'} ({', '.join(names)}); "
        "run `lfhtr run pretrain` first."
    )
