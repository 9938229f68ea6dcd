"""What a segmenter finds on a page: text regions and their lines, in reading order.

The shape follows what PAGE-XML and ALTO carry and what kraken and eScriptorium hand over: every line
has a baseline (the line the letters sit on, in reading direction) and a boundary polygon (the area of its
ink), and is turned by its ``orientation`` where it is written sideways, as marginal notes often are.
Reading order is the order of the tuples: regions first to last, and each region's lines first to last.

Plain frozen dataclasses with no torch, so a plugin builds them cheaply and the core can check them
before anything is cut or written (``check_layout``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Point = tuple[float, float]
"""x, y in pixels of the page scan, origin top left."""

MAX_LINES = 10_000
"""More lines than any page holds: a segmenter's output is refused past it, before it is cut."""


@dataclass(frozen=True)
class TextLine:
    id: str
    baseline: tuple[Point, ...]
    """At least two points, in reading direction (left to right for a level Latin-script line)."""
    boundary: tuple[Point, ...]
    """A polygon of at least three points around the line's ink (ascenders and descenders included)."""
    orientation: float = 0.0
    """Degrees the writing is turned counter-clockwise from level: 0 level, 90 written upwards (bottom to
    top), 270 downwards, 180 upside down."""


@dataclass(frozen=True)
class TextRegion:
    id: str
    boundary: tuple[Point, ...]
    lines: tuple[TextLine, ...]
    """In reading order."""
    kind: str = "paragraph"
    """What the region is, in PAGE's words: paragraph, heading, marginalia, page-number, signature…"""


@dataclass(frozen=True)
class PageLayout:
    width: int
    height: int
    regions: tuple[TextRegion, ...]
    """In reading order (columns left to right, a margin after its main text)."""

    def lines(self) -> list[TextLine]:
        """Every line of the page in reading order."""
        return [line for region in self.regions for line in region.lines]

    def sideways_share(self) -> float:
        """The share of the lines' baseline length that runs sideways (0 where there are none)."""
        lengths = [
            (line.orientation % 180 != 0, sum(map(math.dist, line.baseline, line.baseline[1:])))
            for line in self.lines()
        ]
        total = sum(length for _, length in lengths)
        return sum(length for sideways, length in lengths if sideways) / total if total else 0.0

    def turned_back(self, quarters: int) -> PageLayout:
        """This layout, found on its page turned ``quarters`` quarter turns clockwise, on the page as it
        lay before: every point turned back, orientations turned with it (a level line found on a page
        turned a quarter clockwise was written upwards), reading order kept."""
        layout = self
        for _ in range(quarters % 4):
            layout = layout._quarter_back()
        return layout

    def _quarter_back(self) -> PageLayout:
        """Turned back a quarter counter-clockwise: (x, y) of this page is (y, width - x) of the page
        before, which is ``height`` wide and ``width`` high."""

        def back(points: tuple[Point, ...]) -> tuple[Point, ...]:
            return tuple((y, self.width - x) for x, y in points)

        def line(found: TextLine) -> TextLine:
            return TextLine(
                found.id, back(found.baseline), back(found.boundary), (found.orientation + 90) % 360
            )

        regions = tuple(
            TextRegion(region.id, back(region.boundary), tuple(map(line, region.lines)), region.kind)
            for region in self.regions
        )
        return PageLayout(self.height, self.width, regions)


def page_box(width: float, height: float) -> tuple[Point, ...]:
    """The whole page as a polygon: the boundary of a region or line that is the page itself."""
    return ((0.0, 0.0), (float(width), 0.0), (float(width), float(height)), (0.0, float(height)))


class LayoutError(ValueError):
    """A segmenter returned something that is not a usable layout of the page it was given."""


def _check_points(points: Sequence[Point], least: int, layout: PageLayout, where: str) -> None:
    if len(points) < least:
        raise LayoutError(f"{where}: needs at least {least} points, has {len(points)}")
    for x, y in points:
        if not (math.isfinite(x) and math.isfinite(y)):
            raise LayoutError(f"{where}: a point is not a finite number")
        if not (-1 <= x <= layout.width + 1 and -1 <= y <= layout.height + 1):
            size = f"{layout.width}×{layout.height}"
            raise LayoutError(f"{where}: point ({x:g}, {y:g}) is outside the {size} page")


def check_layout(layout: PageLayout, width: int, height: int) -> None:
    """Refuse a layout that does not describe a ``width`` × ``height`` page: wrong size, points outside
    it or not numbers, too few points, repeated ids, implausibly many lines."""
    if (layout.width, layout.height) != (width, height):
        described = f"{layout.width}×{layout.height}"
        raise LayoutError(f"the layout is of a {described} page, the scan {width}×{height}")
    ids: set[str] = set()
    if len(layout.lines()) > MAX_LINES:
        raise LayoutError(f"{len(layout.lines())} lines, more than the {MAX_LINES} a page can hold")
    for region in layout.regions:
        _check_points(region.boundary, 3, layout, f"region {region.id}")
        for line in region.lines:
            _check_points(line.baseline, 2, layout, f"line {line.id} baseline")
            _check_points(line.boundary, 3, layout, f"line {line.id} boundary")
            if not math.isfinite(line.orientation):
                raise LayoutError(f"line {line.id}: orientation is not a finite number")
        for element_id in (region.id, *(line.id for line in region.lines)):
            if not element_id or element_id in ids:
                raise LayoutError(f"id {element_id!r} is empty or used twice")
            ids.add(element_id)
