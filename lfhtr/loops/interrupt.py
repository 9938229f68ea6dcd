"""Stopping a long stage cleanly: Ctrl-C and SIGTERM both save, then say how to resume.

Containers, SLURM and systemd stop a job with SIGTERM, a person with Ctrl-C; either must leave a
checkpoint that ``--resume`` continues from, so pretraining and adaptation share this one handler.
SIGTERM only raises a flag that the loop checks between steps: an exception thrown into arbitrary code
(a half-written file, a library's import) could escape the handler and end the process uncleanly.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from lfhtr.errors import Interrupted


class StopRequest:
    """Set by SIGTERM; ``check()`` between steps turns it into the KeyboardInterrupt Ctrl-C raises."""

    def __init__(self) -> None:
        self.requested = False

    def terminate(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True

    def check(self) -> None:
        if self.requested:
            raise KeyboardInterrupt


@contextmanager
def saving_on_interrupt(save: Callable[[], None], stopped: Callable[[], str]) -> Iterator[StopRequest]:
    """Inside the block, Ctrl-C, or SIGTERM at the next ``check()``, calls ``save()`` and ends the stage
    with ``stopped()``'s message.

    Signal handlers can only be installed from the main thread, so elsewhere only Ctrl-C is caught.
    """
    request = StopRequest()
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, request.terminate) if in_main else None
    try:
        yield request
    except KeyboardInterrupt:
        save()
        raise Interrupted(stopped()) from None
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
