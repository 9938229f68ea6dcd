"""Pieces of one line found apart, joined into the line they belong to.

A ridge breaks where a line's words stand far apart (a date and a signature, a heading and the page
number), where a flourish or a superscript lifts it, and a large monogram can raise two ridges at once.
Transcriptions (PAGE and ALTO exports, archives' hand-corrected lines) keep such a line whole, and so
must reading: a line cut in two is read as two lines. Pieces are joined where their baselines continue
each other, never across a gutter (``lfhtr.imaging.gutters``). Across a wide blank they are joined
only where the page's other writing runs through that blank, so that the gutter between two columns,
which no line crosses, still parts them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lfhtr.imaging.gutters import Gutter
from lfhtr.imaging.textlines import FoundLine

ALIGNED = 0.3
"""How far apart, in pitches, two pieces' baselines may be where one would run on into the other."""
STACKED = 0.6
"""How far apart, in pitches, the baselines of pieces that overlap along the line may be: a superscript
or a flourish rides higher than the line it belongs to, a neighbouring line lies a whole pitch away."""
SLOPED = 4.0
"""How long, in pitches, a piece must be for the slope of its baseline to be run on across a blank."""
NEAR_GAP = 2.5
"""A blank of up to this many pitches lies within a line whatever the rest of the page does (the
ridges' own ``GAP``); a wider one must be crossed by neighbouring writing."""
NEIGHBOURS = 3.0
"""How far above and below, in pitches, writing is looked for across a wide blank."""


def joined(lines: list[FoundLine], pitch: float, gutters: Sequence[Gutter] = ()) -> list[FoundLine]:
    """``lines`` with every pair of pieces of one line joined, until no two continue each other, and
    none across one of the ``gutters`` (``lfhtr.imaging.gutters``).

    The pair whose baselines meet most closely, for their tolerance, is joined first, so that a raised
    fragment (a capital, a superscript) joins its line after the line's own pieces have come together.
    How well two pieces meet is measured once per pair, so a page of many pieces costs the square of
    their number, not its cube."""
    pieces = dict(enumerate(lines))
    misfits: dict[tuple[int, int], float] = {}
    for first in pieces:
        for second in range(first + 1, len(lines)):
            _measure(pieces, misfits, (first, second), pitch)
    key = len(lines)
    while True:
        ranked = sorted(misfits, key=misfits.__getitem__)
        pair = next(
            (
                pair
                for pair in ranked
                if _blank_crossed(pieces, pair, pitch) and not _parted(pieces, pair, gutters)
            ),
            None,
        )
        if pair is None:
            return sorted(pieces.values(), key=lambda line: float(line.xs[0]))
        pieces[key] = _join(pieces.pop(pair[0]), pieces.pop(pair[1]))
        misfits = {other: value for other, value in misfits.items() if not set(other) & set(pair)}
        for other in sorted(pieces.keys() - {key}):
            _measure(pieces, misfits, (other, key), pitch)
        key += 1


def _measure(
    pieces: dict[int, FoundLine], misfits: dict[tuple[int, int], float], pair: tuple[int, int], pitch: float
) -> None:
    """Note the pair's misfit where one piece could continue the other, the one starting further left
    first."""
    one, other = pair if pieces[pair[0]].xs[0] <= pieces[pair[1]].xs[0] else pair[::-1]
    misfit = _misfit(pieces[one], pieces[other], pitch)
    if misfit <= 1:
        misfits[(one, other)] = misfit


def _misfit(left: FoundLine, right: FoundLine, pitch: float) -> float:
    """How far ``right`` (starting no further left than ``left``) lies from ``left``'s baseline, as a
    share of what is allowed: where they overlap, the median distance within ``STACKED``; across a
    blank, the longer piece's baseline run on to the other's near end, within ``ALIGNED``."""
    if right.xs[0] <= left.xs[-1]:
        shared = right.xs[right.xs <= left.xs[-1]]
        apart = np.interp(shared, left.xs, left.baseline) - np.interp(shared, right.xs, right.baseline)
        return float(np.median(np.abs(apart))) / (STACKED * pitch)
    if np.ptp(left.xs) >= np.ptp(right.xs):
        apart = _run_on(left, float(right.xs[0]), pitch) - right.baseline[0]
    else:
        apart = _run_on(right, float(left.xs[-1]), pitch) - left.baseline[-1]
    return abs(float(apart)) / (ALIGNED * pitch)


