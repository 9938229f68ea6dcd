"""Gutters: the blanks that run down between columns of writing and between the two pages of a spread.

Blurred along the rows, the ink of two lines at one height on either side of a narrow gutter merges
into one ridge, and a blank a line may hold (a wide space between words, a date far from a signature)
is no wider than the inner margins of a book's two pages. What tells a gutter from such a blank is
that it runs down a stretch of the page with writing close beside it on both sides, line after line:
the spaces between words do not line up down a page. Ridges are cut where they cross a gutter, and
pieces of lines are not joined across one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lfhtr.imaging.textlines import Ridge

WIDTH = 1.5
"""The narrowest blank, in pitches, taken for a gutter: wider than the space between words."""
NARROW = 0.5
"""How narrow, in pitches, a gutter may become where a line of one column runs close to the next
column: it runs on through such rows, so that their line is parted from the next column's too."""
REACH = 3.0
"""How near a gutter, in pitches, the writing it parts lies on either side: the ragged end of a
page's lines, a column's."""
PARTED = 3.0
"""How many pitches' worth of rows, at the least, hold writing on both sides of a gutter: several
lines, where a blank between two words of one line, or of two lines, is not one."""
MOSTLY = 0.8
"""The share of a gutter's rows, at the least, where it is ``WIDTH`` wide: spaces between words that
happen to line up down a few lines leave a narrow blank through the lines and a wide one only between
them."""
SPECK = 0.08
"""The tallest interruption, in pitches, that a gutter runs through: a speck or a dot in it, not a
line, whose letters are taller."""


@dataclass(frozen=True)
class Gutter:
    """A blank running down the page at column ``x`` from row ``top`` to row ``bottom`` (working pixels)."""

    x: float
    top: float
    bottom: float

    def parts(self, left: float, right: float, height: float) -> bool:
        """Whether a stretch of line from column ``left`` to ``right`` at ``height`` crosses it."""
        return left < self.x < right and self.top <= height <= self.bottom


def find_gutters(ink: np.ndarray, pitch: float) -> list[Gutter]:
    """The gutters of ``ink`` (bool H×W at the working scale), one for every column they run down,
    every quarter of a pitch."""
    height, width = ink.shape
    half, reach = max(1, round(WIDTH * pitch / 2)), max(1, round(REACH * pitch))
    narrow, speck = max(1, round(NARROW * pitch / 2)), round(SPECK * pitch)
    along = np.concatenate((np.zeros((height, 1)), np.cumsum(ink, axis=1)), axis=1)

    def inked(start: int, end: int) -> np.ndarray:
        """Rows with ink in columns [start, end)."""
        return along[:, min(max(end, 0), width)] > along[:, min(max(start, 0), width)]

    gutters = []
    for x in range(half, width - half, max(1, round(pitch / 4))):
        blank = _closed(~inked(x - half, x + half + 1), speck)
        beside = blank & inked(x - half - reach, x - half) & inked(x + half + 1, x + half + 1 + reach)
        for top, bottom in _runs(_closed(~inked(x - narrow, x + narrow + 1), speck)):
            parting = np.count_nonzero(beside[top:bottom]) >= PARTED * pitch
            wide = np.count_nonzero(blank[top:bottom]) >= MOSTLY * (bottom - top)
            if parting and wide:
                gutters.append(Gutter(float(x), float(top), float(bottom)))
    return gutters


def _closed(blank: np.ndarray, longest: int) -> np.ndarray:
    """``blank`` with its interruptions of up to ``longest`` rows filled in."""
    closed = blank.copy()
    for top, bottom in _runs(~blank):
        if bottom - top <= longest and top > 0 and bottom < len(blank):
            closed[top:bottom] = True
    return closed


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """The runs of True in ``mask`` as (first, after last) indices."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def cut_at_gutters(ridge: Ridge, gutters: list[Gutter], pitch: float) -> list[Ridge]:
    """``ridge`` in the pieces that no gutter parts, each ending a pitch short of the gutter, so that
    the ink a line is traced on (up to a pitch beyond its ridge) stays on its own side."""
    cuts = [
        gutter.x
        for gutter in gutters
        if gutter.parts(
            float(ridge.xs[0]), float(ridge.xs[-1]), float(np.interp(gutter.x, ridge.xs, ridge.ys))
        )
    ]
    if not cuts:
        return [ridge]
    inside = np.zeros(len(ridge.xs), dtype=bool)
    for x in cuts:
        inside |= np.abs(ridge.xs - x) <= pitch
    return [
        Ridge(ridge.xs[start:end], ridge.ys[start:end]) for start, end in _runs(~inside) if end - start >= 2
    ]
