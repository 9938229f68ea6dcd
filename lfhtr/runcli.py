"""`lfhtr run STAGE SPEC`: one sub-command per stage, each with its own options and the common ones.

Every stage takes ``--set dotted.key=JSON`` (applied to the spec before validation), ``--device``,
``--quiet``/``--verbose`` and ``--log-file``, and runs holding the run folder's lock. Paths typed on
the command line are relative to where the user is, unlike paths inside the spec.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lfhtr import log

if TYPE_CHECKING:
    from lfhtr.session import Session

run_app = typer.Typer(no_args_is_help=True, help="Run one stage of a session.")

SpecPath = Annotated[Path, typer.Argument(help="Session spec (JSON).")]
Sets = Annotated[
    list[str] | None,  # noqa: UP007
    typer.Option("--set", help="Override a spec field for this run: dotted.key=JSON (repeatable)."),
]
Device = Annotated[
    str | None,  # noqa: UP007
    typer.Option(help="Device for this run (auto, cpu, cuda, cuda:1); overrides hardware.device."),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors; no progress bars.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Debug messages too.")]
LogFile = Annotated[
    Path | None,  # noqa: UP007
    typer.Option(help="Also append every message, timestamped, to this file."),
]
Resume = Annotated[bool, typer.Option(help="Continue an interrupted run from its last checkpoint.")]
Restart = Annotated[bool, typer.Option(help="Start over even if checkpoints exist.")]
Checkpoint = Annotated[
    Path | None,  # noqa: UP007
    typer.Option(help="Checkpoint to use instead of the session's default."),
]


def load_session(
    path: Path, sets: list[str] | None, device: str | None, quiet: bool, verbose: bool, log_file: Path | None
) -> Session:
    """The spec with the command line's overrides, and logging set up as asked (shared with export)."""
    from lfhtr.session import Session

    log.configure(quiet, verbose, log_file)
    overrides = [*(sets or []), *([f"hardware.device={device}"] if device else [])]
    return Session.load(path, overrides)


def _in_run_folder(session: Session, stage: str, work: Callable[[], object]) -> None:
    """Run ``work`` holding the run folder's lock; under torchrun, rank 0 holds it for every rank."""
    from lfhtr.runlock import locked

    first_rank = os.environ.get("RANK", "0") == "0"
    with locked(session.output, stage) if first_rank else contextlib.nullcontext():
        work()


def _absolute(path: Path | None) -> str | None:
    return str(path.resolve()) if path else None


@run_app.command("synth")
def synth(
    path: SpecPath,
    workers: Annotated[int | None, typer.Option(help="Worker processes (overrides synth.workers).")] = None,  # noqa: UP007
    set_: Sets = None,
    device: Device = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    log_file: LogFile = None,
) -> None:
    """Write synth.count synthetic word images and their labels.tsv (deterministic, resumable)."""
    from lfhtr.stages import synth as stage

    session = load_session(path, set_, device, quiet, verbose, log_file)
    _in_run_folder(session, "synth", lambda: stage.run(session, workers))


@run_app.command("pretrain")
def pretrain(
    path: SpecPath,
    resume: Resume = False,
    restart: Restart = False,
    set_: Sets = None,
    device: Device = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    log_file: LogFile = None,
) -> None:
    """Train the recogniser on synthetic words rendered on the fly."""
    from lfhtr.stages import pretrain as stage

    session = load_session(path, set_, device, quiet, verbose, log_file)
    _in_run_folder(session, "pretrain", lambda: stage.run(session, resume=resume, restart=restart))


@run_app.command("adapt")
def adapt(
    path: SpecPath,
    resume: Resume = False,
    restart: Restart = False,
    checkpoint: Checkpoint = None,
    set_: Sets = None,
    device: Device = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    log_file: LogFile = None,
) -> None:
    """Adapt the recogniser to adapt.target's unlabelled images by self-training."""
    from lfhtr.stages import adapt as stage

    session = load_session(path, set_, device, quiet, verbose, log_file)
    start = _absolute(checkpoint)
    _in_run_folder(session, "adapt", lambda: stage.run(session, resume, restart, start))


@run_app.command("evaluate")
def evaluate(
    path: SpecPath,
    checkpoint: Checkpoint = None,
    set_: Sets = None,
    device: Device = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    log_file: LogFile = None,
) -> None:
    """Loss, CER and WER on evaluate.data, with results.tsv, metrics.json and report.html."""
    from lfhtr.stages import evaluate as stage

    session = load_session(path, set_, device, quiet, verbose, log_file)
    _in_run_folder(session, "evaluate", lambda: stage.run(session, _absolute(checkpoint)))


@run_app.command("transcribe")
def transcribe(
    path: SpecPath,
    images: Annotated[Path | None, typer.Option(help="Folder to read (overrides transcribe.images).")] = None,  # noqa: UP007
    checkpoint: Checkpoint = None,
    set_: Sets = None,
    device: Device = None,
    quiet: Quiet = False,
    verbose: Verbose = False,
    log_file: LogFile = None,
) -> None:
    """Read a folder of word images into transcriptions with confidences."""
    from lfhtr.stages import transcribe as stage

    session = load_session(path, set_, device, quiet, verbose, log_file)
    _in_run_folder(
        session, "transcribe", lambda: stage.run(session, _absolute(images), _absolute(checkpoint))
    )
