"""Handwriting fonts: where they are, what they can draw, and a cache so that is worked out once.

A font's cmap can claim characters it draws as an empty box or an ornament, so coverage is checked by
rendering: a character counts only if it leaves ink and differs from the font's .notdef (tofu) glyph.
Results are cached per file (keyed by size and mtime) because this check is the slow part of start-up.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from fontTools.ttLib import TTFont, TTLibError
from PIL import Image, ImageFont

from lfhtr.errors import PATH_RULE, DataError
from lfhtr.jsoncache import cache_dir, load_entries, save_entries

FONT_SUFFIXES = {".ttf", ".otf", ".woff", ".woff2"}
_PROBE_SIZE = 32
_CHECK_VERSION = 4  # bump when _drawable changes, so cached verdicts are redone
_TOFU_PROBE = "\ue000"
_SMALL_CAPS_SIMILARITY = 0.5  # private use: no handwriting font draws it, so it renders as .notdef


def default_font_dir() -> Path:
    env = os.environ.get("LFHTR_FONT_DIR")
    if env:
        return Path(env)
    data_home = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return data_home / "lfhtr" / "fonts"


@dataclass(frozen=True)
class Font:
    path: Path
    name: str
    drawable: frozenset[str]

    def covers(self, text: str) -> bool:
        return all(ch in self.drawable for ch in text)

    def missing(self, chars: str) -> str:
        return "".join(ch for ch in chars if ch not in self.drawable)


def find_font_files(locations: list[Path], exclude: list[str]) -> list[Path]:
    files: set[Path] = set()
    for location in locations:
        if location.is_file():
            files.add(location)
            continue
        if not location.is_dir():
            raise DataError(
                f"{location}: font folder not found; run scripts/install-fonts.sh or set renderer.fonts "
                f"({PATH_RULE})."
            )
        for path in location.rglob("*"):
            if path.suffix.lower() in FONT_SUFFIXES and path.is_file():
                files.add(path)
    return sorted(p for p in files if not any(fnmatch.fnmatch(p.name, pat) for pat in exclude))


def _bitmap(font: ImageFont.FreeTypeFont, ch: str) -> bytes | None:
    mask = font.getmask(ch)
    if mask.size[0] == 0 or mask.size[1] == 0 or mask.getbbox() is None:
        return None
    return bytes(mask) + bytes(str(mask.size), "ascii")


def _shape(font: ImageFont.FreeTypeFont, ch: str) -> np.ndarray:
    """The glyph's ink, cropped and scaled to 16×16 and normalised: size-free shape for comparison."""
    mask = font.getmask(ch)
    image = Image.frombytes("L", mask.size, bytes(mask))
    box = image.getbbox()
    if box is None:
        return np.zeros((16, 16), np.float32)
    shape = np.asarray(image.crop(box).resize((16, 16)), np.float32)
    shape -= shape.mean()
    return shape / (float(np.linalg.norm(shape)) + 1e-6)


def _small_caps(font: ImageFont.FreeTypeFont) -> bool:
    """Whether lowercase letters are drawn as (smaller) capitals; such images would be mislabelled.

    Measured on the default font set: small-caps fonts score 0.69-0.86, the all-capitals Humor Sans 0.59,
    fonts with a real lowercase 0.43 or less.
    """
    letters = "abdefghijklmnqrty"
    similarity = [float((_shape(font, c) * _shape(font, c.upper())).sum()) for c in letters]
    return float(np.mean(similarity)) > _SMALL_CAPS_SIMILARITY


def _drawable(path: Path, chars: str) -> set[str]:
    """Characters of ``chars`` the font really draws (cmap entry, ink, and not the tofu glyph)."""
    try:
        with TTFont(path, lazy=True, fontNumber=0) as tt:
            cmap = tt.getBestCmap() or {}
        font = ImageFont.truetype(str(path), _PROBE_SIZE)
    except (OSError, TTLibError, ValueError, AssertionError) as exc:
        raise DataError(
            f"{path}: unreadable font ({exc}); remove it or add it to renderer.exclude."
        ) from None
    tofu = _bitmap(font, _TOFU_PROBE)
    good = {ch for ch in chars if ord(ch) in cmap and _bitmap(font, ch) not in (None, tofu)}
    if _small_caps(font):
        good = {ch for ch in good if not ch.islower()}
    return good


class FontCache:
    """Coverage per font file, persisted as JSON beside other lfhtr caches."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_dir() / "font-coverage.json"
        self._entries = load_entries(self.path)
        self._dirty = False

    def drawable(self, path: Path, chars: str) -> frozenset[str]:
        stat = path.stat()
        key = str(path.resolve())
        stamp = f"{_CHECK_VERSION}:{stat.st_size}:{stat.st_mtime_ns}"
        entry = self._entries.get(key)
        if entry and entry.get("stamp") == stamp and set(chars) <= set(str(entry.get("checked", ""))):
            known = set(str(entry["drawable"]))
            return frozenset(ch for ch in chars if ch in known)
        checked = "".join(sorted(set(chars)))
        good = _drawable(path, checked)
        self._entries[key] = {"stamp": stamp, "checked": checked, "drawable": "".join(sorted(good))}
        self._dirty = True
        return frozenset(good)

    def save(self) -> None:
        if self._dirty:
            save_entries(self.path, self._entries)
            self._dirty = False


def load_fonts(locations: list[Path], exclude: list[str], charset: str, min_coverage: float) -> list[Font]:
    """Usable fonts: those drawing at least ``min_coverage`` of the charset's letters and digits."""
    files = find_font_files(locations, exclude)
    cache = FontCache()
    fonts = []
    core = [ch for ch in charset if ch.isalnum()] or list(charset)
    for path in files:
        drawable = cache.drawable(path, charset)
        if sum(ch in drawable for ch in core) >= min_coverage * len(core):
            fonts.append(Font(path=path, name=path.stem, drawable=drawable))
    cache.save()
    return fonts


def all_fonts(locations: list[Path], exclude: list[str], charset: str) -> list[Font]:
    """Every font found, usable or not, for reports such as `lfhtr fonts`."""
    return load_fonts(locations, exclude, charset, min_coverage=0.0)
