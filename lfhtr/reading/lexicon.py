"""Lexicon-constrained decoding: choose the corpus word the image supports best.

Each word is scored as a Bayesian decision: CTC log P(image | word) plus log P(word) from the corpus model
(weight 1 by default, as Bayes' rule has it; a smaller weight let the raw reading win too often, measured in
docs/results.md). The raw reading competes as an out-of-vocabulary option with a prior well below the rarest
word, so names and numbers survive only when the image clearly says so.

Candidates come from two indexes, because one alone misses words: a symmetric-delete index finds every
word within about two edits (short words, where character bigrams say little), and a character-bigram
index finds the words that share most bigrams with the reading (long words read with several errors).
The confidence returned is the posterior of the chosen word among the candidates: low when two words
explain the image equally. A reading kept out of vocabulary had no real competitor, so its posterior is
near 1 whatever the image shows, which on a set of names ranked the wrong pseudo-labels first
(docs/results.md); its confidence is the posterior times the reading's own confidence.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import torch

from lfhtr.core.interfaces import Reading, TextSampler
from lfhtr.errors import DataError
from lfhtr.modelfile import LONGEST_WORD
from lfhtr.reading.charmodel import CharModel
from lfhtr.text.charset import Charset
from lfhtr.train.alignment import label_frames
from lfhtr.train.decoding import texts_log_likelihood


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))} | {word}


def _bigrams(word: str) -> set[str]:
    padded = f"^{word}$"
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


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


ALTERNATIVES = 3
"""Runners-up reported with each lexicon reading."""

TRAILING_MARKS = ("", ".", ",", ";", ":")
"""The marks a word may end with, each a rival spelling when weighing whether a word is right."""

UNKNOWN_SHARE = 0.1
"""The share of written words that no lexicon holds (names, old spellings, abbreviations), in the prior
of any text: such a word is spelled as the lexicon's character model says."""


@dataclass
class _Token:
    """One word of a reading: punctuation before and after, and its core's hyphen-separated parts."""

    lead: str
    parts: list[str]
    trail: str

    @classmethod
    def of(cls, text: str) -> _Token:
        lead, core, trail = _split_punctuation(text)
        return cls(lead, core.split("-"), trail)

    @property
    def snappable(self) -> bool:
        core = "-".join(self.parts)
        return bool(core) and not core.isdigit() and all(self.parts)

    def text(self, index: int = -1, part: str = "") -> str:
        """The token as written, with part ``index`` replaced by ``part`` when an index is given."""
        parts = self.parts if index < 0 else [*self.parts[:index], part, *self.parts[index + 1 :]]
        return self.lead + "-".join(parts) + self.trail


def _text(tokens: list[_Token], t: int = -1, index: int = -1, part: str = "") -> str:
    """The reading the tokens make, with part ``index`` of token ``t`` replaced when one is given."""
    return " ".join(token.text(index, part) if i == t else token.text() for i, token in enumerate(tokens))


CONTEXT_WORDS = 1
"""Words either side of the one being snapped that its candidates are scored with."""


@dataclass(frozen=True)
class _Window:
    """The frames a run of tokens, ``first`` to ``last``, was read from, with the spaces around it."""

    first: int
    last: int
    start: int
    end: int
    lead: str
    trail: str

    def text(self, tokens: list[_Token], t: int, index: int, part: str) -> str:
        """The run's text with part ``index`` of token ``t`` replaced by ``part``."""
        run = tokens[self.first : self.last + 1]
        return self.lead + _text(run, t - self.first, index, part) + self.trail


def _windows(log_probs: torch.Tensor, length: int, text: str, charset: Charset) -> list[_Window]:
    """Per word of ``text`` (split at spaces), the frames of it and its ``CONTEXT_WORDS`` neighbours
    on the path that reads ``text``: a candidate changes how the frames around it are read and not the
    rest of a long line, so scoring it there weighs it as the whole line would, in a fraction of the
    time. Every word's window is the whole reading where it is no longer than a window, or no path
    reads ``text``."""
    words = text.split(" ")
    whole = [_Window(0, len(words) - 1, 0, length, "", "")] * len(words)
    if len(words) <= 2 * CONTEXT_WORDS + 1:
        return whole
    spans = label_frames(log_probs[:length], charset.encode(text))
    if spans is None:
        return whole
    starts = list(itertools.accumulate((len(word) + 1 for word in words[:-1]), initial=0))
    windows = []
    for t in range(len(words)):
        first, last = max(0, t - CONTEXT_WORDS), min(len(words) - 1, t + CONTEXT_WORDS)
        lead = first > 0  # the space before the run is read in its frames, as is the one after it
        trail = last < len(words) - 1
        begin = starts[first] - lead  # the run's first and one-past-last characters, spaces included
        end = starts[last] + len(words[last]) + trail
        windows.append(
            _Window(
                first,
                last,
                spans[begin - 1][1] + 1 if begin else 0,
                spans[end][0] if end < len(text) else length,
                " " if lead else "",
                " " if trail else "",
            )
        )
    return windows


