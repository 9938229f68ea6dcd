"""Lexicon-constrained decoding: snap a reading to the corpus word the image supports best.

Candidates come from a symmetric-delete index (words within about two edits of the raw reading), then
each is scored by CTC log P(word | image) plus a weighted log prior from the corpus model. The raw
reading competes too, with an out-of-vocabulary penalty, so names and numbers are not forced into words.
"""

from __future__ import annotations

import math
from collections import defaultdict

import torch

from lfhtr.text.charset import Charset
from lfhtr.train.decoding import Reading, sequence_log_likelihood


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))} | {word}


def _split_punctuation(text: str) -> tuple[str, str, str]:
    start = 0
    while start < len(text) and not text[start].isalnum():
        start += 1
    end = len(text)
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return text[:start], text[start:end], text[end:]


def _cased_like(word: str, model: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


class Lexicon:
    def __init__(
        self, words: dict[str, float], charset: Charset, prior_weight: float = 0.3, oov_penalty: float = 3.0
    ) -> None:
        self.charset = charset
        self.prior: dict[str, float] = defaultdict(float)
        for word, p in words.items():
            core = _split_punctuation(word)[1].lower()
            if core and charset.covers(core):
                self.prior[core] += p
        self.index: dict[str, list[str]] = defaultdict(list)
        for word in self.prior:
            for key in _deletes(word):
                self.index[key].append(word)
        self.prior_weight = prior_weight
        self.oov_penalty = oov_penalty
        self._floor = math.log(min(self.prior.values())) if self.prior else 0.0

    def candidates(self, core: str) -> list[str]:
        found: set[str] = set()
        for key in _deletes(core.lower()):
            found.update(self.index.get(key, ()))
        return sorted(found)

    def snap(self, log_probs: torch.Tensor, length: int, reading: Reading) -> Reading:
        """The best of the raw reading and its lexicon neighbours, for one image ([T, C] log-probs)."""
        lead, core, trail = _split_punctuation(reading.text)
        if not core or core.isdigit():
            return reading
        options = [reading.text]
        priors = [self._floor - self.oov_penalty]
        for word in self.candidates(core):
            text = lead + _cased_like(word, core) + trail
            if text != reading.text and self.charset.covers(text):
                options.append(text)
                priors.append(math.log(self.prior[word]))
            elif text == reading.text:
                priors[0] = math.log(self.prior[word])
        if len(options) == 1:
            return reading
        labels = [self.charset.encode(t) for t in options]
        k = len(options)
        lp = log_probs[:length].unsqueeze(1).expand(length, k, log_probs.shape[-1]).contiguous()
        ll = sequence_log_likelihood(lp, torch.full((k,), length, dtype=torch.long), labels)
        scores = [float(v) + self.prior_weight * p for v, p in zip(ll, priors)]
        best = max(range(k), key=scores.__getitem__)
        confidence = (
            math.exp(float(ll[best]) / (len(options[best]) + 1)) if math.isfinite(float(ll[best])) else 0.0
        )
        return Reading(options[best], confidence)
