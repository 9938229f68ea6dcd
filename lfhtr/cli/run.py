"""`lfhtr run STAGE SPEC`: one sub-command per stage, each with its own options and the common ones."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer

from lfhtr.api import Session
from lfhtr.cli.options import Checkpoint, Restart, Resume, absolute, command

run_app = typer.Typer(no_args_is_help=True, help="Run one stage of a session.")


@command(run_app, "synth")
def synth(
    session: Session,
    workers: Annotated[int | None, typer.Option(help="Worker processes (overrides synth.workers).")] = None,  # noqa: UP007
) -> None:
    """Write synth.count synthetic word images and their labels.tsv (deterministic, resumable)."""
    session.synth(workers)


@command(run_app, "pretrain")
def pretrain(session: Session, resume: Resume = False, restart: Restart = False) -> None:
    """Train the recogniser on synthetic words rendered on the fly."""
    session.pretrain(resume, restart)


@command(run_app, "adapt")
def adapt(
    session: Session, resume: Resume = False, restart: Restart = False, checkpoint: Checkpoint = None
) -> None:
    """Adapt the recogniser to adapt.target's unlabelled images by self-training."""
    session.adapt(resume, restart, absolute(checkpoint))


@command(run_app, "evaluate")
def evaluate(session: Session, checkpoint: Checkpoint = None) -> None:
    """Loss, CER and WER on evaluate.data, with results.tsv, metrics.json and report.html; the metrics
    as one JSON line on stdout."""
    metrics = session.evaluate(absolute(checkpoint))
    shown = {key: value if math.isfinite(value) else None for key, value in metrics.items()}
    typer.echo(json.dumps(shown, allow_nan=False))


@command(run_app, "transcribe")
def transcribe(
    session: Session,
    images: Annotated[Path | None, typer.Option(help="Folder to read (overrides transcribe.images).")] = None,  # noqa: UP007
    checkpoint: Checkpoint = None,
) -> None:
    """Read a folder of word images into transcriptions with confidences."""
    session.transcribe(absolute(images), absolute(checkpoint))