class Lexicon:
    def __init__(
        self,
        words: dict[str, float],
        charset: Charset,
        prior_weight: float = 1.0,
        oov_penalty: float = 10.0,
        similar: int = 100,
        max_loss: float = 1.0,
    ) -> None:
        self.charset = charset
        prior: dict[str, float] = defaultdict(float)
        for word, p in words.items():
            core = _split_punctuation(word)[1].lower()
            if core and len(core) <= LONGEST_WORD and charset.covers(core):
                prior[core] += p
        self.words = sorted(prior)
        self.log_prior = {word: math.log(prior[word]) for word in self.words}
        self.near: dict[str, list[str]] = defaultdict(list)
        shared: dict[str, list[int]] = defaultdict(list)
        for i, word in enumerate(self.words):
            for key in _deletes(word):
                self.near[key].append(word)
            for gram in _bigrams(word):
                shared[gram].append(i)
        self.by_bigram = {gram: np.asarray(ids, dtype=np.int32) for gram, ids in shared.items()}
        self.bigram_counts = np.array([len(_bigrams(word)) for word in self.words], dtype=np.float32)
        self.prior_weight = prior_weight
        self.oov_penalty = oov_penalty
        self.similar = similar
        self.max_loss = max_loss
        self._floor = min(self.log_prior.values(), default=0.0)

    @classmethod
    def from_sampler(cls, sampler: TextSampler, charset: Charset, requested_by: str) -> Lexicon:
        """A prepared corpus sampler's words as a lexicon; ``requested_by`` names the spec field asking."""
        words = sampler.lexicon()
        if not words:
            raise DataError(
                f"{requested_by}: the '{sampler.kind}' corpus has no word list to decode with; set it to "
                "false or use a built-in corpus (all have one)."
            )
        return cls(words, charset)

    @cached_property
    def char_model(self) -> CharModel:
        """The character model of the lexicon's words, which guides the beam search before snapping."""
        return CharModel(self.log_prior)

    @cached_property
    def open_log_prior(self) -> Callable[[str], float]:
        """``_open_log_prior``, remembered: the same misreadings come back image after image."""
        return lru_cache(maxsize=2**16)(self._open_log_prior)

    def _open_log_prior(self, text: str) -> float:
        """log P(``text``) for any text, in or out of the lexicon: each run of letters a lexicon word or,
        ``UNKNOWN_SHARE`` of the time, any spelling of the character model; each other character any one
        of the charset's."""
        total = 0.0
        for letters, run in itertools.groupby(text, key=str.isalpha):
            written = "".join(run)
            if not letters:
                total -= len(written) * math.log(self.charset.num_classes)
                continue
            spelled = math.log(UNKNOWN_SHARE) + self.char_model.word_log_p(written)
            known = math.log(1 - UNKNOWN_SHARE) + self.log_prior.get(written.lower(), -math.inf)
            total += float(np.logaddexp(known, spelled))
        return total

    def knows(self, word: str) -> bool:
        """Whether ``word``, without its attached marks and in any case, is one of the lexicon's."""
        return _split_punctuation(word)[1].lower() in self.log_prior

    @property
    def unknown_log_prior(self) -> float:
        """The weighted log prior of a reading that is no word of the lexicon."""
        return self.prior_weight * (self._floor - self.oov_penalty)

    def weighted_prior(self, word: str) -> float:
        """The weighted log prior of one word (marks around it ignored, any case)."""
        found = self.log_prior.get(_split_punctuation(word)[1].lower())
        return self.unknown_log_prior if found is None else self.prior_weight * found

    def rivals(self, text: str, raw: str) -> dict[str, float] | None:
        """The readings a one-word ``text`` competes with for being what is written, each with its weighted
        log prior: the lexicon's candidates for it and for the raw reading ``raw``, and the word itself in
        every case (lower, Capitalised, UPPER), with or without its leading mark and with each trailing
        mark (the lexicon decides the letters; case and marks come from the image alone). None for a
        reading of several words or hyphenated parts, whose words are chosen one by one."""
        token = _Token.of(text)
        if " " in text or not token.snappable or len(token.parts) != 1:
            return None
        core, prior = token.parts[0], self.weighted_prior
        found = {text: prior(core)}
        for source in (core, _split_punctuation(raw)[1]):
            for word in self.candidates(source):
                cased = _cased_like(word, core)
                if self.charset.covers(cased):
                    found.setdefault(token.lead + cased + token.trail, prior(word))
        spellings = {core, core.lower(), core[:1].upper() + core[1:].lower(), core.upper()}
        for lead in {token.lead, ""}:
            for trail in {token.trail, *TRAILING_MARKS}:
                for spelling in spellings:
                    written = lead + spelling + trail
                    if self.charset.covers(written):
                        found.setdefault(written, prior(core))
        return found

    def candidates(self, core: str) -> list[str]:
        """Words within about two edits of ``core`` plus the ``similar`` words sharing most bigrams."""
        core = core.lower()
        found: set[str] = set()
        for key in _deletes(core):
            found.update(self.near.get(key, ()))
        grams = _bigrams(core)
        hits = [self.by_bigram[g] for g in grams if g in self.by_bigram]
        if hits:
            shared = np.bincount(np.concatenate(hits), minlength=len(self.words))
            dice = shared / (self.bigram_counts + len(grams))
            count = min(self.similar, len(self.words))
            top = np.argpartition(-dice, count - 1)[:count]
            found.update(self.words[i] for i in top if shared[i])
        return sorted(found)

    def snap(self, log_probs: torch.Tensor, length: int, reading: Reading) -> Reading:
        """The most probable of the raw reading and its lexicon candidates ([T, C] log-probs of one image).

        A line is snapped word by word, and hyphenated compounds (Carl-Zeiß-Straße) part by part, each
        part scored in the reading as it stands, on the frames of its word and its neighbours. A word's
        confidence is the posterior of the chosen word among the candidates, times the raw reading's own
        confidence when the result is not a lexicon word: nothing competed with such a reading, so only
        the image can say how sure it is (names, garbage). A line's confidence is the geometric mean of
        its words', so long lines are not ranked below short ones for their length alone.
        """
        tokens = [_Token.of(text) for text in reading.text.split(" ")]
        if not any(token.snappable for token in tokens):
            return reading
        windows = _windows(log_probs, length, reading.text, self.charset)
        confidences = []
        doubt: tuple[float, int, int, list[tuple[str, float]]] = (1.0, 0, 0, [])
        for t, token in enumerate(tokens):
            if not token.snappable:
                continue
            confidence = 1.0
            for index, part in enumerate(token.parts):
                if part.isdigit():
                    continue
                ranked = self._rank_part(log_probs, tokens, t, index, windows[t])
                best, best_p = ranked[0]
                token.parts[index] = best
                confidence *= best_p
                doubt = min(doubt, (best_p, t, index, ranked[1:]))
            if not all(part.isdigit() or part.lower() in self.log_prior for part in token.parts):
                confidence *= reading.confidence
            confidences.append(confidence)
        share = 1 / len(confidences)
        line_confidence = math.prod(c**share for c in confidences)
        doubt_p, t, index, runners = doubt
        alternatives = tuple(
            sorted(
                (
                    (_text(tokens, t, index, word), line_confidence * (p / max(doubt_p, 1e-300)) ** share)
                    for word, p in runners[:ALTERNATIVES]
                ),
                key=lambda alternative: -alternative[1],
            )
        )
        return Reading(_text(tokens), line_confidence, alternatives)

    def _rank_part(
        self, log_probs: torch.Tensor, tokens: list[_Token], t: int, index: int, window: _Window
    ) -> list[tuple[str, float]]:
        """Part ``index`` of token ``t`` and its lexicon candidates, with their posteriors, best first,
        each scored on the ``window`` of frames around it.

        A candidate that explains the image more than ``max_loss`` nats per character worse than the raw
        reading is not what is written, however frequent: out-of-vocabulary words stay as read, with the
        low posterior that says the lexicon would have preferred another word.
        """
        part = tokens[t].parts[index]
        words = [part]
        priors = [self.log_prior.get(part.lower(), self._floor - self.oov_penalty)]
        for word in self.candidates(part):
            cased = _cased_like(word, part)
            if cased != part and self.charset.covers(cased):
                words.append(cased)
                priors.append(self.log_prior[word])
        if len(words) == 1:
            return [(part, 1.0)]
        texts = [window.text(tokens, t, index, w) for w in words]
        k = len(texts)
        frames = log_probs[window.start : window.end]
        ll = texts_log_likelihood(frames, len(frames), [self.charset.encode(text) for text in texts]).double()
        written = [len(tokens[t].text(index, w)) + 1 for w in words]  # the word as written, not the line
        per_char_loss = (ll[0] - ll) / torch.tensor(written, dtype=torch.float64)
        scores = ll + self.prior_weight * torch.tensor(priors, dtype=torch.float64)
        posterior, losses = torch.softmax(scores, 0).tolist(), per_char_loss.tolist()
        ranked = sorted(range(k), key=lambda i: (losses[i] > self.max_loss, -posterior[i], i))
        return [(words[i], posterior[i]) for i in ranked[: ALTERNATIVES + 1]]
