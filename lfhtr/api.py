"""The Python face of a session: the stages as methods, each holding the run folder's lock.

``from lfhtr import Session`` is this class: the data of ``lfhtr.session.Session`` (spec, paths,
provenance) plus one method per stage, so ``Session.load(path).adapt()`` does what ``lfhtr run adapt``
does. It sits above the stages it calls, so the stages can take a plain session without importing this.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from lfhtr import session
from lfhtr.errors import Interrupted, LfhtrError
from lfhtr.runlock import locked
from lfhtr.stages.runrecord import record_end

T = TypeVar("T")


class Session(session.Session):
    """A validated spec and where its files live; its methods run the stages."""

    # Each holds the run folder's lock while it runs (under torchrun, rank 0 holds it for every rank); the
    # stages import torch, so they are imported when run.

    def synth(self, workers: int | None = None) -> Path:
        from lfhtr.stages import synth

        return self._in_run_folder("synth", lambda: synth.run(self, workers))

    def pretrain(self, resume: bool = False, restart: bool = False) -> Path:
        from lfhtr.stages import pretrain

        return self._in_run_folder("pretrain", lambda: pretrain.run(self, resume, restart))

    def adapt(self, resume: bool = False, restart: bool = False, checkpoint: str | None = None) -> Path:
        from lfhtr.stages import adapt

        return self._in_run_folder("adapt", lambda: adapt.run(self, resume, restart, checkpoint))

    def evaluate(self, checkpoint: str | None = None) -> dict[str, float]:
        from lfhtr.stages import evaluate

        return self._in_run_folder("evaluate", lambda: evaluate.run(self, checkpoint))

    def transcribe(self, images: str | None = None, checkpoint: str | None = None) -> Path:
        from lfhtr.stages import transcribe

        return self._in_run_folder("transcribe", lambda: transcribe.run(self, images, checkpoint))

    def _in_run_folder(self, stage: str, work: Callable[[], T]) -> T:
        if os.environ.get("RANK", "0") != "0":  # rank 0 holds the lock and keeps the records for all
            return work()
        with locked(self.output, stage, self.owned_folders()):
            started = time.time()
            try:
                result = work()
            except BaseException as exc:
                record_end(self.output, stage, started, _outcome(exc))
                raise
            record_end(self.output, stage, started, "ok")
            return result


def _outcome(exc: BaseException) -> str:
    """How a stage that raised ``exc`` ended, in a run record's words."""
    if isinstance(exc, Interrupted | KeyboardInterrupt):
        return "interrupted"
    if isinstance(exc, LfhtrError):
        return f"error: {exc}"
    return f"crashed: {type(exc).__name__}: {exc}"
