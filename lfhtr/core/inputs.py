"""What a spec names to read, so that `lfhtr spec validate` can say which of them is missing.

Paths inside a spec are relative to the spec's folder; the caller resolves them.
"""

from __future__ import annotations

from typing import Any

PATH_LISTS = ("corpora", "fonts", "extra_words")
"""Fields that hold lists of files or folders the spec reads (corpus texts, font folders, word lists)."""


def named_inputs(data: Any, where: str = "") -> list[tuple[str, str]]:
    """Every (field, path) of a dumped spec that names something to read: image sets' ``images`` and
    ``pages`` folders (not ``auto``) and the path lists of corpora and fonts."""
    found: list[tuple[str, str]] = []
    if isinstance(data, list):
        for index, item in enumerate(data):
            found += named_inputs(item, f"{where}[{index}]")
        return found
    if not isinstance(data, dict):
        return found
    for key, value in data.items():
        field = f"{where}.{key}" if where else key
        if isinstance(value, str) and "images" in data and key in ("images", "pages") and value != "auto":
            found.append((field, value))
        elif key in PATH_LISTS and isinstance(value, list):
            named = [(index, item) for index, item in enumerate(value) if isinstance(item, str)]
            found += [(f"{field}[{index}]", item) for index, item in named]
        else:
            found += named_inputs(value, field)
    return found
