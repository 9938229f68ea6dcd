"""The options every session command shares, and the one way such a command is registered.

Every stage takes ``--set dotted.key=JSON`` (applied to the spec before validation), ``--device``,
``--quiet``/``--verbose`` and ``--log-file``, and runs holding the run folder's lock. Paths typed on
the command line are relative to where the user is, unlike paths inside the spec.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from lfhtr import log
from lfhtr.api import Session

SpecPath = Annotated[Path, typer.Argument(help="Session spec (JSON).")]
Sets = Annotated[
    list[str] | None,  # noqa: UP007
    typer.Option("--set", help="Override a spec field for this run: dotted.key=JSON (repeatable)."),
]
Device = Annotated[
    str | None,  # noqa: UP007
    typer.Option(help="Device for this run (auto, cpu, cuda, cuda:1); overrides hardware.device."),
]
Threads = Annotated[
    int | None,  # noqa: UP007
    typer.Option(
        min=1,
        help="CPU threads for this run; overrides hardware.threads and OMP_NUM_THREADS (default: one per "
        "CPU this process may use).",
    ),
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
    typer.Option(help="Checkpoint, model file or shipped model name (`lfhtr models`) to use instead."),
]


def load_session(
    path: Path,
    set_: list[str] | None = None,
    device: str | None = None,
    threads: int | None = None,
    quiet: bool = False,
    verbose: bool = False,
    log_file: Path | None = None,
) -> Session:
    """The spec with the command line's overrides, and logging set up as asked."""
    log.configure(quiet, verbose, log_file)
    overrides = [
        *(set_ or []),
        *([f"hardware.device={device}"] if device else []),
        *([f"hardware.threads={threads}"] if threads else []),
    ]
    return Session.load(path, overrides)


def absolute(path: Path | None) -> str | None:
    """A path typed on the command line, made absolute; a bare name that is no file is kept as a name
    (a shipped model's, such as ``en``)."""
    if path is None:
        return None
    return str(path.resolve()) if path.exists() or len(path.parts) > 1 else str(path)


def _parameter(name: str, annotation: object, default: object = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


COMMON = (
    _parameter("set_", Sets, None),
    _parameter("device", Device, None),
    _parameter("threads", Threads, None),
    _parameter("quiet", Quiet, False),
    _parameter("verbose", Verbose, False),
    _parameter("log_file", LogFile, None),
)


Work = Callable[..., object]


def command(app: typer.Typer, name: str) -> Callable[[Work], Work]:
    """Register ``work(session, **own_options)`` as the command ``name SPEC [own options] [common options]``.

    The spec is loaded with the common options applied (``--set``, ``--device``, ``--threads``,
    logging): one place
    for what every stage command shares, so none can forget an option.
    """

    def register(work: Work) -> Work:
        own = list(inspect.signature(work, eval_str=True).parameters.values())[1:]

        def run(path: Path, **options: Any) -> None:
            work(load_session(path, **{p.name: options.pop(p.name) for p in COMMON}), **options)

        spec = inspect.Parameter("path", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=SpecPath)
        run.__signature__ = inspect.Signature([spec, *own, *COMMON])  # type: ignore[attr-defined]
        run.__doc__ = work.__doc__
        app.command(name)(run)
        return work

    return register
