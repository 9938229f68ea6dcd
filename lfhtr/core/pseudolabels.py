"""Choosing which of the model's own readings to train on: helpers any adaptation strategy may use.

Wolf & Fink (ICPR 2022) found that self-training works when early rounds keep only the most confident
readings and later rounds, with a better model, keep more: the fraction grows per round. Every helper
calls its confidence floor ``min_confidence``, as the built-in strategies' options do.
"""

from __future__ import annotations

from collections.abc import Sequence

from lfhtr.core.interfaces import Reading
from lfhtr.text.charset import Charset


def keep_fraction(round_index: int, rounds: int, start: float, end: float) -> float:
    """Linear growth from ``start`` in the first round to ``end`` in the last."""
    if rounds <= 1:
        return end
    return start + (end - start) * round_index / (rounds - 1)


def usable(reading: Reading, min_confidence: float, charset: Charset) -> bool:
    """Whether a reading may be trained on: not empty, every character in the charset, and at least
    ``min_confidence`` sure."""
    return bool(reading.text) and charset.covers(reading.text) and reading.confidence >= min_confidence


def select(
    readings: Sequence[Reading], fraction: float, min_confidence: float, charset: Charset
) -> list[int]:
    """Indices of the most confident usable readings: top ``fraction`` of all, at least ``min_confidence``.

    Ties are broken by index so the choice is deterministic.
    """
    kept = [i for i, r in enumerate(readings) if usable(r, min_confidence, charset)]
    kept.sort(key=lambda i: (-readings[i].confidence, i))
    return sorted(kept[: int(round(fraction * len(readings)))])


def changed(previous: dict[str, str], current: dict[str, str]) -> int:
    """How many images' pseudo-labels differ from the previous round (new ones count as changed)."""
    return sum(previous.get(name) != text for name, text in current.items())
