"""Lines of handwriting found as ridges of ink: how far apart the lines are, where each runs, its
baseline and the band of ink around it.

Blurred far more along the writing than across it, the ink of a line merges into one long ridge that
follows the line as it rises, falls or bends, while the gap to the next line stays a valley. The blur
is measured in line pitches, which the page itself gives (the period of its ink across the lines), so
the same rules hold for a ledger of small writing and a letter of large.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

MIN_PITCH, MAX_PITCH = 8, 240
"""Line pitches in working pixels that are looked for: from tiny writing to a few lines a page."""
HARMONIC = 0.6
"""A lag whose correlation reaches this share of the strongest is a candidate period."""
ALONG, ACROSS = 1.0, 0.12
"""Blur of the ink along and across the writing, in line pitches."""
FOLLOW = 0.35
"""How far, in pitches, a ridge may move up or down from one column to the next and still be the same
line."""
GAP = 2.5
"""The widest blank, in pitches, a line may have and still be one line."""
ASCENT, DESCENT = 0.8, 0.35
"""How far a line's band reaches above and below its baseline, in pitches: ascenders rise nearly to
the baseline of the line above, descenders hang into the upper half of the gap below. Line polygons of
PAGE and ALTO exports (eScriptorium's, and archives' hand-corrected boxes) span the same band, so that
neighbouring lines' bands overlap as their ink does."""
BODY = 0.25
"""How far above and below a line's ridge, in pitches, its letters' bodies are looked at: far enough
for the x-height, not so far that the neighbouring lines' ascenders and descenders come in."""
DASH = 1.0
"""How long, in pitches, a stroke without letters at a line's end must run to be left out as a dash: a
shorter one is a flourish, a full stop or a letter of the line."""
LETTER_RISE = 0.08
"""How far, in pitches, a line's ink reaches across it in its tallest columns (the twentieth that reach
furthest): letters rise and fall across the line (a loop, a stem), while a rule, an underline, a dash or
a flourish drawn along the line is one pen stroke thick wherever it is cut across. Faint hands whose
strokes break up still span their letters."""
STROKES_RISEN = 2.0
"""How many pen strokes thick, at the least, a line's ink is across it in its tallest columns: a rule
drawn slightly off level, or the inner edge of a page's frame, spans a stroke and a pixel or two in any
column, which on a small line pitch is already ``LETTER_RISE``."""
LEAST_ASCENT, LEAST_DESCENT = 0.6, 0.2
"""The band reaches at least this far above and below the baseline, in pitches, wherever the ink
ends: the space a line's letters may use, as line polygons are drawn."""
FAINT = 0.01
"""A row holding less than this share of the ink of a line's densest row is beyond its ascenders
and descenders: where widely spaced lines end."""
WEAK = 0.4
"""Where a ridge falls below this share of its median height, the line has ended."""
SHORTEST = 0.8
"""The shortest line kept, in pitches: shorter ridges are specks, dots and stray strokes."""


@dataclass(frozen=True)
class Ridge:
    xs: np.ndarray
    """Columns, left to right, in working pixels."""
    ys: np.ndarray
    """The ridge's row at each column."""


@dataclass(frozen=True)
class FoundLine:
    """One line in working pixels: its baseline and the band of its ink, both sampled at ``xs``."""

    xs: np.ndarray
    baseline: np.ndarray
    top: np.ndarray
    bottom: np.ndarray


