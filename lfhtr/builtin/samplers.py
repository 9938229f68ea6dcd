"""Built-in text samplers: corpus word frequencies, a plain word list, and a character n-gram model.

All three share the same "styling" of drawn words (capitals, attached punctuation, numbers), because
real word images carry these whatever the corpus model is, and a recogniser never shown a capital or a
trailing comma will misread every one it meets.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import random
import string
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, model_validator

from lfhtr.core.interfaces import BuildContext, PluginOptions, Share, TextSampler
from lfhtr.errors import DataError
from lfhtr.text.charset import nfc
from lfhtr.text.corpus import (
    Languages,
    WeightedWords,
    builtin_counts,
    check_text_file,
    corpus_counts,
    language_weights,
    load_counts,
    restrict,
    save_counts,
)
from lfhtr.text.languages import PROFILES, LanguageProfile
from lfhtr.text.ngram import CharNgram


class SamplerOptions(PluginOptions):
    capitalize: Share = Field(
        0.2,
        description="Probability of an initial capital, for words from lowercase lists (wordfreq's); words "
        "from text that has capitals keep the case they are written in.",
    )
    upper: Share = Field(
        0.02, description="Probability of an all-capitals word (lowercase lists only, as above)."
    )
    punctuation: Share = Field(
        0.1,
        description="Probability of a trailing mark (,.;:), for words from lists without marks; corpus "
        "text keeps the marks attached to its words.",
    )
    numbers: Share = Field(0.02, description="Probability of a number instead of a word.")
    max_length: int = Field(16, ge=1, description="Longest word drawn, in characters.")
    compounds: Share = Field(
        0.0, description="Probability of joining two words into a compound (German: 0.15)."
    )
    hyphenate: Share = Field(
        0.0, description="Share of compounds written Capitalised-Hyphenated (German: 0.3)."
    )
    long_s: Share = Field(
        0.0,
        description="Share of words whose every s but a final one is written ſ, as hands and print did "
        "until about 1800 (needs ſ in the charset).",
    )
    extra_words: list[str] = Field(
        default_factory=list,
        description="Your own word lists (one word per line: place names, a register's vocabulary), "
        "mixed into the draws and the lexicon.",
    )
    extra_share: Share = Field(
        0.2, description="Share of draws (and of the lexicon's mass) from extra_words."
    )


class CorpusOptions(SamplerOptions):
    corpora: list[str] = Field(
        default_factory=list, description="Plain-text files; empty: wordfreq's built-in list."
    )
    language: Languages = Field(
        "en",
        description="wordfreq language of the built-in word list, used when no corpora are given: a code "
        '("fr"), a list mixed in equal shares (["fr", "de"]), or a mapping with weights '
        '({"fr": 2, "de": 1}) for collections that mix languages. In a mixture each language is drawn at '
        "its share, and one lfhtr has a profile for (German: capitalised nouns, compounds) is shaped by it; "
        "capitalize, compounds, hyphenate and max_length shape the others.",
    )
    top_n: int = Field(50000, ge=1, description="Size of the built-in word list.")

    @model_validator(mode="after")
    def _wordfreq_has_the_language(self) -> CorpusOptions:
        if not self.corpora:
            from wordfreq import available_languages  # only when a built-in list is asked for

            weights = language_weights(self.language) if self.language else {}
            if not weights or min(weights.values()) <= 0:
                raise ValueError("give at least one language, each with a weight above 0")
            for code in weights:
                if code not in available_languages("best"):
                    known = ", ".join(sorted(available_languages("best")))
                    raise ValueError(
                        f"wordfreq has no word list for {code!r} (it has: {known}); for another "
                        "language give your own text in corpus.corpora"
                    )
        return self


def _read_word_list(path: Path, field: str) -> list[str]:
    check_text_file(path, field, "word list")
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read word list ({exc}); fix {field}.") from None
    return [nfc(line.split()[0]) for line in lines if line.strip()]


def _capitalised(word: str) -> str:
    return word[:1].upper() + word[1:]


@dataclass(frozen=True)
class Source:
    """Words drawn together and the way they are shaped on paper: one language of a mixture, a corpus,
    or the user's extra words."""

    words: WeightedWords
    shape: LanguageProfile


