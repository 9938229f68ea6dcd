"""Stopping a long stage cleanly: Ctrl-C and SIGTERM both save, then say how to resume.

Containers, SLURM and systemd stop a job with SIGTERM, a person with Ctrl-C; either must leave a
checkpoint that ``--resume`` continues from, so pretraining and adaptation share this one handler.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from lfhtr.errors import Interrupted


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def saving_on_interrupt(save: Callable[[], None], stopped: Callable[[], str]) -> Iterator[None]:
    """Inside the block, Ctrl-C or SIGTERM calls ``save()`` and ends the stage with ``stopped()``'s message.

    SIGTERM is turned into the KeyboardInterrupt Ctrl-C raises for as long as the block runs; signal
    handlers can only be installed from the main thread, so elsewhere only Ctrl-C is caught.
    """
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        yield
    except KeyboardInterrupt:
        save()
        raise Interrupted(stopped()) from None
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
