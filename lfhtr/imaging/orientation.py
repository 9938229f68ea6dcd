"""Level writing told from writing turned sideways, as marginal notes often are.

Blurred along its rows, the ink of level writing gathers into ridges; blurred along its columns it
smears across the gaps between lines. Writing turned a quarter turn does the opposite. Each piece of
ink goes with the direction whose blur gathers it more strongly, by a clear margin for sideways, since
most pages hold level writing only and a tall letter or a frame drawn around the text must stay level.
"""

from __future__ import annotations

import numpy as np

from lfhtr.imaging.textlines import FoundLine, ridge_map

SIDEWAYS_MARGIN = 1.5
"""How many times more strongly the blur down the columns must gather ink than the blur along the rows
for that ink to be read as writing turned sideways."""
SIDEWAYS_SHORTEST = 1.2
"""The shortest sideways line kept, in pitches: a note written sideways is longer than the level lines
are apart, while a piece of ink no longer than that which gathers better down the page is a tall letter,
a descender running into the next line or a flourish of level writing."""
CROSSING_SHARE, CROSSING_LONGEST = 0.5, 4.0
"""A sideways line with more than this share of its baseline inside the bands of level lines, and no
longer than that many pitches, runs across them: a long descender or a flourish of their writing
reaches across a few lines, while a note written sideways beside them runs on."""


def split_by_orientation(ink: np.ndarray, pitch: float) -> tuple[np.ndarray, np.ndarray]:
    """``ink`` split into level writing and writing turned sideways, both in the page's own frame."""
    along_rows = ridge_map(ink, pitch) * ink
    along_columns = np.rot90(ridge_map(np.rot90(ink, -1), pitch), 1) * ink
    sideways = _surroundings(along_columns, pitch) > SIDEWAYS_MARGIN * _surroundings(along_rows, pitch)
    return ink & ~sideways, ink & sideways


def _surroundings(strength: np.ndarray, pitch: float) -> np.ndarray:
    """``strength`` averaged over a few pitches around each point: orientation belongs to a passage of
    writing, not to a stroke."""
    radius = max(1, int(pitch / 2))
    table = np.pad(strength.astype(np.float64), ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    height, width = strength.shape
    rows, columns = np.arange(height), np.arange(width)
    top, bottom = np.clip(rows - radius, 0, height), np.clip(rows + radius + 1, 0, height)
    left, right = np.clip(columns - radius, 0, width), np.clip(columns + radius + 1, 0, width)
    total = table[bottom][:, right] - table[top][:, right] - table[bottom][:, left] + table[top][:, left]
    return total / np.outer(bottom - top, right - left)


def crosses_level_writing(sideways: FoundLine, level: list[FoundLine], pitch: float) -> bool:
    """Whether a short ``sideways`` line (in the page's frame: ``xs`` its rows, ``baseline`` its
    columns) lies mostly within the bands of the ``level`` lines (``CROSSING_SHARE``)."""
    columns, rows = sideways.baseline, sideways.xs
    if abs(rows[-1] - rows[0]) > CROSSING_LONGEST * pitch:
        return False
    inside = np.zeros(len(rows), dtype=bool)
    for line in level:
        across = (columns >= line.xs[0]) & (columns <= line.xs[-1])
        top, bottom = np.interp(columns, line.xs, line.top), np.interp(columns, line.xs, line.bottom)
        inside |= across & (rows >= top) & (rows <= bottom)
    return bool(inside.mean() > CROSSING_SHARE)