class StyledSampler(TextSampler[SamplerOptions]):
    """Applies the shared styling and the user's extra words; subclasses set ``words`` (the corpus's
    words, which the lexicon is built from), then ``mix`` the languages of a mixture (each drawn at its
    share and shaped by its own profile, or none), and may draw differently in ``draw_word``."""

    options: SamplerOptions
    words: WeightedWords
    sources: list[Source]
    """What words are drawn from: the languages of a mixture, or the corpus alone (``mix``)."""

    def prepare(self, context: BuildContext) -> None:
        self._charset = context.charset
        self._extra: Source | None = None
        if self.options.extra_words:
            listed = [
                word
                for path in self.options.extra_words
                for word in _read_word_list(context.resolve(path), "corpus.extra_words")
            ]
            words = WeightedWords(restrict(Counter(dict.fromkeys(listed, 1)), context.charset, 10**6))
            self._extra = Source(words, self.shape)

    @property
    def shape(self) -> LanguageProfile:
        """How the options shape words: those of one language, or of a mixture's languages that have no
        profile of their own."""
        o = self.options
        return LanguageProfile(o.capitalize, o.compounds, o.hyphenate, o.max_length)

    def draw_word(self, rng: random.Random, words: WeightedWords) -> str:
        return words.sample(rng)

    def mix(self, languages: list[tuple[float, Source]]) -> None:
        """Draw from ``languages`` at their shares, or from ``words`` shaped by the options where there
        are none; subclasses call it once ``words`` is set."""
        self.sources = [source for _, source in languages] or [Source(self.words, self.shape)]
        self._shares = list(itertools.accumulate(share for share, _ in languages))

    def _source(self, rng: random.Random) -> Source:
        """The source of the next word: one language of a mixture at its share, else the corpus (with no
        draw, so that a single source's stream stays as it was)."""
        if len(self.sources) == 1:
            return self.sources[0]
        drawn = bisect.bisect_right(self._shares, rng.random() * self._shares[-1])
        return self.sources[min(drawn, len(self.sources) - 1)]

    def _draw(self, rng: random.Random) -> tuple[str, Source]:
        """A word and the source it was drawn from."""
        if self._extra is not None and rng.random() < self.options.extra_share:
            return self._extra.words.sample(rng), self._extra
        source = self._source(rng)
        return self.draw_word(rng, source.words), source

    def _compound(self, word: str, source: Source, rng: random.Random) -> str:
        """``word`` joined to a second word of its source, as compounding languages write: closed or
        hyphenated."""
        second = self.draw_word(rng, source.words)
        if not (word.isalpha() and second.isalpha()):
            return word
        if rng.random() < source.shape.hyphenate:
            return f"{_capitalised(word)}-{_capitalised(second)}"
        return word + second.lower()

    def sample(self, rng: random.Random) -> str:
        """A word as written: case and marks from the corpus where its text has them, else drawn at the
        rates of its source's shape (``capitalize``, ``compounds``) and the options' ``upper`` and
        ``punctuation``."""
        o = self.options
        for _ in range(100):
            marked = False
            longest = o.max_length
            if rng.random() < o.numbers:
                word = str(rng.choice([rng.randint(0, 99), rng.randint(100, 2100), rng.randint(1, 31)]))
            else:
                word, source = self._draw(rng)
                shape, marked, longest = source.shape, source.words.marked, source.shape.max_length
                if shape.compounds and rng.random() < shape.compounds:
                    word = self._compound(word, source, rng)
                r = rng.random()  # drawn either way, so each source's stream stays as it was
                if not source.words.cased and r < o.upper:
                    word = word.upper()
                elif not source.words.cased and r < o.upper + shape.capitalize:
                    word = _capitalised(word)
            if rng.random() < o.punctuation and not marked:
                word += rng.choice(".,,,;:")
            if o.long_s and rng.random() < o.long_s:
                word = word[:-1].replace("s", "ſ") + word[-1:]
            if self._charset.covers(word) and len(word) <= longest:
                return word
        raise DataError("the sampler cannot draw any word the charset covers; widen the charset.")

    def lexicon(self) -> dict[str, float]:
        """The corpus's word probabilities, mixed with the extra words at their share of the draws."""
        if self._extra is None:
            return self.words.probabilities
        share = self.options.extra_share
        mixed = {w: (1 - share) * p for w, p in self.words.probabilities.items()}
        for word, p in self._extra.words.probabilities.items():
            mixed[word] = mixed.get(word, 0.0) + share * p
        return mixed


