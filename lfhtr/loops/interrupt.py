"""Stopping a long stage cleanly: Ctrl-C, SIGTERM and SIGHUP all save between steps, then say how to resume.

Containers, SLURM and systemd stop a job with SIGTERM, a person with Ctrl-C, a closed terminal or a
dropped ssh connection with SIGHUP; each must leave a checkpoint that ``--resume`` continues from bit for
bit, so pretraining and adaptation share this one handler. A signal only raises a flag that the loop
checks between steps: an exception thrown into a step would land after BatchNorm statistics and random
draws had moved, and a resumed run would no longer be the run that was stopped. A second Ctrl-C stops at
once, without saving the half-done step: ``--resume`` then continues from the last checkpoint.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from lfhtr.errors import Interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _StopNow(KeyboardInterrupt):
    """A second Ctrl-C: stop inside the step, saving nothing."""


class StopRequest:
    """Set by a signal; ``check()`` between steps turns it into a stop that saves the finished steps."""

    def __init__(self) -> None:
        self.requested = False

    def stop(self, signum: int, frame: FrameType | None) -> None:
        if self.requested and signum == signal.SIGINT:
            raise _StopNow
        self.requested = True
        again = b" (Ctrl-C again to stop at once)" if signum == signal.SIGINT else b""
        os.write(2, b"\nstopping after this step" + again + b"\n")  # a handler must not re-enter logging

    def check(self) -> None:
        if self.requested:
            raise KeyboardInterrupt


@contextmanager
def saving_on_interrupt(save: Callable[[], None], stopped: Callable[[], str]) -> Iterator[StopRequest]:
    """Inside the block, Ctrl-C, SIGTERM or SIGHUP at the next ``check()`` calls ``save()`` and ends the
    stage with ``stopped()``'s message; a second Ctrl-C ends it at once.

    Signal handlers can only be installed from the main thread, so elsewhere a Ctrl-C stops the step it
    lands in, saving what the loop's state says.
    """
    request = StopRequest()
    in_main = threading.current_thread() is threading.main_thread()
    previous = {signum: signal.signal(signum, request.stop) for signum in SIGNALS} if in_main else {}
    try:
        yield request
    except _StopNow:
        shown = stopped().split(";")[0]
        raise Interrupted(f"{shown}; stopped at once: --resume continues from the last checkpoint.") from None
    except KeyboardInterrupt:
        save()
        raise Interrupted(stopped()) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
