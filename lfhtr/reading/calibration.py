"""Is the confidence worth anything? Calibration error and the risk–coverage curve of a set of readings.

Self-training keeps the readings it is most sure of, so what matters is that a higher confidence means
fewer errors (the ranking: risk–coverage) and, for users choosing a threshold, that a confidence of 0.9
is right about 90 % of the time (expected calibration error). A line's confidence is the expected share
of its characters that are right, so for lines the calibration error sets it against one minus the line's
CER.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

COVERAGES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
BINS = 10


def calibration(
    confidences: Sequence[float],
    truths: Sequence[str],
    predictions: Sequence[str],
    edits: Sequence[int],
    lines: bool = False,
) -> dict[str, Any]:
    """ECE over ``BINS`` equal-width confidence bins (a word is right or wrong; with ``lines``, the share
    of a line's characters that are right), and for each coverage the share of readings not exactly
    right and the CER of the most confident share of the readings (``edits``: per reading)."""
    n = len(confidences)
    correct = [t == p for t, p in zip(truths, predictions)]
    lengths = [len(t) for t in truths]
    right = [max(0.0, 1.0 - e / max(1, k)) for e, k in zip(edits, lengths)] if lines else correct
    ece = 0.0
    for b in range(BINS):
        members = [i for i in range(n) if min(int(confidences[i] * BINS), BINS - 1) == b]
        if members:
            accuracy = sum(right[i] for i in members) / len(members)
            mean_confidence = sum(confidences[i] for i in members) / len(members)
            ece += abs(accuracy - mean_confidence) * len(members) / n
    ranked = sorted(range(n), key=lambda i: (-confidences[i], i))
    curve = []
    for coverage in COVERAGES:
        top = ranked[: max(1, round(coverage * n))] if n else []
        curve.append(
            {
                "coverage": coverage,
                "wer": sum(not correct[i] for i in top) / max(1, len(top)),
                "cer": sum(edits[i] for i in top) / max(1, sum(lengths[i] for i in top)),
            }
        )
    return {"ece": ece, "risk_coverage": curve}
