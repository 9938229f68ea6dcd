"""Atomic file writes: a file is either its old self or its complete new self, never half of each.

Everything lfhtr writes that a later step reads (specs, checkpoints, manifests, images) goes through
here, so a crash, a kill -9 or a full disk never corrupts what was already on disk.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from lfhtr.errors import DataError

TMP_SUFFIX = ".tmp"
"""Temporary files are ``.<name>.<random>.tmp`` beside their target (see ``sweep_orphans``)."""


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


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP_SUFFIX)
    except OSError as exc:
        raise DataError(f"{path}: cannot write ({exc.strerror or exc}); check the folder.") from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DataError(
            f"{path}: cannot write ({exc.strerror or exc}); the previous file is intact."
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sweep_orphans(folder: Path) -> list[Path]:
    """Remove temporary files a killed process left below ``folder``; call only while holding its lock."""
    removed = []
    for tmp in folder.rglob(f".*{TMP_SUFFIX}") if folder.is_dir() else []:
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def atomic_write(path: Path, data: str | bytes) -> None:
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
