"""Glyph atlas: each glyph of a font rasterised once, so words are composed from bitmaps, not re-drawn.

Rasterising a word with FreeType costs most of a synthetic sample; composing cached glyph bitmaps costs
a few numpy slice maxima. Composition is only faithful where the font draws a letter the same whatever
its neighbours, so every letter pair is checked once against the shaped (raqm) rendering of the pair:
pairs the font shapes contextually — ligatures such as "fi" or "Th", cursive joins such as Dancing
Script's "or" — are drawn as one shaped run and cached as such; the rest keep the font's pair kerning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFont

from lfhtr.builtin.verdicts import FontVerdicts

SHAPED_OVERLAP = 0.95
"""A pair whose composed ink overlaps the shaped pair's ink less than this (intersection over union)
is drawn differently in context. Nearly all frequent pairs of the default fonts overlap almost exactly
(sub-pixel rounding); the few that do not are shaped whole (the counts are in docs/benchmarks.md)."""

PROBE_WORDS = ("minimum", "states", "together", "weather", "different", "making", "support", "little")
"""Words each font sets both ways when first used, to find fonts whose contexts reach beyond a letter
pair. Fixed words, not the first ones drawn, so that a sample stays a function of its index alone."""

MAX_RUNS = 4096
"""Shaped runs cached per font; fonts that shape nearly every pair (Caveat) would otherwise cache
whole words without end."""


@dataclass(frozen=True)
class Glyph:
    bitmap: np.ndarray  # coverage 0–255, ink high
    left: int  # bitmap's offset from the pen position on the baseline
    top: int
    advance: float


def _draw(face: ImageFont.FreeTypeFont, text: str, stroke: int) -> tuple[np.ndarray, int, int]:
    """``text`` drawn from a pen on the baseline at the origin: its coverage bitmap and offset.

    FreeType's mask as it comes, the bytes ImageDraw.text would paste onto a blank canvas: laying the
    text out once instead of twice and skipping the paste makes a first-seen pair or glyph cheaper
    (docs/benchmarks.md). ``stroke_filled`` (Pillow ≥ 11.2) is what ImageDraw asks for: the letter and
    its stroke.
    """
    mask, (left, top) = face.getmask2(text, "L", anchor="ls", stroke_width=stroke, stroke_filled=True)
    bitmap = np.asarray(Image.Image()._new(mask))  # Pillow's own way to wrap a core image
    if not bitmap.size:  # blank text: one row of paper, so that it still has a place and an extent
        bitmap = np.zeros((max(1, bitmap.shape[0]), max(1, bitmap.shape[1])), np.uint8)
    return bitmap, left, top


Placed = tuple[np.ndarray, int, int]
"""A coverage bitmap and its (x, y) offset from the pen on the baseline."""


def place(parts: list[Placed]) -> Placed:
    """Bitmaps at (x, y) offsets merged by maximum coverage, as FreeType merges overlapping glyphs."""
    x0 = min(x for _, x, _ in parts)
    y0 = min(y for _, _, y in parts)
    x1 = max(x + bitmap.shape[1] for bitmap, x, _ in parts)
    y1 = max(y + bitmap.shape[0] for bitmap, _, y in parts)
    canvas = np.zeros((y1 - y0, x1 - x0), np.uint8)
    for bitmap, x, y in parts:
        h, w = bitmap.shape
        region = canvas[y - y0 : y - y0 + h, x - x0 : x - x0 + w]
        np.maximum(region, bitmap, out=region)
    return canvas, x0, y0


def _overlap(a: tuple[np.ndarray, int, int], b: tuple[np.ndarray, int, int]) -> float:
    """Intersection over union of two offset coverage bitmaps, compared in the same frame."""
    union, x0, y0 = place([a, b])
    both = np.full(union.shape, 255, np.uint8)
    for bitmap, x, y in (a, b):
        inside = np.zeros(union.shape, np.uint8)
        inside[y - y0 : y - y0 + bitmap.shape[0], x - x0 : x - x0 + bitmap.shape[1]] = bitmap
        np.minimum(both, inside, out=both)
    total = float(union.sum())
    return float(both.sum()) / total if total else 1.0


class GlyphAtlas:
    """One font face's glyphs, pair kerning and contextual pairs, filled lazily as words need them."""

    def __init__(
        self, face: ImageFont.FreeTypeFont, drawable: frozenset[str], verdicts: FontVerdicts | None = None
    ) -> None:
        self.face = face
        self._glyphs: dict[tuple[str, int], Glyph] = {}
        self._runs: dict[tuple[str, int], Glyph] = {}  # shaped letter runs such as "fi": bounded
        # decisions that depend on the font alone; filled in place, so a store can keep them for next time
        self.verdicts = verdicts if verdicts is not None else FontVerdicts()
        self._kerning = self.verdicts.kerning  # None: the pair is shaped in context
        if self.verdicts.shapes_words is None:  # Caveat, say, cycles its letter forms
            probes = [w for w in PROBE_WORDS if set(w) <= drawable]
            self.verdicts.shapes_words = self._reaches_beyond_pairs(probes)

    @property
    def shapes_words(self) -> bool:
        """Whether the font's contexts reach beyond letter pairs, so whole words go to the shaper."""
        return bool(self.verdicts.shapes_words)

    def glyph(self, text: str, stroke: int) -> Glyph:
        """A letter, or a run of letters the font shapes together, as a bitmap with its metrics."""
        cache = self._glyphs if len(text) == 1 else self._runs
        found = cache.get((text, stroke))
        if found is None:
            if len(cache) >= MAX_RUNS and cache is self._runs:
                cache.clear()
            bitmap, left, top = _draw(self.face, text, stroke)
            found = cache[text, stroke] = Glyph(bitmap, left, top, self.face.getlength(text))
        return found

    def kerning(self, pair: str) -> float | None:
        """Extra advance the shaper gives this pair, or None if the font draws it in context."""
        if pair not in self._kerning:
            kern = self.face.getlength(pair) - self.glyph(pair[0], 0).advance - self.glyph(pair[1], 0).advance
            composed = self._set([(pair[0], 0.0), (pair[1], kern)], 0, [0, 0])
            contextual = _overlap(composed, _draw(self.face, pair, 0)) < SHAPED_OVERLAP
            self._kerning[pair] = None if contextual else kern
        return self._kerning[pair]

    def shaped_runs(self, text: str) -> list[tuple[str, float]]:
        """The word cut between letters the font draws independently: (run, kerning before the run)."""
        runs = []
        start, kern_before = 0, 0.0
        for index in range(1, len(text)):
            kern = self.kerning(text[index - 1 : index + 1])
            if kern is not None:
                runs.append((text[start:index], kern_before))
                start, kern_before = index, kern
        runs.append((text[start:], kern_before))
        return runs

    def word(
        self, text: str, stroke: int, spacing: float = 0.0, baselines: list[float] | None = None
    ) -> Placed:
        """The word's coverage bitmap, ink high, and its offset from the pen.

        Without ``baselines`` the word is set as the font would set it: kerned, and with runs the font
        shapes in context drawn by the shaper. With per-letter ``baselines`` the letters are set one
        by one, as a hand would, ``spacing`` added to each advance.
        """
        if baselines is not None:
            return self._set([(char, spacing) for char in text], stroke, [round(b) for b in baselines])
        if self.shapes_words:
            glyph = self.glyph(text, stroke)
            return glyph.bitmap, glyph.left, glyph.top
        return self._set_word(text, stroke)

    def _set_word(self, text: str, stroke: int) -> tuple[np.ndarray, int, int]:
        """The word set from its shaped runs, kerned: (bitmap, left, top)."""
        runs = self.shaped_runs(text)
        return self._set(runs, stroke, [0] * len(runs))

    def _set(
        self, runs: list[tuple[str, float]], stroke: int, offsets: list[int]
    ) -> tuple[np.ndarray, int, int]:
        """Runs placed along the baseline, each ``offsets`` pixels lower: (bitmap, left, top)."""
        parts = []
        x, advance = 0.0, 0.0
        for index, (run, gap) in enumerate(runs):
            glyph = self.glyph(run, stroke)
            if index:
                x += max(advance + gap, 1.0)  # at least a pixel on, so letters stay in reading order
            parts.append((glyph.bitmap, round(x) + glyph.left, offsets[index] + glyph.top))
            advance = glyph.advance
        return place(parts)

    def _reaches_beyond_pairs(self, probes: list[str]) -> bool:
        """Whether the probe words set from runs differ from the shaper's rendering of them."""
        overlaps = []
        for word in probes:
            shaped = self.glyph(word, 0)
            overlaps.append(_overlap(self._set_word(word, 0), (shaped.bitmap, shaped.left, shaped.top)))
        return bool(overlaps) and sum(overlaps) / len(overlaps) < SHAPED_OVERLAP
