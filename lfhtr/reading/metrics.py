"""Character and word error rates, case-sensitive and the looser variants reported beside them."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence


def edit_distance(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Levenshtein distance, a column of the edit table at a time as bits of two integers (Myers 1999,
    Hyyrö 2001): each column's +1/−1 steps are bit vectors, so a column costs a handful of integer
    operations however long the other text is. Line confidences compare every view's reading and page
    CER aligns whole pages (a million cells), where filling the table cell by cell took most of the time.
    """
    if len(a) < len(b):
        a, b = b, a
    rows = len(b)
    if rows == 0:
        return len(a)
    positions: dict[Hashable, int] = {}
    for i, item in enumerate(b):
        positions[item] = positions.get(item, 0) | (1 << i)
    mask, bottom = (1 << rows) - 1, 1 << (rows - 1)
    plus, minus, distance = mask, 0, rows  # the first column: every step down adds one
    for item in a:
        match = positions.get(item, 0)
        vertical = match | minus
        horizontal = ((((match & plus) + plus) & mask) ^ plus) | match
        up = minus | (~(horizontal | plus) & mask)
        down = plus & horizontal
        if up & bottom:
            distance += 1
        elif down & bottom:
            distance -= 1
        up = ((up << 1) | 1) & mask  # the top row grows by one a column
        down = (down << 1) & mask
        plus = down | (~(vertical | up) & mask)
        minus = up & vertical
    return distance


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
