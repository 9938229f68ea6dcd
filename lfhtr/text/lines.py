"""Synthetic text lines: corpus words in a row, as a line model is trained on.

Any text sampler draws the words, so a line speaks the corpus's language with its casing, compounds
and punctuation; only the number of words is decided here.
"""

from __future__ import annotations

import random
from collections.abc import Callable


def draw_line(draw_word: Callable[[], str], rng: random.Random, length: tuple[int, int]) -> str:
    """Words joined by single spaces until the line reaches a length drawn from ``length`` (characters),
    never past its high end unless the first word alone is longer."""
    target = rng.randint(*length)
    line = draw_word()
    while len(line) < target:
        word = draw_word()
        if len(line) + 1 + len(word) > length[1]:
            break
        line += " " + word
    return line
