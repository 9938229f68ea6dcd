"""The set of characters a model reads, and the CTC label encoding built on it."""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Iterable

PUNCTUATION = ".,;:'\"-&!?()/"
DEFAULT_CHARSET = string.ascii_letters + string.digits + PUNCTUATION
LETTER_SHARE = 0.002
"""A letter belongs to a language's charset when at least this share of its corpus words hold it: 100
of wordfreq's 50,000, which keeps é in French and drops the odd loanword's letters."""


def nfc(text: str) -> str:
    """``text`` in Unicode's composed form: an ä typed as a + combining diaeresis (as macOS file names and
    some exports write it) is the one character ä, as in the charset and the model's readings."""
    return unicodedata.normalize("NFC", text)


def charset_for(words: Iterable[str]) -> str:
    """The letters a corpus writes (both cases), digits and common punctuation, as a charset string."""
    listed = list(words)
    counts: dict[str, int] = {}
    for word in listed:
        for ch in set(unicodedata.normalize("NFC", word)):
            if ch.isalpha():
                counts[ch.lower()] = counts.get(ch.lower(), 0) + 1
    lower = sorted(ch for ch, n in counts.items() if n >= LETTER_SHARE * len(listed))
    upper = [ch.upper() for ch in lower if len(ch.upper()) == 1 and ch.upper() != ch]  # ß has no capital
    return "".join(lower) + "".join(upper) + string.digits + PUNCTUATION


class Charset:
    """Ordered characters; CTC class 0 is the blank, so character i is class i + 1."""

    def __init__(self, chars: str) -> None:
        ordered = list(dict.fromkeys(unicodedata.normalize("NFC", chars)))
        if any(ch.isspace() and ch != " " for ch in ordered):
            raise ValueError("the only whitespace a charset holds is the space (set unit: line for it)")
        self.chars = "".join(ordered)
        self._index = {ch: i + 1 for i, ch in enumerate(self.chars)}

    @property
    def reads_lines(self) -> bool:
        """Whether a model with this charset reads text lines (it can write a space) or single words."""
        return " " in self._index

    @property
    def num_classes(self) -> int:
        return len(self.chars) + 1

    def covers(self, text: str) -> bool:
        return bool(text) and all(ch in self._index for ch in text)

    def encode(self, text: str) -> list[int]:
        return [self._index[ch] for ch in text]

    def decode(self, labels: Iterable[int]) -> str:
        return "".join(self.chars[i - 1] for i in labels if 0 < i <= len(self.chars))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Charset) and other.chars == self.chars

    def __hash__(self) -> int:
        return hash(self.chars)

    def __repr__(self) -> str:
        return f"Charset({self.chars!r})"
