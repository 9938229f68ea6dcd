"""How many rounds an adaptation runs and how many steps each trains, when the spec says ``auto``.

A round trains on the readings its own model chose; every pass over the same readings teaches their
errors as well as their truths. A small target (a few pages of lines) trained the steps that suit
thousands of word images is seen dozens of times a round and learns its errors by heart, where reading
it again sooner would have corrected some of them: the length of a round follows the number of images
it may train on. Short rounds are cheap, and a small target read again more often adapts further, so it
gets more of them (docs/results.md, "What each lever is worth").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lfhtr.core.interfaces import AdaptationOptions

PASSES = 13
"""Times a round shows each image it may train on (counting every such image, kept or not)."""
LEAST_STEPS = 50
"""Fewer steps than this barely move a model, however few images it has."""
MOST_STEPS = 400
"""The steps every round trained before their number followed the target: a large target adapts as it
did."""
TRAINING_STEPS = 1600
"""Steps a run of short rounds trains in all: more rounds while each is short, none beyond
``MOST_ROUNDS``."""
LEAST_ROUNDS = 8
MOST_ROUNDS = 16


@dataclass(frozen=True)
class RoundPlan:
    rounds: int
    steps_per_round: int


def plan_rounds(options: AdaptationOptions, trainable: int) -> RoundPlan:
    """``adapt.rounds`` and ``adapt.steps_per_round``, each resolved where it is ``auto``: steps that
    show each of the ``trainable`` images ``PASSES`` times through the batches' real part, from
    ``LEAST_STEPS`` to ``MOST_STEPS``; then as many rounds as make ``TRAINING_STEPS`` in all, from
    ``LEAST_ROUNDS`` to ``MOST_ROUNDS``."""
    real_per_step = max(1, options.batch_size - options.synthetic_per_batch)
    steps = (
        options.steps_per_round
        if isinstance(options.steps_per_round, int)
        else max(LEAST_STEPS, min(MOST_STEPS, round(PASSES * trainable / real_per_step)))
    )
    rounds = (
        options.rounds
        if isinstance(options.rounds, int)
        else max(LEAST_ROUNDS, min(MOST_ROUNDS, math.ceil(TRAINING_STEPS / steps)))
    )
    return RoundPlan(rounds, steps)
