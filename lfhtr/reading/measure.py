"""Loss and error rates of a recogniser on labelled images: one definition for every stage."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lfhtr.core.interfaces import Reading
from lfhtr.reading.metrics import error_rates
from lfhtr.reading.reader import Reader
from lfhtr.train.trainer import labelled_loss


def measure(
    reader: Reader, images: Sequence[np.ndarray], texts: Sequence[str], task: str | None = None
) -> tuple[dict[str, float], list[Reading]]:
    """Error rates and loss; ``task`` names a progress bar (see ``Reader.read``)."""
    readings = reader.read(images, task)
    metrics = error_rates(texts, [r.text for r in readings])
    metrics["loss"] = labelled_loss(reader.recognizer, list(images), list(texts), reader.batch_size)
    return metrics, readings
