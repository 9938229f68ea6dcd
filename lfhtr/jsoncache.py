"""Best-effort JSON caches: facts worked out once and kept between runs, never needed for correctness.

A cache that is missing, unreadable or not of the expected shape (hand-edited, written by another
version) is treated as empty, and one that cannot be written (a read-only folder, a full disk) only
costs the work again next run; neither may stop a run.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from lfhtr.atomic import atomic_write
from lfhtr.errors import DataError


def cache_dir() -> Path:
    """lfhtr's per-user cache (``$XDG_CACHE_HOME/lfhtr``): what is learnt once and reused by every run."""
    cache_home = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache_home / "lfhtr"


def load_entries(path: Path) -> dict[str, dict]:
    """The cache's entries: key → dict; anything else in the file is ignored."""
    try:
        stored = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict):
        return {}
    return {key: entry for key, entry in stored.items() if isinstance(entry, dict)}


def write_cache(path: Path, text: str) -> None:
    """Replace a cache file atomically; a cache that cannot be written (a read-only or full home) costs
    the next run the work again, never this run."""
    with contextlib.suppress(DataError):
        atomic_write(path, text)


def save_entries(path: Path, entries: dict[str, dict]) -> None:
    """Replace the cache atomically; a failure to write is not an error."""
    write_cache(path, json.dumps(entries, ensure_ascii=False, separators=(",", ":")))
