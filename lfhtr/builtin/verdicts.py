"""What the glyph atlas learns about each font, kept on disk so that later runs start where this one ended.

Deciding how a font draws a letter pair (kerned glyphs, or shaped in context) means rasterising the pair
with FreeType and comparing; over the first 10,000 samples of a fresh process that is most of a
sample's cost, and a long tail of new pairs keeps costing after that. The decisions depend only on the
font file, the size and the rendering libraries, never on the words drawn, so a run that loads them
draws byte-identical images to one that works them out again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import PIL
from PIL import features

from lfhtr.jsoncache import load_entries, save_entries

VERDICTS_VERSION = 1
"""Bump when the pair check or the probe words change, so that stored decisions are made again."""

SAVE_GROWTH = 0.05
"""A save rewrites the whole file, so it waits until the verdicts have grown by this share."""


@dataclass
class FontVerdicts:
    """One font at one size: pair → extra advance, or None where the font draws the pair in context."""

    kerning: dict[str, float | None] = field(default_factory=dict)
    shapes_words: bool | None = None  # None: not probed yet


def _stamp(font: Path, size: int) -> str:
    """Changes whenever the font file, the size or the libraries that rasterise and shape change."""
    stat = font.stat()
    libraries = f"{PIL.__version__}:{features.version('freetype2')}:{features.version('raqm')}"
    return f"{VERDICTS_VERSION}:{size}:{stat.st_size}:{stat.st_mtime_ns}:{libraries}"


class VerdictStore:
    """Every font's verdicts in one JSON file, merged with what other processes saved meanwhile."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fonts: dict[str, tuple[str, FontVerdicts]] = {}  # key → (stamp, verdicts)
        self._stored = load_entries(path)
        self._saved_count = 0

    def font(self, font: Path, size: int) -> FontVerdicts:
        """The verdicts for ``font`` at ``size``: those stored if still valid, else an empty set to fill."""
        key = f"{font.resolve()}@{size}"
        if key not in self._fonts:
            stamp = _stamp(font, size)
            entry = self._stored.pop(key, {})
            verdicts = FontVerdicts()
            if entry.get("stamp") == stamp:
                verdicts = FontVerdicts(dict(entry.get("kerning", {})), entry.get("shapes_words"))
            self._fonts[key] = (stamp, verdicts)
        return self._fonts[key][1]

    def save_if_grown(self) -> None:
        count = sum(len(v.kerning) for _, v in self._fonts.values())
        if count <= self._saved_count * (1 + SAVE_GROWTH):
            return
        merged = load_entries(self.path)
        for key, (stamp, verdicts) in self._fonts.items():
            entry = merged.get(key, {})
            kerning = entry.get("kerning", {}) if entry.get("stamp") == stamp else {}
            merged[key] = {
                "stamp": stamp,
                "shapes_words": verdicts.shapes_words,
                "kerning": {**kerning, **verdicts.kerning},
            }
        save_entries(self.path, merged)
        self._saved_count = count
