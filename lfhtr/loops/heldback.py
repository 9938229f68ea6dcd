"""Target images adaptation never trains on, re-read every round to tell, without a label, when
self-training starts learning its own errors.

From a weak start, self-training makes the readings worse while every figure it can see improves: the
kept pseudo-labels grow more confident, more of the readings are lexicon words, and they change less
under augmentation (all measured: docs/results.md, "Adaptation that never makes it worse"). What does
tell is how the model treats the readings its start was surest of, on images it never trained on: a
model that improves keeps them (they are mostly right) and corrects the unsure ones; one that drifts
rewrites them too. A round whose model changes more than ``DRIFT_LIMIT`` of those readings' characters
stops the adaptation, and the last model that did not is kept.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lfhtr.core.interfaces import Reading
from lfhtr.reading.metrics import edit_distance

MIN_HELD_BACK = 8
"""Fewer held-back images than this say nothing; the check is then off."""
MAX_HELD_BACK = 400
"""More than this cost reading time without telling more."""
CONFIDENT_SHARE = 0.3
"""The start's surest readings watched: this share of the held-back images."""
DRIFT_LIMIT = 0.25
"""Share of those readings' characters a model may change and still be trusted: far above what
adaptations that helped changed, far below what one that drifted did (docs/results.md)."""


def held_back_indices(count: int, share: float, seed: int) -> list[int]:
    """Which of ``count`` target images are held back: a seeded sample of ``share`` of them, or none
    when that is fewer than ``MIN_HELD_BACK``."""
    size = min(MAX_HELD_BACK, round(share * count))
    if size < MIN_HELD_BACK or size >= count:
        return []
    return sorted(random.Random(seed).sample(range(count), size))


def disagreement(first: Sequence[str], second: Sequence[str]) -> float:
    """Character edits between two readings of the same images, per character of the first."""
    edits = sum(edit_distance(a, b) for a, b in zip(first, second))
    return edits / max(1, sum(len(a) for a in first))


@dataclass
class HeldBackCheck:
    indices: list[int]
    """The held-back images' places in the target."""
    start: list[str] = field(default_factory=list)
    """The start model's readings of them (in the strategy's decoding), set by the first measure."""
    surest: list[int] = field(default_factory=list)
    """Positions in ``start`` of its most confident readings."""
    figure: str = "score"
    """The name of the readings' confidence (what ranks the pseudo-labels), for the round's record."""

    def measure(self, readings: Sequence[Reading]) -> dict[str, float]:
        """A round's figures from its readings of the held-back images: the share of characters changed
        in the start's surest readings and in all of them, and their mean confidence (named ``figure``)."""
        texts = [r.text for r in readings]
        if not self.start:
            self.start = texts
            ranked = sorted(range(len(readings)), key=lambda i: (-readings[i].confidence, i))
            self.surest = sorted(ranked[: max(MIN_HELD_BACK // 2, round(CONFIDENT_SHARE * len(ranked)))])
        return {
            "surest_changed": disagreement(
                [self.start[i] for i in self.surest], [texts[i] for i in self.surest]
            ),
            "changed": disagreement(self.start, texts),
            self.figure: sum(r.confidence for r in readings) / max(1, len(readings)),
        }

    @staticmethod
    def drifting(figures: dict[str, float]) -> bool:
        return figures["surest_changed"] > DRIFT_LIMIT

    def state_dict(self) -> dict[str, Any]:
        return {"start": self.start, "surest": self.surest}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.start, self.surest = list(state.get("start", [])), list(state.get("surest", []))