def line_pitch(ink: np.ndarray) -> float:
    """The distance between neighbouring lines: the period of the ink's row profiles, taken in
    vertical strips so that a slanted or bent page still shows it. Twice the period correlates about
    as well as the period itself, so the shortest lag nearly as strong as the strongest is taken."""
    height, width = ink.shape
    strips = max(1, width // max(1, height // 8))
    total = np.zeros(height)
    for strip in np.array_split(ink.astype(np.float32), min(8, strips), axis=1):
        profile = strip.sum(axis=1)
        profile = profile - profile.mean()
        spectrum = np.fft.rfft(profile, n=2 * height)
        total += np.fft.irfft(spectrum * np.conj(spectrum))[:height]
    lags = np.arange(height)
    usable = (lags >= MIN_PITCH) & (lags <= min(MAX_PITCH, height // 2))
    if not usable.any() or total[0] <= 0:
        return float(max(MIN_PITCH, height / 2))
    peaks = usable & (total > np.roll(total, 1)) & (total >= np.roll(total, -1)) & (total > 0)
    if not peaks.any():
        return float(np.flatnonzero(usable)[np.argmax(total[usable])])
    candidates = np.flatnonzero(peaks)
    strong = candidates[total[candidates] >= HARMONIC * total[candidates].max()]
    return float(strong[0])


def _gaussian(sigma: float) -> torch.Tensor:
    radius = max(1, int(3 * sigma))
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (offsets / max(sigma, 0.5)) ** 2)
    return kernel / kernel.sum()


def ridge_map(ink: np.ndarray, pitch: float) -> np.ndarray:
    """The ink blurred ``ALONG`` pitches along the rows and ``ACROSS`` pitches across them."""
    image = torch.from_numpy(ink.astype(np.float32))[None, None]
    along, across = _gaussian(ALONG * pitch), _gaussian(ACROSS * pitch)
    image = F.conv2d(F.pad(image, (len(along) // 2,) * 2 + (0, 0)), along.view(1, 1, 1, -1))
    image = F.conv2d(F.pad(image, (0, 0) + (len(across) // 2,) * 2), across.view(1, 1, -1, 1))
    return image[0, 0].numpy()


def _column_peaks(column: np.ndarray, floor: float, pitch: float) -> np.ndarray:
    """Rows of the local maxima of one column above ``floor``, at least half a pitch apart."""
    higher_than_above = column > np.concatenate(([-1.0], column[:-1]))
    not_lower_than_below = column >= np.concatenate((column[1:], [-1.0]))
    rows = np.flatnonzero(higher_than_above & not_lower_than_below & (column > floor))
    kept: list[int] = []
    for row in rows[np.argsort(-column[rows])]:
        if all(abs(row - other) >= pitch / 2 for other in kept):
            kept.append(int(row))
    return np.array(sorted(kept), dtype=np.int64)


def find_ridges(blurred: np.ndarray, pitch: float) -> list[Ridge]:
    """The ridges of ``blurred``, each followed from column to column while a peak continues it."""
    step = max(2, int(pitch / 3))
    floor = 0.25 * float(np.quantile(blurred, 0.995))
    open_tracks: list[list[tuple[int, float]]] = []
    closed: list[list[tuple[int, float]]] = []
    for x in range(step // 2, blurred.shape[1], step):
        peaks = [float(row) for row in _column_peaks(blurred[:, x], floor, pitch)]
        still_open: list[list[tuple[int, float]]] = []
        for track in sorted(open_tracks, key=lambda t: -len(t)):
            if x - track[-1][0] > GAP * pitch:
                closed.append(track)
                continue
            nearest = min(peaks, key=lambda row: abs(row - track[-1][1]), default=None)
            if nearest is not None and abs(nearest - track[-1][1]) <= FOLLOW * pitch:
                track.append((x, nearest))
                peaks.remove(nearest)
            still_open.append(track)
        open_tracks = still_open + [[(x, row)] for row in peaks]
    closed.extend(open_tracks)
    ridges = []
    for track in closed:
        xs = np.array([x for x, _ in track], dtype=np.float64)
        ys = np.array([y for _, y in track])
        ridges.extend(_strong_parts(Ridge(xs, ys), blurred, pitch))
    return ridges


def _strong_parts(ridge: Ridge, blurred: np.ndarray, pitch: float) -> list[Ridge]:
    """The stretches of ``ridge`` where it is at least ``WEAK`` of its median height, each at least
    ``SHORTEST`` long: a ridge runs on, faintly, over a frame drawn around the text or a stroke that
    crosses the lines, and those are not part of the line."""
    heights = blurred[ridge.ys.astype(np.int64), ridge.xs.astype(np.int64)]
    strong = heights >= WEAK * float(np.median(heights))
    parts: list[Ridge] = []
    start = None
    for index, is_strong in enumerate(np.append(strong, False)):
        if is_strong and start is None:
            start = index
        elif not is_strong and start is not None:
            if ridge.xs[index - 1] - ridge.xs[start] >= SHORTEST * pitch:
                parts.append(Ridge(ridge.xs[start:index], ridge.ys[start:index]))
            start = None
    return parts


def _ink_extent(ink: np.ndarray, ridge: Ridge, pitch: float) -> tuple[int, int] | None:
    """First and last columns with ink within a third of a pitch of the ridge."""
    columns = np.arange(max(0, int(ridge.xs[0] - pitch)), min(ink.shape[1], int(ridge.xs[-1] + pitch) + 1))
    centre = np.interp(columns, ridge.xs, ridge.ys)
    rows = np.clip(centre[None, :] + np.arange(-pitch / 3, pitch / 3 + 1)[:, None], 0, ink.shape[0] - 1)
    inked = np.flatnonzero(ink[rows.astype(np.int64), columns[None, :]].any(axis=0))
    if len(inked) == 0:
        return None
    return int(columns[inked[0]]), int(columns[inked[-1]])


def _band(ink: np.ndarray, xs: np.ndarray, centre: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The ink at ``offsets`` rows from ``centre`` in each column ``xs``, offsets × columns; rows off
    the page hold none."""
    rows = np.round(centre[None, :] + offsets[:, None]).astype(np.int64)
    inside = (rows >= 0) & (rows < ink.shape[0])
    return ink[np.clip(rows, 0, ink.shape[0] - 1), xs[None, :]] & inside


def _column_spans(ink: np.ndarray, xs: np.ndarray, centre: np.ndarray, pitch: float) -> np.ndarray:
    """For each column ``xs``, how far its ink reaches across the letters' bodies (``BODY`` pitches on
    either side of ``centre``), first ink to last; 0 where it has none."""
    offsets = np.arange(-int(np.ceil(BODY * pitch)), int(np.ceil(BODY * pitch)) + 1)
    inked = _band(ink, xs, centre, offsets)
    first = np.argmax(inked, axis=0)
    last = len(offsets) - 1 - np.argmax(inked[::-1], axis=0)
    return np.where(inked.any(axis=0), last - first + 1, 0)


def stroke_thickness(ink: np.ndarray) -> float:
    """The mean thickness, in pixels down the columns, of the strokes of ``ink``: its inked pixels over
    the runs of ink the columns cross."""
    crossed = int(np.count_nonzero(np.diff(ink.astype(np.int8), axis=0, prepend=0) == 1))
    return float(np.count_nonzero(ink)) / max(1, crossed)


def _lettered(spans: np.ndarray, pitch: float, stroke: float) -> slice | None:
    """The columns of the line's writing, or None where no letters rise (``LETTER_RISE`` and
    ``STROKES_RISEN`` times the page's ``stroke`` thickness): a letter is
    a column whose ink spans a quarter as far as the line's tallest (the twentieth that reach furthest),
    and ink running ``DASH`` pitches or more beyond the first or last letter (the dash that fills a
    line's end so that nothing can be added) is left out, a tenth of a pitch of it kept for the letter's
    own entry or exit stroke."""
    inked = spans[spans > 0]
    if len(inked) == 0:
        return None
    tallest = float(np.percentile(inked, 95))
    if tallest < max(LETTER_RISE * pitch, STROKES_RISEN * stroke):
        return None
    letters = np.flatnonzero(spans >= tallest / 4)
    margin = int(0.1 * pitch)
    start, end = max(0, int(letters[0]) - margin), min(len(spans), int(letters[-1]) + margin + 1)
    if np.count_nonzero(spans[:start]) < DASH * pitch:
        start = 0
    if np.count_nonzero(spans[end:]) < DASH * pitch:
        end = len(spans)
    return slice(start, end)


def _ink_edge(profile: np.ndarray, offsets: np.ndarray, middle: int, direction: int, peak: float) -> float:
    """The offset where the line's ink ends going up (``direction`` -1) or down (1) from its middle:
    the first row with next to no ink (``FAINT`` of the densest)."""
    rows = range(middle, -1, -1) if direction < 0 else range(middle, len(profile))
    for row in rows:
        if profile[row] < FAINT * peak:
            return float(offsets[row])
    return float(offsets[0] if direction < 0 else offsets[-1])


def trace_line(ink: np.ndarray, ridge: Ridge, pitch: float, stroke: float) -> FoundLine | None:
    """The baseline and ink band of the line whose ridge is ``ridge``, or None where it holds no ink
    or only strokes drawn along it (a piece of ruling, an underline, a dash); ``stroke`` is the
    thickness of the page's strokes (``stroke_thickness``).

    The ridge runs through the middle of the letters' bodies; across it, the ink is dense down to the
    baseline and thins out into the descenders below and the ascenders above. The baseline is where
    the density falls below half its peak, under the ridge; the band reaches as far as the ink, at
    most ``ASCENT`` pitches above it and ``DESCENT`` below."""
    extent = _ink_extent(ink, ridge, pitch)
    if extent is None or extent[1] - extent[0] < SHORTEST * pitch:
        return None
    xs = np.arange(extent[0], extent[1] + 1)
    centre = np.interp(xs, ridge.xs, ridge.ys)
    lettered = _lettered(_column_spans(ink, xs, centre, pitch), pitch, stroke)
    if lettered is None:
        return None
    offsets = np.arange(-int(1.2 * pitch), int(1.2 * pitch) + 1)
    profile = _band(ink, xs, centre, offsets).mean(axis=1)
    centre_row = len(offsets) // 2
    reach = int(0.25 * pitch)
    middle = int(np.argmax(profile[centre_row - reach : centre_row + reach + 1])) + centre_row - reach
    peak = profile[middle]
    below = np.flatnonzero(profile[middle:] < 0.5 * peak)
    base = offsets[middle + below[0]] if len(below) else offsets[-1]
    top = max(
        base - ASCENT * pitch, min(_ink_edge(profile, offsets, middle, -1, peak), base - LEAST_ASCENT * pitch)
    )
    bottom = min(
        base + DESCENT * pitch,
        max(_ink_edge(profile, offsets, middle, 1, peak), base + LEAST_DESCENT * pitch),
    )
    xs, centre = xs[lettered], centre[lettered]
    samples = np.unique(np.linspace(0, len(xs) - 1, max(2, int(len(xs) / pitch) + 2)).round().astype(int))
    return FoundLine(
        xs[samples].astype(np.float64),
        centre[samples] + base,
        centre[samples] + top,
        centre[samples] + bottom,
    )