def _run_on(line: FoundLine, x: float, pitch: float) -> float:
    """The height of ``line``'s baseline continued straight to column ``x``: at the slope between its
    ends where it is ``SLOPED`` pitches long, level where it is too short to tell."""
    nearest = int(np.argmin(np.abs(line.xs - x)))
    length = float(line.xs[-1] - line.xs[0])
    if length < SLOPED * pitch:
        return float(line.baseline[nearest])
    slope = float(line.baseline[-1] - line.baseline[0]) / length
    return float(line.baseline[nearest] + slope * (x - line.xs[nearest]))


def _blank_crossed(pieces: dict[int, FoundLine], pair: tuple[int, int], pitch: float) -> bool:
    """Whether the blank between the pair (the left piece first) is narrow, or other writing nearby runs
    through it."""
    left, right = pieces[pair[0]], pieces[pair[1]]
    start, end = float(left.xs[-1]), float(right.xs[0])
    if end - start <= NEAR_GAP * pitch:
        return True
    middle = (start + end) / 2
    height = (left.baseline[-1] + right.baseline[0]) / 2
    for index, other in pieces.items():
        if index in pair or not other.xs[0] <= middle <= other.xs[-1]:
            continue
        if _own_gap(other, middle) > NEAR_GAP * pitch:
            continue  # joined across a blank there itself: two pages of a spread must not join line by line
        if abs(np.interp(middle, other.xs, other.baseline) - height) <= NEIGHBOURS * pitch:
            return True
    return False


def _parted(pieces: dict[int, FoundLine], pair: tuple[int, int], gutters: Sequence[Gutter]) -> bool:
    """Whether a gutter runs through the blank between the pair (the left piece first)."""
    left, right = pieces[pair[0]], pieces[pair[1]]
    height = (left.baseline[-1] + right.baseline[0]) / 2
    return any(gutter.parts(float(left.xs[-1]), float(right.xs[0]), height) for gutter in gutters)


def _own_gap(line: FoundLine, x: float) -> float:
    """The width of ``line``'s own blank around ``x`` (zero where its ink runs there)."""
    after = int(np.searchsorted(line.xs, x))
    if after == 0 or after == len(line.xs) or line.xs[after] == x:
        return 0.0
    return float(line.xs[after] - line.xs[after - 1])


def _join(one: FoundLine, other: FoundLine) -> FoundLine:
    """One line from two pieces: the longer piece's baseline where they overlap, each piece's own beyond
    it, a straight run across a blank; the band reaching as far as either piece's."""
    longer, shorter = (one, other) if np.ptp(one.xs) >= np.ptp(other.xs) else (other, one)
    beyond = (shorter.xs < longer.xs[0]) | (shorter.xs > longer.xs[-1])
    order = np.argsort(np.concatenate((longer.xs, shorter.xs[beyond])), kind="stable")

    def merged(values: np.ndarray, extra: np.ndarray) -> np.ndarray:
        return np.concatenate((values, extra[beyond]))[order]

    xs = merged(longer.xs, shorter.xs)
    within = (xs >= shorter.xs[0]) & (xs <= shorter.xs[-1])
    top = merged(longer.top, shorter.top)
    bottom = merged(longer.bottom, shorter.bottom)
    top[within] = np.minimum(top[within], np.interp(xs[within], shorter.xs, shorter.top))
    bottom[within] = np.maximum(bottom[within], np.interp(xs[within], shorter.xs, shorter.bottom))
    return FoundLine(xs, merged(longer.baseline, shorter.baseline), top, bottom)
