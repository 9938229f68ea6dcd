"""How far a page's writing is turned from level, and the page turned back.

A page photographed or laid on the scanner at an angle has every line running uphill or downhill; from
a few degrees on, a line's ink crosses into its neighbours' rows across the page and ridges of ink no
longer follow one line. The angle is the one at which the ink's rows, counted along lines at that
slope, gather most sharply (the sum of the squared counts: a projection profile); the page's ink is
then turned level, its lines found there and turned back onto the page.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from lfhtr.core.layout import PageLayout, Point, TextLine, TextRegion

MOST_SKEW = 30.0
"""The largest angle looked for, in degrees either way: more is no longer a page laid crooked but one
turned, and a page turned a quarter is told by its columns gathering more sharply than its rows
(``runs_sideways``)."""
COARSE_STEP, FINE_STEP = 1.0, 0.1
"""Degrees between the angles tried, first over the whole range, then around the best of them."""
LEAST_SKEW = 2.0
"""Below this angle, in degrees, the lines are traced where they lie: ridges follow a line that climbs
less than this across the page, and the ink is not turned for nothing."""
SHARPER = 1.5
"""How many times more sharply the rows must gather at the angle found than level for the page to count
as turned: a page laid crooked gathers two to three times as sharply turned back, while a page whose
passages slope their own ways (a signature, a stamp, rules drawn by hand) gathers little better at any
one angle, and its lines are better traced where they lie."""
MOST_POINTS, FEWEST_POINTS = 200_000, 100
"""Ink pixels counted at most (an even sample of them: enough for a profile, quick on any page), and
at the least for a page to have a slope."""


def page_skew(ink: np.ndarray) -> float:
    """The angle, in degrees counter-clockwise, by which the lines of ``ink`` (boolean H×W) are turned
    from level; 0 where the page holds too little ink to say, or its rows gather less than ``SHARPER``
    times as sharply at any angle."""
    ys, xs = np.nonzero(ink)
    if len(ys) < FEWEST_POINTS:
        return 0.0
    every = max(1, len(ys) // MOST_POINTS)
    ys, xs = ys[::every].astype(np.float64), xs[::every].astype(np.float64)

    def sharpness(angle: float) -> float:
        # a line turned counter-clockwise climbs to the right: y + x·tan(angle) stays the same along it
        rows = np.round(ys + xs * math.tan(math.radians(angle))).astype(np.int64)
        counts = np.bincount(rows - rows.min()).astype(np.float64)
        return float(np.dot(counts, counts))

    coarse = np.arange(-MOST_SKEW, MOST_SKEW + COARSE_STEP / 2, COARSE_STEP)
    best = float(max(coarse, key=sharpness))
    fine = np.arange(best - COARSE_STEP, best + COARSE_STEP + FINE_STEP / 2, FINE_STEP)
    best = float(max(fine, key=sharpness))
    return round(best, 2) if sharpness(best) >= SHARPER * sharpness(0.0) else 0.0


def gathering(ink: np.ndarray, axis: int) -> float:
    """How sharply ``ink`` (boolean H×W) gathers in rows (``axis`` 1: counted along them) or columns
    (0): the sum of the squared counts over that of ink spread evenly across the inked span, 1 for an
    even spread; lines of writing gather their rows far more sharply than their columns."""
    counts = ink.sum(axis=axis).astype(np.float64)
    inked = np.flatnonzero(counts)
    if len(inked) == 0:
        return 1.0
    counts = counts[inked[0] : inked[-1] + 1]
    return float(len(counts) * np.dot(counts, counts) / counts.sum() ** 2)


def runs_sideways(ink: np.ndarray) -> bool:
    """Whether the lines of ``ink`` (boolean H×W) run down the page rather than across it: its columns
    gather at least ``SHARPER`` times as sharply as its rows, as a page scanned or photographed the long
    way round does. A page of level lines gathers its rows well over as sharply as its columns, sideways
    notes in its margin or not (docs/pages.md has the figures)."""
    return gathering(ink, 0) >= SHARPER * gathering(ink, 1)


def turned_level(ink: np.ndarray, angle: float) -> np.ndarray:
    """``ink`` (boolean H×W) turned clockwise by ``angle`` degrees about its centre, grown to hold all of
    it. The ink is turned, not the scan: where ink is told from paper stays decided on the scan as it
    came, and a turned scan's new corners and resampled strokes would have to be told apart again."""
    turned = Image.fromarray(ink.astype(np.uint8) * 255).rotate(-angle, Image.Resampling.NEAREST, expand=True)
    return np.asarray(turned) > 0


def turned_back(layout: PageLayout, angle: float, size: tuple[int, int]) -> PageLayout:
    """``layout``, found on the page's ink turned level by ``turned_level``, in the frame of the page of
    ``size`` (width, height) turned by ``angle``: every point turned back and kept on the page."""
    width, height = size
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    turned_centre = (layout.width / 2, layout.height / 2)
    centre = (width / 2, height / 2)

    def back(points: tuple[Point, ...]) -> tuple[Point, ...]:
        moved = []
        for x, y in points:
            dx, dy = x - turned_centre[0], y - turned_centre[1]
            # counter-clockwise by ``angle`` as the eye sees it, rows counted downwards
            px, py = centre[0] + dx * cos + dy * sin, centre[1] - dx * sin + dy * cos
            moved.append((min(max(px, 0.0), float(width)), min(max(py, 0.0), float(height))))
        return tuple(moved)

    def line(found: TextLine) -> TextLine:
        return TextLine(found.id, back(found.baseline), back(found.boundary), found.orientation)

    regions = tuple(
        TextRegion(region.id, back(region.boundary), tuple(map(line, region.lines)), region.kind)
        for region in layout.regions
    )
    return PageLayout(width, height, regions)
