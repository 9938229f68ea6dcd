"""Is a page scan upside down? Its longest lines, read as cut and turned a half turn, say so.

A scan turned upside down (or a quarter the wrong way, its writing found running sideways upwards where
it runs downwards) is segmented as well as any, and read into nonsense with no error. Read turned a
half turn, its lines are what the model knows and read far surer; a page the right way up reads surer
as it is, even with a weak model. Segmentation cannot tell (a page lying the long way round it finds
turned upright, as written upwards, which is upside down for one written downwards): only reading can,
so the reader finds such a page's lines again on it turned a half turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from lfhtr.core.interfaces import Reading
from lfhtr.pages.auto import UpsideDown
from lfhtr.pages.cut import page_lines
from lfhtr.pages.parse import read_document

SAMPLED = 4
"""The longest lines of a page read both ways: enough to outvote one odd line, few enough to cost a
fraction of a second."""
SURER = 0.1
"""How much higher the mean per-character score of the lines turned a half turn must be, besides being
higher for most of them: a model weak on a hand reads it turned almost as sure as upright, and a page
the right way up must never be said to be upside down (docs/pages.md has the figures)."""


class _Reads(Protocol):
    def read(self, images: Sequence[np.ndarray], batch_size: int = ...) -> tuple[list[Reading], Any]: ...


class _ReadsLines(_Reads, Protocol):
    @property
    def height(self) -> int: ...

    @property
    def unit(self) -> str: ...


def reads_upside_down(recognizer: _Reads, lines: Sequence[np.ndarray]) -> bool:
    """Whether the longest of a page's cut ``lines`` (as the recogniser reads them) read clearly surer
    turned a half turn: the page is then most likely upside down."""
    longest = sorted(lines, key=lambda line: -line.shape[1])[:SAMPLED]
    if len(longest) < 2:
        return False
    turned = [np.ascontiguousarray(line[::-1, ::-1]) for line in longest]
    readings, _ = recognizer.read([*longest, *turned], len(longest) * 2)
    as_cut = [reading.confidence for reading in readings[: len(longest)]]
    half_turned = [reading.confidence for reading in readings[len(longest) :]]
    surer = sum(turned_score > score for score, turned_score in zip(as_cut, half_turned))
    return surer > len(longest) / 2 and float(np.mean(half_turned)) > float(np.mean(as_cut)) + SURER


def page_reads_upside_down(recognizer: _ReadsLines, scan: Path, layout: Path) -> bool:
    """``reads_upside_down`` for the lines of ``scan`` that its PAGE/ALTO file ``layout`` gives; False
    for a page without lines."""
    if not read_document(layout).lines:
        return False
    return reads_upside_down(recognizer, page_lines(scan, layout, recognizer.height).found.images)


def upside_down_check(recognizer: _ReadsLines) -> UpsideDown | None:
    """``page_reads_upside_down`` with ``recognizer``, for ``pages: auto``; None for a word model, which
    reads no page's lines."""
    return partial(page_reads_upside_down, recognizer) if recognizer.unit == "line" else None
