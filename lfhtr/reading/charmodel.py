"""A character model of the lexicon's words, and the beam search it guides.

Snapping a reading to the lexicon mends words one at a time, and only as the first reading cut them:
a word read as two, two read as one, or a letter the network misread in a word the lexicon does not
hold stay as they are. A beam search keeps the readings the network finds nearly as likely as its
best, and a character model of the language says which of them spell like it: an n-gram of the
lexicon's letters and word ends, its counts those of a corpus of ``CORPUS_WORDS`` words drawn at the
lexicon's frequencies (each word at least once, so rare words still spell), interpolated with shorter
contexts as Witten and Bell do. Letters are modelled in lower case, since case is the network's to
read; digits and marks are left to the network, and a word ends at the first space or mark after its
letters. The search scores a reading by its CTC probability, the model's log probability times
``weight`` and ``bonus`` per character against the model's taste for short readings; the reading it
finds is then snapped word by word as before.
"""

from __future__ import annotations

import math
from collections import defaultdict
from functools import lru_cache

import numpy as np
import torch

from lfhtr.core.interfaces import Reading
from lfhtr.text.charset import Charset
from lfhtr.train.decoding import confidences

ORDER = 5
"""Letters of context plus the one predicted: long enough for endings and common clusters, short
enough that the word list's counts still estimate it."""
CORPUS_WORDS = 1e7
"""The size of the corpus whose counts the word probabilities become."""
CANDIDATES = 8
"""Classes tried at each frame, the most probable first."""
LEAST_PROBABLE = 1e-4
"""A class less probable than this at a frame is not tried there (the blank always is)."""

_START = "\x02"
_END = "\x03"
_NEVER = -1e30


class CharModel:
    """P(next letter or word end | the letters before it in the word)."""

    def __init__(self, log_priors: dict[str, float]) -> None:
        counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for word, log_prior in log_priors.items():
            count = max(1.0, math.exp(log_prior) * CORPUS_WORDS)
            padded = _START * (ORDER - 1) + word + _END
            for i in range(ORDER - 1, len(padded)):
                for k in range(ORDER):
                    counts[padded[i - k : i]][padded[i]] += count
        self._counts = {context: dict(following) for context, following in counts.items()}
        self._totals = {context: sum(following.values()) for context, following in self._counts.items()}
        self._symbols = len(self._counts.get("", {})) + 1
        self.log_p = lru_cache(maxsize=2**18)(self._log_p)

    def start(self) -> str:
        """The context of a word's first letter."""
        return _START * (ORDER - 1)

    def _p(self, context: str, symbol: str) -> float:
        shorter = 1.0 / self._symbols if not context else self._p(context[1:], symbol)
        following = self._counts.get(context)
        if following is None:
            return shorter
        kinds = len(following)
        return (following.get(symbol, 0.0) + kinds * shorter) / (self._totals[context] + kinds)

    def _log_p(self, context: str, symbol: str) -> float:
        return math.log(self._p(context[-(ORDER - 1) :], symbol))

    def step(self, context: str, char: str) -> tuple[float, str]:
        """The log probability of ``char`` written after ``context`` and the context after it: a letter
        continues the word, the first space or mark after letters ends it, others cost nothing."""
        letter = char.lower()
        if letter.isalpha():
            return self.log_p(context, letter), (context + letter)[-(ORDER - 1) :]
        if context.strip(_START):
            return self.log_p(context, _END), self.start()
        return 0.0, context

    def finish(self, context: str) -> float:
        """The log probability of the reading ending where it does."""
        return self.log_p(context, _END) if context.strip(_START) else 0.0

    def word_log_p(self, letters: str) -> float:
        """The log probability of one word spelled ``letters`` (any case), its end included."""
        total, context = 0.0, self.start()
        for letter in letters:
            step, context = self.step(context, letter)
            total += step
        return total + self.finish(context)


def _add(a: float, b: float) -> float:
    """log(exp(a) + exp(b))."""
    if a < b:
        a, b = b, a
    return a if b <= _NEVER else a + math.log1p(math.exp(b - a))


Beam = dict[tuple[int, ...], list]
"""Each prefix of classes: [log P ending in a blank, log P ending in its last class, the model's log P,
the model's context, its length in characters]."""


def guided_beam(
    log_probs: torch.Tensor,
    length: int,
    charset: Charset,
    model: CharModel,
    weight: float,
    bonus: float,
    width: int,
) -> Reading:
    """The reading of one image ([T, C] log-probabilities) that CTC and ``model`` together find most
    probable, with the decoders' per-character score as its confidence."""

    def score(entry: list, end: float = 0.0) -> float:
        return _add(entry[0], entry[1]) + weight * (entry[2] + end) + bonus * entry[4]

    beams: Beam = {(): [0.0, _NEVER, 0.0, model.start(), 0]}
    for frame in log_probs[:length].float().cpu().numpy():
        following = _extend(beams, frame, charset, model)
        kept = sorted(following.items(), key=lambda item: score(item[1]), reverse=True)[:width]
        beams = dict(kept)
    best = max(beams.items(), key=lambda item: score(item[1], model.finish(item[1][3])))
    labels = list(best[0])
    confidence = confidences(log_probs[:length].unsqueeze(1), torch.tensor([length]), [labels])[0]
    return Reading(charset.decode(labels), confidence)


def _extend(beams: Beam, frame: np.ndarray, charset: Charset, model: CharModel) -> Beam:
    """The prefixes one frame more of CTC output makes of ``beams``: each kept, and extended by each
    class probable enough at the frame (``CANDIDATES``, ``LEAST_PROBABLE``)."""
    floor = math.log(LEAST_PROBABLE)
    tried = [int(c) for c in np.argsort(-frame)[:CANDIDATES] if c == 0 or frame[c] > floor]
    following: Beam = {}
    for prefix, (blank, last, lm, context, n) in beams.items():
        total = _add(blank, last)
        _reach(following, prefix, total + float(frame[0]), _NEVER, lm, context, n)
        for c in tried:
            if c == 0:
                continue
            p = float(frame[c])
            repeated = bool(prefix) and prefix[-1] == c
            if repeated:  # the same class again without a blank between: the same character
                _reach(following, prefix, _NEVER, last + p, lm, context, n)
            before = blank if repeated else total
            if before > _NEVER:
                step, after = model.step(context, charset.chars[c - 1])
                _reach(following, (*prefix, c), _NEVER, before + p, lm + step, after, n + 1)
    return following


def _reach(
    beam: Beam, prefix: tuple[int, ...], blank: float, last: float, lm: float, context: str, n: int
) -> None:
    """Add the paths reaching ``prefix`` to ``beam``: their probabilities add up."""
    entry = beam.get(prefix)
    if entry is None:
        beam[prefix] = [blank, last, lm, context, n]
    else:
        entry[0], entry[1] = _add(entry[0], blank), _add(entry[1], last)
