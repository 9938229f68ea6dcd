"""`lfhtr run STAGE SPEC`: one sub-command per stage, each with its own options and the common ones.

Every stage takes ``--set dotted.key=JSON`` (applied to the spec before validation), ``--device``,
``--quiet``/``--verbose`` and ``--log-file``, and runs holding the run folder's lock. Paths typed on
the command line are relative to where the user is, unlike paths inside the spec.
"""

from __future__ import annotations

import contextlib
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from lfhtr import log
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
    path: Path,
    set_: list[str] | None = None,
    device: str | None = None,
    quiet: bool = False,
    verbose: bool = False,
    log_file: Path | None = None,
) -> Session:
    """The spec with the command line's overrides, and logging set up as asked."""
    log.configure(quiet, verbose, log_file)
    overrides = [*(set_ or []), *([f"hardware.device={device}"] if device else [])]
    return Session.load(path, overrides)


def _in_run_folder(session: Session, stage: str, work: Callable[[], object]) -> None:
    """Run ``work`` holding the run folder's lock; under torchrun, rank 0 holds it for every rank."""
    from lfhtr.runlock import locked

    first_rank = os.environ.get("RANK", "0") == "0"
    with locked(session.output, stage) if first_rank else contextlib.nullcontext():
        work()


def _absolute(path: Path | None) -> str | None:
    return str(path.resolve()) if path else None


def _parameter(name: str, annotation: object, default: object = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


COMMON = (
    _parameter("set_", Sets, None),
    _parameter("device", Device, None),
    _parameter("quiet", Quiet, False),
    _parameter("verbose", Verbose, False),
    _parameter("log_file", LogFile, None),
)


Work = Callable[..., object]


def command(app: typer.Typer, name: str, lock: bool = True) -> Callable[[Work], Work]:
    """Register ``work(session, **own_options)`` as the command ``name SPEC [own options] [common options]``.

    The spec is loaded with the common options applied (``--set``, ``--device``, logging); with
    ``lock`` the work runs holding the run folder's lock. One place for what every stage shares, so
    no stage can forget an option or the lock.
    """

    def register(work: Work) -> Work:
        own = list(inspect.signature(work, eval_str=True).parameters.values())[1:]

        def run(path: Path, **options: Any) -> None:
            session = load_session(path, **{p.name: options.pop(p.name) for p in COMMON})
            if lock:
                _in_run_folder(session, name, lambda: work(session, **options))
            else:
                work(session, **options)

        spec = inspect.Parameter("path", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=SpecPath)
        run.__signature__ = inspect.Signature([spec, *own, *COMMON])  # type: ignore[attr-defined]
        run.__doc__ = work.__doc__
        app.command(name)(run)
        return work

    return register


@command(run_app, "synth")
def synth(
    session: Session,
    workers: Annotated[int | None, typer.Option(help="Worker processes (overrides synth.workers).")] = None,  # noqa: UP007
) -> None:
    """Write synth.count synthetic word images and their labels.tsv (deterministic, resumable)."""
    from lfhtr.stages import synth as stage

    stage.run(session, workers)


@command(run_app, "pretrain")
def pretrain(session: Session, resume: Resume = False, restart: Restart = False) -> None:
    """Train the recogniser on synthetic words rendered on the fly."""
    from lfhtr.stages import pretrain as stage

    stage.run(session, resume=resume, restart=restart)


@command(run_app, "adapt")
def adapt(
    session: Session, resume: Resume = False, restart: Restart = False, checkpoint: Checkpoint = None
) -> None:
    """Adapt the recogniser to adapt.target's unlabelled images by self-training."""
    from lfhtr.stages import adapt as stage

    stage.run(session, resume, restart, _absolute(checkpoint))


@command(run_app, "evaluate")
def evaluate(session: Session, checkpoint: Checkpoint = None) -> None:
    """Loss, CER and WER on evaluate.data, with results.tsv, metrics.json and report.html."""
    from lfhtr.stages import evaluate as stage

    stage.run(session, _absolute(checkpoint))


@command(run_app, "transcribe")
def transcribe(
    session: Session,
    images: Annotated[Path | None, typer.Option(help="Folder to read (overrides transcribe.images).")] = None,  # noqa: UP007
    checkpoint: Checkpoint = None,
) -> None:
    """Read a folder of word images into transcriptions with confidences."""
    from lfhtr.stages import transcribe as stage

    stage.run(session, _absolute(images), _absolute(checkpoint))
