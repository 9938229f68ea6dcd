"""How well found lines match ground-truth lines: precision and recall by boundary overlap and by
baseline.

A found line matches a ground-truth line when their boundary polygons overlap by an intersection over
union of at least ``MATCH_IOU``, each line matched at most once (best overlaps first). Boundaries are
drawn differently by every tool (tight polygons, boxes, bands), so a baseline figure is given beside
it: the share of each baseline's length that lies within a tolerance of a baseline of the other side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

Point = tuple[float, float]

MATCH_IOU = 0.5
RASTER = 0.25
"""Polygons are compared drawn at this share of the scan's resolution: overlaps of lines tens of
pixels high change by well under a percent."""
BASELINE_TOLERANCE = 0.33
"""A baseline point counts as found within this share of the median ground-truth line height."""


@dataclass(frozen=True)
class LineMatch:
    found: int
    truth: int
    matched: int
    baseline_precision: float
    baseline_recall: float

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.truth if self.truth else 1.0


@dataclass(frozen=True)
class _Mask:
    x: int
    y: int
    pixels: np.ndarray

    @classmethod
    def of(cls, polygon: Sequence[Point]) -> _Mask:
        xs = [p[0] * RASTER for p in polygon]
        ys = [p[1] * RASTER for p in polygon]
        x0, y0 = int(np.floor(min(xs))), int(np.floor(min(ys)))
        size = (int(np.ceil(max(xs))) - x0 + 1, int(np.ceil(max(ys))) - y0 + 1)
        canvas = Image.new("1", size, 0)
        ImageDraw.Draw(canvas).polygon([(x - x0, y - y0) for x, y in zip(xs, ys)], fill=1)
        return cls(x0, y0, np.asarray(canvas, dtype=bool))

    def overlap(self, other: _Mask) -> int:
        x0, y0 = max(self.x, other.x), max(self.y, other.y)
        x1 = min(self.x + self.pixels.shape[1], other.x + other.pixels.shape[1])
        y1 = min(self.y + self.pixels.shape[0], other.y + other.pixels.shape[0])
        if x1 <= x0 or y1 <= y0:
            return 0
        mine = self.pixels[y0 - self.y : y1 - self.y, x0 - self.x : x1 - self.x]
        theirs = other.pixels[y0 - other.y : y1 - other.y, x0 - other.x : x1 - other.x]
        return int((mine & theirs).sum())


def match_lines(
    found: Sequence[tuple[Sequence[Point], Sequence[Point]]],
    truth: Sequence[tuple[Sequence[Point], Sequence[Point]]],
) -> LineMatch:
    """Match lines given as (boundary, baseline) pairs in scan pixels; an empty baseline is skipped
    in the baseline figure."""
    found_masks = [_Mask.of(boundary) for boundary, _ in found]
    truth_masks = [_Mask.of(boundary) for boundary, _ in truth]
    pairs = []
    for i, mine in enumerate(found_masks):
        for j, theirs in enumerate(truth_masks):
            common = mine.overlap(theirs)
            if common:
                union = int(mine.pixels.sum()) + int(theirs.pixels.sum()) - common
                pairs.append((common / max(union, 1), i, j))
    used_found: set[int] = set()
    used_truth: set[int] = set()
    for iou, i, j in sorted(pairs, reverse=True):
        if iou >= MATCH_IOU and i not in used_found and j not in used_truth:
            used_found.add(i)
            used_truth.add(j)
    found_baselines = [list(baseline) for _, baseline in found if len(baseline) >= 2]
    truth_baselines = [list(baseline) for _, baseline in truth if len(baseline) >= 2]
    tolerance = BASELINE_TOLERANCE * _median_height(truth)
    return LineMatch(
        len(found),
        len(truth),
        len(used_found),
        _covered(found_baselines, truth_baselines, tolerance),
        _covered(truth_baselines, found_baselines, tolerance),
    )


def _median_height(lines: Sequence[tuple[Sequence[Point], Sequence[Point]]]) -> float:
    heights = [max(p[1] for p in boundary) - min(p[1] for p in boundary) for boundary, _ in lines]
    return float(np.median(heights)) if heights else 1.0


def _along(baseline: list[Point]) -> tuple[np.ndarray, np.ndarray, bool]:
    """The baseline as (positions along it, offsets across it, runs down the page): a sideways line's
    baseline is followed down the page and compared across, a level one along and up."""
    xs = np.array([p[0] for p in baseline])
    ys = np.array([p[1] for p in baseline])
    down = np.ptp(ys) > np.ptp(xs)
    along, across = (ys, xs) if down else (xs, ys)
    order = np.argsort(along)
    return along[order], across[order], bool(down)


def _covered(these: list[list[Point]], others: list[list[Point]], tolerance: float) -> float:
    """The share of the length of ``these`` baselines within ``tolerance`` of one of ``others`` that
    runs the same way."""
    covered = total = 0
    shaped = [_along(other) for other in others]
    for baseline in these:
        along, across, down = _along(baseline)
        samples = np.arange(along.min(), along.max() + 1, 4.0)
        offsets = np.interp(samples, along, across)
        near = np.zeros(len(samples), dtype=bool)
        for other_along, other_across, other_down in shaped:
            if other_down != down:
                continue
            inside = (samples >= other_along.min()) & (samples <= other_along.max())
            near |= inside & (np.abs(np.interp(samples, other_along, other_across) - offsets) <= tolerance)
        covered += int(near.sum())
        total += len(samples)
    return covered / total if total else 1.0
