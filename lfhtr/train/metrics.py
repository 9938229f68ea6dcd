"""Character and word error rates, case-sensitive and the looser variants reported beside them."""

from __future__ import annotations

from collections.abc import Callable, Sequence


def edit_distance(a: Sequence[object], b: Sequence[object]) -> int:
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def _letters(text: str) -> str:
    return "".join(ch for ch in text if ch.isalpha())


VARIANTS: dict[str, Callable[[str], str]] = {
    "": lambda t: t,
    "_nocase": str.lower,
    "_letters": lambda t: _letters(t).lower(),
}


def error_rates(truths: Sequence[str], predictions: Sequence[str]) -> dict[str, float]:
    """CER (edits / reference characters) and WER (share of words not read exactly), per variant."""
    result: dict[str, float] = {}
    for suffix, norm in VARIANTS.items():
        edits = chars = wrong = 0
        for truth, pred in zip(truths, predictions):
            t, p = norm(truth), norm(pred)
            edits += edit_distance(t, p)
            chars += len(t)
            wrong += t != p
        result[f"cer{suffix}"] = edits / max(1, chars)
        result[f"wer{suffix}"] = wrong / max(1, len(truths))
    return result
