"""The order a reader takes a page's level lines in: column by column, each top to bottom.

Lines sorted by height alone interleave the columns of a two-column page. A recursive cut of the page
(the XY-cut of document analysis, made on the lines' extents rather than on pixels) keeps them apart:
where a blank wider than a line is tall runs down the whole of a group of lines, the group parts into
columns read left to right; where it does not, the lines that span columns (a heading over them, a
footnote under them: the row of lines next to them parts into columns) cut the group across, and each
part between them is ordered the same way. A page of one column is one block, top to bottom.
"""

from __future__ import annotations

from statistics import median

from lfhtr.core.layout import TextLine

ROWS = 2.0
"""How far beyond the nearest line under (or over) a line, in line heights, the lines whose columns it
may span lie: the nearest row of lines and the next one or two."""


def blocks_in_reading_order(lines: list[TextLine]) -> list[list[TextLine]]:
    """``lines`` (level ones) in blocks, the blocks and the lines of each in reading order."""
    if not lines:
        return []
    gutter = median(_height(line) for line in lines)
    return _blocks(lines, gutter)


def _blocks(lines: list[TextLine], gutter: float) -> list[list[TextLine]]:
    columns = _columns(lines, gutter)
    if len(columns) > 1:
        return [block for column in columns for block in _blocks(column, gutter)]
    ordered = sorted(lines, key=_height_on_page)
    spanning = [_spans_columns(line, ordered, gutter) for line in ordered]
    if not any(spanning):
        return [ordered]
    blocks: list[list[TextLine]] = []
    between: list[TextLine] = []
    for index, line in enumerate(ordered):
        if not spanning[index]:
            between.append(line)
        elif between or not blocks:
            blocks += _blocks(between, gutter) if between else []
            blocks.append([line])
            between = []
        else:
            blocks[-1].append(line)  # right after another spanning line: a heading of two lines is one block
    return blocks + (_blocks(between, gutter) if between else [])


def _spans_columns(line: TextLine, lines: list[TextLine], gutter: float) -> bool:
    """Whether the lines it overlaps just under ``line``, or just over it (``ROWS``), part into
    columns of more than one line each: a greeting on the left and a date on the right of one row are
    not columns."""
    left, right = _extent(line)
    height = _height_on_page(line)
    overlapping = [
        other
        for other in lines
        if other is not line and _extent(other)[0] < right and _extent(other)[1] > left
    ]
    for side in (1, -1):
        beyond = [other for other in overlapping if (_height_on_page(other) - height) * side > 0]
        if beyond:
            nearest = min(abs(_height_on_page(other) - height) for other in beyond)
            rows = [
                other for other in beyond if abs(_height_on_page(other) - height) <= nearest + ROWS * gutter
            ]
            columns = _columns(rows, gutter)
            if len(columns) > 1 and all(len(column) > 1 for column in columns):
                return True
    return False


def _columns(lines: list[TextLine], gutter: float) -> list[list[TextLine]]:
    """``lines`` parted wherever a blank wider than ``gutter`` runs down all of them, left to right."""
    columns: list[list[TextLine]] = []
    right = float("-inf")
    for line in sorted(lines, key=lambda line: _extent(line)[0]):
        left, end = _extent(line)
        if left - right > gutter:
            columns.append([])
        columns[-1].append(line)
        right = max(right, end)
    return columns


def _extent(line: TextLine) -> tuple[float, float]:
    xs = [x for x, _ in line.boundary]
    return min(xs), max(xs)


def _height(line: TextLine) -> float:
    ys = [y for _, y in line.boundary]
    return max(ys) - min(ys)


def _height_on_page(line: TextLine) -> float:
    return sum(y for _, y in line.baseline) / len(line.baseline)
