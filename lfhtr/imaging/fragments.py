"""Pieces of one line found apart, joined into the line they belong to.

A ridge breaks where a line's words stand far apart (a date and a signature, a heading and the page
number), where a flourish or a superscript lifts it, and a large monogram can raise two ridges at once.
Transcriptions (PAGE and ALTO exports, archives' hand-corrected lines) keep such a line whole, and so
must reading: a line cut in two is read as two lines. Pieces are joined where their baselines continue
each other. Across a wide blank they are joined only where the page's other writing runs through that
blank, so that the gutter between two columns, which no line crosses, still parts them.
"""

from __future__ import annotations

import numpy as np

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


def joined(lines: list[FoundLine], pitch: float) -> list[FoundLine]:
    """``lines`` with every pair of pieces of one line joined, until no two continue each other."""
    pieces = sorted(lines, key=lambda line: float(line.xs[0]))
    while True:
        pair = _continuing_pair(pieces, pitch)
        if pair is None:
            return pieces
        first, second = pair
        whole = _join(pieces[first], pieces[second])
        pieces = [line for index, line in enumerate(pieces) if index not in pair]
        pieces.append(whole)
        pieces.sort(key=lambda line: float(line.xs[0]))


def _continuing_pair(pieces: list[FoundLine], pitch: float) -> tuple[int, int] | None:
    """The pair of pieces of which one continues the other best: the pair whose baselines meet most
    closely, for their tolerance, is joined first, so that a raised fragment (a capital, a superscript)
    joins its line after the line's own pieces have come together."""
    best: tuple[float, int, int] | None = None
    for first, left in enumerate(pieces):
        for second in range(first + 1, len(pieces)):
            misfit = _misfit(left, pieces[second], pitch)
            better = misfit <= 1 and (best is None or misfit < best[0])
            if better and _blank_crossed(pieces, (first, second), pitch):
                best = (misfit, first, second)
    return None if best is None else (best[1], best[2])


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


def _blank_crossed(pieces: list[FoundLine], pair: tuple[int, int], pitch: float) -> bool:
    """Whether the blank between the pair is narrow, or other writing nearby runs through it."""
    left, right = pieces[pair[0]], pieces[pair[1]]
    start, end = float(left.xs[-1]), float(right.xs[0])
    if end - start <= NEAR_GAP * pitch:
        return True
    middle = (start + end) / 2
    height = (left.baseline[-1] + right.baseline[0]) / 2
    for index, other in enumerate(pieces):
        if index in pair or not other.xs[0] <= middle <= other.xs[-1]:
            continue
        if abs(np.interp(middle, other.xs, other.baseline) - height) <= NEIGHBOURS * pitch:
            return True
    return False


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
