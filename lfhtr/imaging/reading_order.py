"""The order a reader takes a page's level lines in: column by column, each top to bottom.

Lines sorted by height alone interleave the columns of a two-column page. A recursive cut of the page
(the XY-cut of document analysis, made on the lines' extents rather than on pixels) keeps them apart:
where a blank wider than a line is tall runs down the whole of a group of lines, the group parts into
columns read left to right; where it does not, the lines that span columns (a heading over them, a
footnote under them: the row of lines next to them parts into columns) cut the group across, and each
part between them is ordered the same way. A page of one column is one block, top to bottom.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from lfhtr.core.layout import TextLine

ROWS = 2.0
"""How far beyond the nearest line under (or over) a line, in line heights, the lines whose columns it
may span lie: the nearest row of lines and the next one or two."""


@dataclass(frozen=True)
class _Placed:
    """A line and where it lies, measured once: its left and right ends and its baseline's height."""

    line: TextLine
    left: float
    right: float
    height: float

    @classmethod
    def of(cls, line: TextLine) -> _Placed:
        xs = [x for x, _ in line.boundary]
        return cls(line, min(xs), max(xs), sum(y for _, y in line.baseline) / len(line.baseline))


def blocks_in_reading_order(lines: list[TextLine]) -> list[list[TextLine]]:
    """``lines`` (level ones) in blocks, the blocks and the lines of each in reading order."""
    if not lines:
        return []
    gutter = median(max(y for _, y in line.boundary) - min(y for _, y in line.boundary) for line in lines)
    return [
        [placed.line for placed in block] for block in _blocks([_Placed.of(line) for line in lines], gutter)
    ]


def _blocks(lines: list[_Placed], gutter: float) -> list[list[_Placed]]:
    columns = _columns(lines, gutter)
    if len(columns) > 1:
        return [block for column in columns for block in _blocks(column, gutter)]
    ordered = sorted(lines, key=lambda placed: placed.height)
    spanning = [_spans_columns(line, ordered, gutter) for line in ordered]
    if not any(spanning):
        return [ordered]
    blocks: list[list[_Placed]] = []
    between: list[_Placed] = []
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


def _spans_columns(line: _Placed, lines: list[_Placed], gutter: float) -> bool:
    """Whether the lines it overlaps just under ``line``, or just over it (``ROWS``), part into
    columns of more than one line each: a greeting on the left and a date on the right of one row are
    not columns."""
    overlapping = [
        other for other in lines if other is not line and other.left < line.right and other.right > line.left
    ]
    for side in (1, -1):
        beyond = [other for other in overlapping if (other.height - line.height) * side > 0]
        if beyond:
            nearest = min(abs(other.height - line.height) for other in beyond)
            rows = [other for other in beyond if abs(other.height - line.height) <= nearest + ROWS * gutter]
            columns = _columns(rows, gutter)
            if len(columns) > 1 and all(len(column) > 1 for column in columns):
                return True
    return False


def _columns(lines: list[_Placed], gutter: float) -> list[list[_Placed]]:
    """``lines`` parted wherever a blank wider than ``gutter`` runs down all of them, left to right."""
    columns: list[list[_Placed]] = []
    right = float("-inf")
    for line in sorted(lines, key=lambda placed: placed.left):
        if line.left - right > gutter:
            columns.append([])
        columns[-1].append(line)
        right = max(right, line.right)
    return columns
