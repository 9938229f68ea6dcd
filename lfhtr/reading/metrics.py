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
    """Letters only (and the spaces between a line's words)."""
    return "".join(ch for ch in text if ch.isalpha() or ch == " ")


VARIANTS: dict[str, Callable[[str], str]] = {
    "": lambda t: t,
    "_nocase": str.lower,
    "_letters": lambda t: _letters(t).lower(),
}


def error_rates(truths: Sequence[str], predictions: Sequence[str]) -> dict[str, float]:
    """CER (edits / reference characters) and WER (word edits / reference words), per variant.

    A word image holds one word, so its WER is the share of words not read exactly; a line's words are
    aligned like its characters.
    """
    result: dict[str, float] = {}
    for suffix, norm in VARIANTS.items():
        edits = chars = word_edits = words = 0
        for truth, pred in zip(truths, predictions):
            t, p = norm(truth), norm(pred)
            edits += edit_distance(t, p)
            chars += len(t)
            word_edits += edit_distance(t.split() or [""], p.split() or [""])
            words += max(1, len(t.split()))
        result[f"cer{suffix}"] = edits / max(1, chars)
        result[f"wer{suffix}"] = word_edits / max(1, words)
    return result
