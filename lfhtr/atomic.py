"""Atomic file writes: a file is either its old self or its complete new self, never half of each.

Everything lfhtr writes that a later step reads (specs, checkpoints, manifests, images) goes through
here, so a crash, a kill -9 or a full disk never corrupts what was already on disk.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from lfhtr.errors import DataError

TMP_SUFFIX = ".tmp"
_TEMP = re.compile(r"^\..+\.lfhtr-(\d+)-[^.]+\.tmp$")
"""Temporary files are ``.<name>.lfhtr-<pid>-<random>.tmp`` beside their target: the pid says whether
their writer still runs (see ``sweep_orphans``), the pattern that lfhtr made them."""


def _mode_for(path: Path) -> int:
    """The replaced file's permissions, or what a plain ``open`` would give a new file (umask applied).

    mkstemp creates 0600 files; without this every spec, checkpoint and report would be private.
    """
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _target(path: Path) -> tuple[Path, bool]:
    """Where writing ``path`` really goes, and whether that can be a rename: a symbolic link is followed
    (the link stays, its file is replaced); a device or FIFO (``/dev/null``, ``/dev/stdout``, a pipe) is
    written in place, never replaced by a file; a folder is refused."""
    real = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        mode = real.stat().st_mode
    except OSError:
        return real, True
    if stat.S_ISDIR(mode):
        raise DataError(f"{path}: is a folder; name a file to write.")
    return real, stat.S_ISREG(mode)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename.

    A target that is not a regular file (a device, a FIFO) is yielded itself: it cannot be replaced
    atomically, and replacing it would destroy it.
    """
    target, renamable = _target(path)
    if not renamable:
        yield target
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{target.name}.lfhtr-{os.getpid()}-"
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=TMP_SUFFIX)
    except OSError as exc:
        raise DataError(f"{path}: cannot write ({exc.strerror or exc}); check the folder.") from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DataError(
            f"{path}: cannot write ({exc.strerror or exc}); the previous file is intact."
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def sweep_orphans(folder: Path, owned: Sequence[Path] = ()) -> list[Path]:
    """Remove the temporary files of lfhtr writers that died (a kill -9) in ``folder`` itself and, with
    their sub-folders, in the ``owned`` folders lfhtr writes. Another program's ``.*.tmp`` and the
    in-flight files of a running writer (a nested session's stage) are left alone."""
    candidates = [p for p in folder.glob(f".*{TMP_SUFFIX}")] if folder.is_dir() else []
    for sub in owned:
        candidates += sub.rglob(f".*{TMP_SUFFIX}") if sub.is_dir() else []
    removed = []
    for tmp in candidates:
        match = _TEMP.match(tmp.name)
        if match and not _running(int(match.group(1))) and tmp.is_file() and not tmp.is_symlink():
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def atomic_write(path: Path, data: str | bytes) -> None:
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
