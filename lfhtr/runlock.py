"""One stage at a time per run folder: a lock file held while a stage runs.

Two stages writing one run folder interleave logs and overwrite each other's checkpoints; the start-up
guard alone cannot see a run that has not saved yet. The lock is an ``fcntl`` lock on ``.lfhtr.lock`` in
the run folder, released by the kernel however the process ends; the file names the holder.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from lfhtr.atomic import sweep_orphans
from lfhtr.errors import LfhtrError

LOCK_NAME = ".lfhtr.lock"


def _acquire(path: Path, stage: str) -> int:
    """A descriptor holding the lock on ``path``; a folder lfhtr cannot write is a one-line error."""
    try:
        return _lock(path, stage)
    except OSError as exc:
        raise LfhtrError(
            f"{path}: cannot take the run folder's lock ({exc.strerror or exc}); set output to a writable "
            "folder with free space."
        ) from None


def _lock(path: Path, stage: str) -> int:
    """A descriptor holding the lock on ``path``; raises naming the holder if another process has it."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise LfhtrError(
                f"{path.parent}: in use by another lfhtr stage ({holder}); wait for it to finish, "
                "or set another output folder."
            ) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file between our open and our lock: take the new one
    os.ftruncate(fd, 0)
    os.write(fd, f"pid {os.getpid()}, lfhtr run {stage}".encode())
    return fd


@contextmanager
def locked(folder: Path, stage: str, owned: Sequence[Path] = ()) -> Iterator[None]:
    """Hold ``folder``'s lock for the block; first remove the temporary files a killed run left in it and
    in the ``owned`` sub-folders lfhtr writes."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LfhtrError(
            f"{folder}: cannot create the run folder ({exc.strerror or exc}); set output to a writable "
            "folder."
        ) from None
    path = folder / LOCK_NAME
    fd = _acquire(path, stage)
    try:
        sweep_orphans(folder, owned)
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)
