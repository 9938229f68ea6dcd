"""Text lines straightened by their baselines before they are read.

Segmenters give each line a baseline: two points for a straight line, however slanted, a polyline that
follows a curved one (kraken and eScriptorium trace it). Synthetic lines are drawn level, so a line is
first turned by its baseline's mean slope, then each pixel column is moved up or down so that what is
left of the curve runs level too. Turning first keeps the letters upright where a line only slopes;
moving columns alone would shear them.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

Point = tuple[float, float]

MIN_TURN = 0.5
"""Degrees below which a line is not turned: turning costs sharpness and gains nothing."""
MIN_BEND = 2
"""Pixels a column must move for a bent baseline to be unbent."""


def straighten(line: Image.Image, baseline: list[Point], outline: list[Point], paper: int) -> Image.Image:
    """``line`` (dark ink on paper of grey ``paper``) with ``baseline`` made level; both it and the line's
    ``outline`` polygon are in the image's coordinates. What turning and unbending uncover is paper.

    A turned image is cut back to its turned outline: the corners that turning adds are as tall as the
    line is long times the slope, and would shrink the writing when the line is scaled to the model's
    height.
    """
    angle = _baseline_angle(baseline)
    if abs(angle) >= MIN_TURN:
        turned = line.rotate(angle, Image.Resampling.BILINEAR, expand=True, fillcolor=paper)
        xs, ys = zip(*(_turned(point, angle, line.size, turned.size) for point in outline))
        left, top = max(0, math.floor(min(xs))), max(0, math.floor(min(ys)))
        right, bottom = min(turned.width, math.ceil(max(xs))), min(turned.height, math.ceil(max(ys)))
        baseline = [_turned(point, angle, line.size, turned.size) for point in baseline]
        baseline = [(x - left, y - top) for x, y in baseline]
        line = turned.crop((left, top, right, bottom))
    return _unbent(line, baseline, paper)


def _baseline_angle(baseline: list[Point]) -> float:
    """The direction the baseline runs in, in degrees (0: level, left to right; positive: falling to
    the right; 180: upside down; -90: written upwards): the axis its points lie along (least squares),
    pointed from its first point towards its last, as the writing runs."""
    if len(baseline) < 2:
        return 0.0
    mx = sum(x for x, _ in baseline) / len(baseline)
    my = sum(y for _, y in baseline) / len(baseline)
    sxx = sum((x - mx) ** 2 for x, _ in baseline)
    syy = sum((y - my) ** 2 for _, y in baseline)
    sxy = sum((x - mx) * (y - my) for x, y in baseline)
    axis = 0.5 * math.atan2(2 * sxy, sxx - syy)
    (x0, y0), (x1, y1) = baseline[0], baseline[-1]
    if (x1 - x0) * math.cos(axis) + (y1 - y0) * math.sin(axis) < 0:
        axis += math.pi
    return math.degrees(math.atan2(math.sin(axis), math.cos(axis)))


def _turned(point: Point, angle: float, before: tuple[int, int], after: tuple[int, int]) -> Point:
    """Where ``point`` lands when Pillow turns the image ``angle`` degrees anticlockwise, expanding it."""
    theta = math.radians(angle)
    dx, dy = point[0] - before[0] / 2, point[1] - before[1] / 2
    return (
        after[0] / 2 + dx * math.cos(theta) + dy * math.sin(theta),
        after[1] / 2 - dx * math.sin(theta) + dy * math.cos(theta),
    )


def _unbent(line: Image.Image, baseline: list[Point], paper: int) -> Image.Image:
    """Each column moved so the baseline (followed between its points, held beyond its ends) runs at
    one height; the image grows by the span moved, so no ink is cut off."""
    if len(baseline) < 3:
        return line  # a straight baseline is level once turned
    points = sorted(baseline)
    columns = np.arange(line.width)
    heights = np.interp(columns, [x for x, _ in points], [y for _, y in points])
    shift = np.rint(heights - np.median(heights)).astype(int)
    low, high = int(shift.min()), int(shift.max())
    if high - low < MIN_BEND:
        return line
    pixels = np.asarray(line)
    rows = np.arange(line.height + high - low)[:, None] + shift[None, :] - high
    inside = (rows >= 0) & (rows < line.height)
    out = np.full(rows.shape, paper, dtype=pixels.dtype)
    out[inside] = pixels[np.clip(rows, 0, line.height - 1), columns[None, :]][inside]
    return Image.fromarray(out)
