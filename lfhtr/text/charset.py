"""The set of characters a model reads, and the CTC label encoding built on it."""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Iterable

DEFAULT_CHARSET = string.ascii_letters + string.digits + ".,;:'\"-&!?()/"


class Charset:
    """Ordered characters; CTC class 0 is the blank, so character i is class i + 1."""

    def __init__(self, chars: str) -> None:
        ordered = list(dict.fromkeys(unicodedata.normalize("NFC", chars)))
        if any(ch.isspace() for ch in ordered):
            raise ValueError("the charset must not contain whitespace: models read single words")
        self.chars = "".join(ordered)
        self._index = {ch: i + 1 for i, ch in enumerate(self.chars)}

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
