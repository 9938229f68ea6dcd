"""How wide should the target's words be to read best? Chosen from the unlabelled target alone.

Hands differ in how many pixels a letter takes; fonts drawn for pretraining cover one range of them. A
hand written narrower than the fonts (or squeezed into a fixed canvas) is read better stretched, a wide
one squeezed. Reading a sample of the target at a few widths, the model is most confident near the width
it reads best (docs/results.md shows both curves on two sets). Confidence per character does not see
dropped letters, so squeezing looks slightly better than it reads: another width must beat the model's
own by ``MIN_GAIN`` to be chosen.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numpy as np

from lfhtr.train.recognizer import Recognizer

SCALES = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5)
"""Widths tried, relative to the model's own."""
MIN_GAIN = 0.02
"""Relative gain in mean score another width needs over the model's own."""
SAMPLE = 512
"""Target images read per width (a fixed random sample): enough for the mean, cheap to read six times."""


def choose_width_scale(
    recognizer: Recognizer, images: Sequence[np.ndarray], seed: int
) -> tuple[float, list[tuple[float, float]]]:
    """The width scale to read and train the target at, and (scale, mean score) for each tried.

    Greedy readings only, so the choice does not depend on the corpus.
    """
    chosen = random.Random(seed).sample(range(len(images)), min(SAMPLE, len(images)))
    sample = [images[i] for i in sorted(chosen)]
    own = recognizer.width_scale
    tried = []
    try:
        for scale in SCALES:
            recognizer.width_scale = own * scale
            readings, _ = recognizer.read(sample)
            tried.append((own * scale, sum(r.confidence for r in readings) / max(1, len(readings))))
    finally:
        recognizer.width_scale = own
    native = dict(tried)[own]
    best, confidence = max(tried, key=lambda t: t[1])
    return (best if confidence >= native * (1 + MIN_GAIN) else own), tried
