"""Loss and error rates of a recogniser on labelled images: one definition for every stage."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lfhtr.train.decoding import Reading
from lfhtr.train.metrics import error_rates
from lfhtr.train.recognizer import Recognizer
from lfhtr.train.trainer import labelled_loss


def measure(
    recognizer: Recognizer,
    images: Sequence[np.ndarray],
    texts: Sequence[str],
    batch_size: int = 64,
    method: str = "greedy",
    beam_width: int = 10,
) -> tuple[dict[str, float], list[Reading]]:
    readings, _ = recognizer.read(images, batch_size, method, beam_width)
    metrics = error_rates(texts, [r.text for r in readings])
    metrics["loss"] = labelled_loss(recognizer, list(images), list(texts), batch_size)
    return metrics, readings