COUNTS_VERSION = 3
"""Bumped when the counts a corpus gives change (2: German ß restored; 3: French elisions), so old caches
are not reused."""


def _cache_path(context: BuildContext, kind: str, *parts: object) -> Path:
    key = hashlib.sha256(repr((context.charset.chars, *parts)).encode()).hexdigest()[:16]
    return context.cache_dir / f"{kind}-{key}.json"


def _cached_counts(o: CorpusOptions, context: BuildContext) -> Counter[str]:
    """Word counts restricted to the charset, computed once per corpus and charset and cached as JSON."""
    path = _cache_path(context, f"frequency-v{COUNTS_VERSION}", o.corpora, o.language, o.top_n, o.max_length)
    counts = load_counts(path)
    if counts is None:
        if o.corpora:
            raw = corpus_counts([context.resolve(p) for p in o.corpora])
        else:
            raw = builtin_counts(o.language, o.top_n)
        counts = restrict(raw, context.charset, o.max_length)
        save_counts(path, counts)
    return counts


def _language_sources(
    sampler: StyledSampler, o: CorpusOptions, context: BuildContext, alpha: float
) -> list[tuple[float, Source]]:
    """The languages of a built-in mixture, each with its share and shaped by its own profile where lfhtr
    has one (German capitalises its nouns and compounds them), else by the options; none for one
    language or a corpus of the user's, whose words the options shape."""
    weights = language_weights(o.language)
    if o.corpora or len(weights) == 1:
        return []
    sources = []
    for code, share in weights.items():
        shape = PROFILES.get(code, sampler.shape)
        own = o.model_copy(update={"language": code, "max_length": shape.max_length})
        sources.append((share, Source(WeightedWords(_cached_counts(own, context), alpha), shape)))
    return sources


class FrequencySampler(StyledSampler):
    """Words in proportion to corpus frequency, flattened by ``alpha`` so rare words are not starved."""

    class Options(CorpusOptions):
        alpha: float = Field(
            0.5, gt=0, le=1, description="Frequency exponent; 1 = true Zipf, lower = flatter."
        )

    options: Options

    def prepare(self, context: BuildContext) -> None:
        super().prepare(context)
        self.words = WeightedWords(_cached_counts(self.options, context), self.options.alpha)
        self.mix(_language_sources(self, self.options, context, self.options.alpha))


class WordListSampler(StyledSampler):
    """Uniform over a word list file (one word per line); for closed vocabularies."""

    class Options(SamplerOptions):
        path: str = Field(description="Text file, one word per line (extra columns are ignored).")

    options: Options

    def prepare(self, context: BuildContext) -> None:
        super().prepare(context)
        words = _read_word_list(context.resolve(self.options.path), "corpus.path")
        self.words = WeightedWords(restrict(Counter(dict.fromkeys(words, 1)), context.charset, 10**6))
        self.mix([])

    def draw_word(self, rng: random.Random, words: WeightedWords) -> str:
        return rng.choice(words.words)


class NgramSampler(StyledSampler):
    """Novel but plausible words from a character n-gram model, mixed with real corpus words."""

    class Options(CorpusOptions):
        order: int = Field(4, ge=1, le=8, description="n of the character n-gram.")
        real_words: Share = Field(0.5, description="Share of draws that are real corpus words.")
        min_count: int = Field(2, ge=1, description="Back off from contexts seen fewer times than this.")

    options: Options

    def prepare(self, context: BuildContext) -> None:
        super().prepare(context)
        o = self.options
        counts = _cached_counts(o, context)
        lowered = Counter({w: c for w, c in counts.items() if not any(ch in string.punctuation for ch in w)})
        model_path = _cache_path(context, "ngram", o.corpora, o.language, o.top_n, o.max_length, o.order)
        model = CharNgram.load(model_path)
        if model is None:
            model = CharNgram.train(Counter({w: max(1, int(c**0.5)) for w, c in lowered.items()}), o.order)
            model.save(model_path)
        self.model = model
        self.words = WeightedWords(counts, 0.5)
        self.mix(_language_sources(self, o, context, 0.5))

    def draw_word(self, rng: random.Random, words: WeightedWords) -> str:
        if rng.random() < self.options.real_words:
            return words.sample(rng)
        word = ""
        while not word:
            word = self.model.generate(rng, self.options.max_length, self.options.min_count)
        return word
