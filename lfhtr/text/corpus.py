"""Word counts from plain-text corpora (or wordfreq's built-in lists) and sampling from them.

Tokens keep attached punctuation ("Letters,") because real word images are cut that way; anything the
charset cannot write is dropped rather than silently altered.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
import stat
from collections import Counter
from pathlib import Path

from lfhtr.errors import DataError
from lfhtr.jsoncache import write_cache
from lfhtr.text.charset import Charset, nfc
from lfhtr.text.languages import unfold

Languages = str | list[str] | dict[str, float]
"""A wordfreq language code, several in equal shares, or several with weights."""


def language_weights(language: Languages) -> dict[str, float]:
    """Each language of ``language`` with its share of the words, the shares summing to 1."""
    weights = (
        {language: 1.0}
        if isinstance(language, str)
        else (dict.fromkeys(language, 1.0) if isinstance(language, list) else dict(language))
    )
    total = sum(weights.values())
    return {code: weight / total for code, weight in weights.items()}


def _wordfreq_counts(language: str, top_n: int) -> Counter[str]:
    from wordfreq import top_n_list, word_frequency

    words = top_n_list(language, top_n)
    return unfold(language, Counter({w: max(1, round(word_frequency(w, language) * 1e9)) for w in words}))


def builtin_counts(language: Languages, top_n: int) -> Counter[str]:
    """wordfreq's list as pseudo-counts (frequency × 1e9 keeps the Zipf shape in integers), with the
    spellings the list folds away restored. Several languages are each scaled to their share of the
    total, so a language's weight and not the length of its list sets how often its words are drawn."""
    weights = language_weights(language)
    if len(weights) == 1:
        return _wordfreq_counts(next(iter(weights)), top_n)
    mixed: Counter[str] = Counter()
    for code, share in weights.items():
        counts = _wordfreq_counts(code, top_n)
        scale = share * 1e9 / sum(counts.values())
        for word, count in counts.items():
            mixed[word] += max(1, round(count * scale))
    return mixed


MAX_TEXT_BYTES = 2 * 2**30
"""Largest corpus or word-list file read: counting words keeps every distinct one in memory."""


def check_text_file(path: Path, field: str, what: str = "corpus") -> None:
    """Refuse what is not a regular file of at most ``MAX_TEXT_BYTES`` before opening it: a FIFO or
    ``/dev/zero`` named as a corpus would block or grow without end."""
    try:
        info = path.stat()
    except OSError as exc:
        raise DataError(f"{path}: cannot read {what} ({exc.strerror or exc}); fix {field}.") from None
    if not stat.S_ISREG(info.st_mode):
        raise DataError(f"{path}: not a regular file; {field} takes text files.")
    if info.st_size > MAX_TEXT_BYTES:
        raise DataError(f"{path}: {info.st_size} bytes, over the {MAX_TEXT_BYTES} read; fix {field}.")


def corpus_counts(paths: list[Path]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in paths:
        check_text_file(path, "corpus.corpora")
        try:
            with path.open(encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    counts.update(nfc(line).split())
        except OSError as exc:
            raise DataError(f"{path}: cannot read corpus ({exc.strerror}); fix corpus.corpora.") from None
    return counts


def restrict(counts: Counter[str], charset: Charset, max_length: int) -> Counter[str]:
    kept = Counter({w: c for w, c in counts.items() if charset.covers(w) and len(w) <= max_length})
    if not kept:
        raise DataError("the corpus has no word the charset can write; check corpus.corpora and charset.")
    return kept


def save_counts(path: Path, counts: Counter[str]) -> None:
    write_cache(path, json.dumps(dict(counts.most_common()), ensure_ascii=False))


def load_counts(path: Path) -> Counter[str] | None:
    try:
        return Counter(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError):
        return None


MARKS = ".,;:"
"""Marks a word carries when running text is cut into words ("Letters," "Fort.")."""


class WeightedWords:
    """Draws words in proportion to weight (``alpha`` < 1 flattens Zipf so rare words get seen).

    ``cased`` and ``marked`` say whether the words are written as text writes them, with capitals and
    attached marks (a corpus, a list of names), or folded to bare lowercase (wordfreq's lists): only
    folded words need capitals and marks put back.
    """

    def __init__(self, counts: Counter[str], alpha: float = 1.0) -> None:
        ranked = counts.most_common()
        self.words = [w for w, _ in ranked]
        self.cased = any(w != w.lower() for w in self.words)
        self.marked = any(w[-1] in MARKS for w in self.words if w)
        weights = [c**alpha for _, c in ranked]
        self._cumulative = list(itertools.accumulate(weights))
        total = self._cumulative[-1]
        self.probabilities = {w: wt / total for w, wt in zip(self.words, weights)}

    def sample(self, rng: random.Random) -> str:
        x = rng.random() * self._cumulative[-1]
        return self.words[bisect.bisect_right(self._cumulative, x)]
