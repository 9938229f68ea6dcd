"""The built-in segmenters: lines found as ridges of ink (the default), and the whole scan as one line.

``ink-ridges`` finds the lines of page scans with no model to download (the analysis is in
``lfhtr.imaging``); ``whole-page`` is what an image that already holds one line needs (a line cut by
another tool, a strip photographed on its own), and the smallest example of the contract.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from lfhtr.core.interfaces import PluginOptions, Segmenter
from lfhtr.core.layout import PageLayout, TextLine, TextRegion, page_box

if TYPE_CHECKING:
    from lfhtr.imaging.ink import InkMap
    from lfhtr.imaging.textlines import FoundLine

TURNED_SIDEWAYS = 0.2
"""The share of a page's writing, by length, that must be traced sideways as the page lies for a page
whose ink gathers in columns (``lfhtr.imaging.skew.runs_sideways``) to be traced turned a quarter: a
table of narrow columns gathers its ink in columns too, but where its rows are traced as level lines it
is upright."""
BASELINE_AT = 0.75
"""Where the baseline of a line that fills its image lies, as a share of the height from the top: below
the x-height, above the descenders."""


class WholePage(Segmenter[PluginOptions]):
    """One region holding one level line, both the whole image."""

    def segment(self, page: np.ndarray) -> PageLayout:
        height, width = page.shape
        box = page_box(width, height)
        y = BASELINE_AT * height
        line = TextLine("l1", ((0.0, y), (float(width), y)), box)
        return PageLayout(width, height, (TextRegion("r1", box, (line,)),))


class InkRidges(Segmenter[PluginOptions]):
    """Lines found as ridges of the page's ink (``lfhtr.imaging.textlines``), level and turned
    sideways (``lfhtr.imaging.orientation``); a region for each block of level lines in reading order
    (``lfhtr.imaging.reading_order``: columns left to right, each top to bottom), then one of the
    sideways lines, left to right."""

    version = "6"

    def segment(self, page: np.ndarray) -> PageLayout:
        """The page's lines, found on its ink turned upright where the page lies the long way round and
        level where it lies crooked (``lfhtr.imaging.skew``)."""
        # the analysis uses torch: imported here, so that validating a spec never loads it
        from lfhtr.imaging.ink import InkMap, find_ink, without_ruling
        from lfhtr.imaging.skew import runs_sideways

        height, width = page.shape
        found = find_ink(page)
        layout = self._levelled(found, (width, height))
        if not runs_sideways(found.ink) or layout.sideways_share() < TURNED_SIDEWAYS:
            return layout
        # turned a quarter clockwise, lines written upwards run level (downwards: upside down, which
        # only reading can tell)
        upright = InkMap(without_ruling(np.ascontiguousarray(np.rot90(found.ink, -1))), found.scale)
        return self._levelled(upright, (height, width)).turned_back(1)

    def _levelled(self, found: InkMap, size: tuple[int, int]) -> PageLayout:
        """The lines of the ``found`` ink of a page of ``size`` (width, height), traced on the ink
        turned level where the page lies crooked."""
        from lfhtr.imaging.ink import InkMap, without_ruling
        from lfhtr.imaging.skew import LEAST_SKEW, page_skew, turned_back, turned_level

        angle = page_skew(found.ink)
        if abs(angle) < LEAST_SKEW:
            return self._layout(found, size)
        turned = InkMap(without_ruling(turned_level(found.ink, angle)), found.scale)
        turned_size = (round(turned.ink.shape[1] / found.scale), round(turned.ink.shape[0] / found.scale))
        return turned_back(self._layout(turned, turned_size), angle, size)

    def _layout(self, found: InkMap, size: tuple[int, int]) -> PageLayout:
        """The lines of the ``found`` ink of a page of ``size`` (width, height), in its pixels."""
        from lfhtr.imaging.orientation import SIDEWAYS_SHORTEST, crosses_level_writing, split_by_orientation
        from lfhtr.imaging.reading_order import blocks_in_reading_order
        from lfhtr.imaging.textlines import line_pitch

        width, height = size
        pitch = line_pitch(found.ink)
        level_ink, sideways_ink = split_by_orientation(found.ink, pitch)
        level_found = _lines(level_ink, pitch)
        level = [_to_scan(line, found.scale, (width, height)) for line in level_found]
        turned_height = sideways_ink.shape[0]
        upright = (_upright(line, turned_height) for line in _lines(np.rot90(sideways_ink, -1), pitch))
        sideways = [
            _to_scan(line, found.scale, (width, height), orientation=90.0)
            for line in upright
            if line.xs[0] - line.xs[-1] >= SIDEWAYS_SHORTEST * pitch
            and not crosses_level_writing(line, level_found, pitch)
        ]
        sideways.sort(key=lambda line: float(np.mean([x for x, _ in line.baseline])))
        blocks = [*blocks_in_reading_order(level), *([sideways] if sideways else [])]
        return PageLayout(width, height, _regions(blocks))


def _regions(blocks: list[list[TextLine]]) -> tuple[TextRegion, ...]:
    """One region per block, around its lines; lines numbered through the page in reading order."""
    regions, numbered = [], 0
    for number, block in enumerate(blocks, 1):
        lines = tuple(replace(line, id=f"l{numbered + i}") for i, line in enumerate(block, 1))
        numbered += len(block)
        xs = [x for line in block for x, _ in line.boundary]
        ys = [y for line in block for _, y in line.boundary]
        box = ((min(xs), min(ys)), (max(xs), min(ys)), (max(xs), max(ys)), (min(xs), max(ys)))
        regions.append(TextRegion(f"r{number}", box, lines))
    return tuple(regions)


def _lines(ink: np.ndarray, pitch: float) -> list[FoundLine]:
    from lfhtr.imaging.fragments import joined
    from lfhtr.imaging.gutters import cut_at_gutters, find_gutters
    from lfhtr.imaging.textlines import find_ridges, ridge_map, stroke_thickness, trace_line

    blurred, stroke, gutters = ridge_map(ink, pitch), stroke_thickness(ink), find_gutters(ink, pitch)
    ridges = (
        piece for ridge in find_ridges(blurred, pitch) for piece in cut_at_gutters(ridge, gutters, pitch)
    )
    traced = (trace_line(ink, ridge, pitch, stroke) for ridge in ridges)
    return joined([line for line in traced if line is not None], pitch, gutters)


def _upright(line: FoundLine, turned_height: int) -> FoundLine:
    """A line found on the page turned a quarter clockwise, in the page's frame, where it runs upwards:
    a point (x, y) of the turned page is (y, H - 1 - x) of the page, H the page's height."""
    from lfhtr.imaging.textlines import FoundLine

    flip = turned_height - 1 - line.xs
    return FoundLine(flip, line.baseline, line.top, line.bottom)


def _to_scan(line: FoundLine, scale: float, size: tuple[int, int], orientation: float = 0.0) -> TextLine:
    """``line`` in scan pixels, clamped to the page; a sideways line's ``xs`` hold its rows and its
    other arrays its columns (``_upright``)."""
    width, height = size

    def points(first: np.ndarray, second: np.ndarray) -> tuple[tuple[float, float], ...]:
        if orientation:
            first, second = second, first
        return tuple(
            (float(np.clip(x / scale, 0, width)), float(np.clip(y / scale, 0, height)))
            for x, y in zip(first, second)
        )

    upper = points(line.xs, line.top)
    lower = points(line.xs[::-1], line.bottom[::-1])
    return TextLine("", points(line.xs, line.baseline), upper + lower, orientation)
