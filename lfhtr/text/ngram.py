"""A character n-gram model with backoff that invents plausible new words.

Sampling backs off to the longest context seen at least ``min_count`` times, so frequent spellings are
followed closely and rare contexts fall back to shorter, better-estimated ones. Stored as JSON, never
pickle, so a shared model file cannot run code.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
from collections import Counter, defaultdict
from pathlib import Path

from lfhtr.jsoncache import write_cache

BOUNDARY = "\x02"  # start padding and end-of-word symbol; never part of a charset (it is not printable)


class CharNgram:
    def __init__(self, order: int, table: dict[str, dict[str, int]]) -> None:
        self.order = order
        self.table = table
        self._samplers: dict[str, tuple[list[str], list[int]]] = {}

    @classmethod
    def train(cls, counts: Counter[str], order: int) -> CharNgram:
        table: dict[str, Counter[str]] = defaultdict(Counter)
        for word, count in counts.items():
            padded = BOUNDARY * (order - 1) + word + BOUNDARY
            for i in range(order - 1, len(padded)):
                for k in range(order):  # every context length 0..order-1
                    table[padded[i - k : i]][padded[i]] += count
        return cls(order, {ctx: dict(nxt) for ctx, nxt in table.items()})

    def _choices(self, context: str) -> tuple[list[str], list[int]]:
        cached = self._samplers.get(context)
        if cached is None:
            chars = sorted(self.table[context])
            cached = (chars, list(itertools.accumulate(self.table[context][c] for c in chars)))
            self._samplers[context] = cached
        return cached

    def _context(self, history: str, min_count: int) -> str:
        for k in range(self.order - 1, 0, -1):
            ctx = history[-k:]
            entry = self.table.get(ctx)
            if entry is not None and sum(entry.values()) >= min_count:
                return ctx
        return ""

    def generate(self, rng: random.Random, max_length: int, min_count: int = 2) -> str:
        history = BOUNDARY * (self.order - 1)
        word = ""
        while len(word) < max_length:
            chars, cumulative = self._choices(self._context(history, min_count))
            ch = chars[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]
            if ch == BOUNDARY:
                break
            word += ch
            history += ch
        return word

    def save(self, path: Path) -> None:
        write_cache(path, json.dumps({"order": self.order, "table": self.table}, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> CharNgram | None:
        try:
            data = json.loads(path.read_text("utf-8"))
            return cls(int(data["order"]), {k: dict(v) for k, v in data["table"].items()})
        except (OSError, ValueError, KeyError, TypeError):
            return None
