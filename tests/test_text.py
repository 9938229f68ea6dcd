"""Charsets, corpus models and samplers."""

from __future__ import annotations

import random
import string
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lfhtr.builtin.samplers import FrequencySampler, NgramSampler, WordListSampler
from lfhtr.core.interfaces import BuildContext
from lfhtr.errors import DataError
from lfhtr.text.charset import DEFAULT_CHARSET, PUNCTUATION, Charset, charset_for
from lfhtr.text.corpus import WeightedWords, restrict
from lfhtr.text.languages import unfold
from lfhtr.text.ngram import CharNgram

CHARSET = Charset(DEFAULT_CHARSET)


@given(st.text(alphabet=DEFAULT_CHARSET, min_size=1, max_size=30))
def test_encode_decode_round_trip(text: str) -> None:
    labels = CHARSET.encode(text)
    assert 0 not in labels  # class 0 is the CTC blank
    assert CHARSET.decode(labels) == text


def test_charset_takes_only_the_space_as_whitespace_and_dedupes() -> None:
    assert Charset("abca").chars == "abc"
    assert not Charset("abc").reads_lines and Charset("a b").reads_lines
    with pytest.raises(ValueError, match="whitespace"):
        Charset("a\tb")


def test_restrict_drops_what_the_charset_cannot_write() -> None:
    kept = restrict(Counter({"café": 3, "cafe": 2, "x" * 40: 1, "ok,": 5}), CHARSET, max_length=16)
    assert set(kept) == {"cafe", "ok,"}
    with pytest.raises(DataError, match="no word the charset can write"):
        restrict(Counter({"日本": 1}), CHARSET, 16)


@given(st.dictionaries(st.text(min_size=1, max_size=20), st.integers(1, 100), min_size=1, max_size=20))
def test_restrict_keeps_exactly_the_writable_words(counts: dict[str, int]) -> None:
    writable = {w for w in counts if CHARSET.covers(w) and len(w) <= 16}
    if not writable:
        with pytest.raises(DataError):
            restrict(Counter(counts), CHARSET, 16)
        return
    kept = restrict(Counter(counts), CHARSET, 16)
    assert set(kept) == writable and all(kept[w] == counts[w] for w in kept)


def test_weighted_words_follow_the_weights() -> None:
    words = WeightedWords(Counter({"a": 90, "b": 10}))
    rng = random.Random(0)
    draws = Counter(words.sample(rng) for _ in range(2000))
    assert 0.85 < draws["a"] / 2000 < 0.95


def test_ngram_invents_plausible_new_words_and_round_trips(tmp_path: Path) -> None:
    corpus = Counter({w: 5 for w in ["letter", "better", "setter", "butter", "bitter", "litter", "letters"]})
    model = CharNgram.train(corpus, order=3)
    rng = random.Random(1)
    words = {model.generate(rng, max_length=12) for _ in range(300)}
    assert words - set(corpus), "an n-gram model must generate some unseen words"
    assert all(set(w) <= set("lebtrsui") for w in words)
    model.save(tmp_path / "m.json")
    loaded = CharNgram.load(tmp_path / "m.json")
    assert loaded is not None
    assert [loaded.generate(random.Random(3), 12) for _ in range(20)] == [
        model.generate(random.Random(3), 12) for _ in range(20)
    ]
    (tmp_path / "bad.json").write_text("{not json")
    assert CharNgram.load(tmp_path / "bad.json") is None


def _context(tmp_path: Path) -> BuildContext:
    return BuildContext(CHARSET, tmp_path / "cache", 0, tmp_path)


@pytest.mark.parametrize("cls", [FrequencySampler, NgramSampler])
def test_corpus_samplers_are_deterministic_and_cached(cls: type, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the Orders of the day were read to the men at the Fort, and the men obeyed\n" * 5)
    sampler = cls(cls.Options(corpora=["corpus.txt"], punctuation=0.0, numbers=0.0))
    sampler.prepare(_context(tmp_path))
    first = [sampler.sample(random.Random(5)) for _ in range(30)]
    assert first == [sampler.sample(random.Random(5)) for _ in range(30)]
    assert all(CHARSET.covers(w) for w in first)
    assert list((tmp_path / "cache").glob("*.json")), "the corpus model is cached"
    assert "orders" in {w.lower() for w in sampler.lexicon()} or "Orders" in sampler.lexicon()


def test_wordlist_sampler_reports_a_missing_file(tmp_path: Path) -> None:
    sampler = WordListSampler(WordListSampler.Options(path="nope.txt"))
    with pytest.raises(DataError, match=r"nope\.txt: cannot read word list"):
        sampler.prepare(_context(tmp_path))


def test_a_corpus_charset_holds_its_letters_in_both_cases_digits_and_punctuation() -> None:
    words = ["straße", "Öl", "über", "ähnlich", "und"] * 200 + ["café"]  # é in 1 of 1,001 words: too rare
    lower = sorted(set("straßeölüberähnlichund"))
    upper = [ch.upper() for ch in lower if ch != "ß"]  # ß keeps no one-letter capital
    assert charset_for(words) == "".join(lower) + "".join(upper) + string.digits + PUNCTUATION


def test_german_sharp_s_is_restored_from_the_folded_frequency_list() -> None:
    folded = Counter({"heisst": 10, "strasse": 10, "wasser": 4, "und": 7})
    restored = unfold("de", folded)
    assert restored["heißt"] == 10 and "heisst" not in restored  # after a diphthong: always ß
    assert restored["straße"] + restored["strasse"] == 10 and restored["straße"] > 0  # long or short vowel
    assert sum(restored.values()) == sum(folded.values())
    assert unfold("en", folded) == folded


def test_compounds_join_words_closed_or_capitalised_and_hyphenated(tmp_path: Path) -> None:
    (tmp_path / "words.txt").write_text("haus\nbaum\n")
    always = dict(path="words.txt", capitalize=0.0, upper=0.0, punctuation=0.0, numbers=0.0, compounds=1.0)
    closed = WordListSampler(WordListSampler.Options(**always, hyphenate=0.0))
    closed.prepare(_context(tmp_path))
    assert {closed.sample(random.Random(i)) for i in range(40)} == {
        "haushaus",
        "hausbaum",
        "baumhaus",
        "baumbaum",
    }
    hyphenated = WordListSampler(WordListSampler.Options(**always, hyphenate=1.0))
    hyphenated.prepare(_context(tmp_path))
    assert {hyphenated.sample(random.Random(i)) for i in range(40)} >= {"Haus-Baum", "Baum-Haus"}


def test_extra_words_are_mixed_into_draws_and_lexicon_at_their_share(tmp_path: Path) -> None:
    (tmp_path / "corpus.txt").write_text("the day the men were at the fort\n")
    (tmp_path / "places.txt").write_text("Mount\tVernon\nAlexandria\n")
    options = dict(corpora=["corpus.txt"], punctuation=0.0, numbers=0.0, capitalize=0.0, upper=0.0)
    sampler = FrequencySampler(
        FrequencySampler.Options(**options, extra_words=["places.txt"], extra_share=0.25)
    )
    sampler.prepare(_context(tmp_path))
    rng = random.Random(0)
    draws = Counter(sampler.sample(rng) for _ in range(4000))
    assert 0.21 < (draws["Mount"] + draws["Alexandria"]) / 4000 < 0.29
    lexicon = sampler.lexicon()
    assert lexicon["Alexandria"] == pytest.approx(0.125) and sum(lexicon.values()) == pytest.approx(1.0)
    missing = FrequencySampler(FrequencySampler.Options(**options, extra_words=["none.txt"]))
    with pytest.raises(DataError, match=r"none\.txt: cannot read word list .*corpus\.extra_words"):
        missing.prepare(_context(tmp_path))


def test_words_keep_the_case_and_marks_of_a_corpus_that_has_them(tmp_path: Path) -> None:
    """Capitals and marks are put back only where the words came folded to bare lowercase."""
    (tmp_path / "text.txt").write_text("Letters, Orders and Instructions. October 1755\n")
    (tmp_path / "folded.txt").write_text("letters orders and instructions\n")
    always = dict(numbers=0.0, capitalize=1.0, upper=0.0, punctuation=1.0)

    def draws(corpus: str) -> set[str]:
        sampler = FrequencySampler(FrequencySampler.Options(corpora=[corpus], **always))
        sampler.prepare(_context(tmp_path))
        return {sampler.sample(random.Random(i)) for i in range(200)}

    assert draws("text.txt") == {"Letters,", "Orders", "and", "Instructions.", "October", "1755"}
    folded = draws("folded.txt")
    assert {word.rstrip(".,;:") for word in folded} == {"Letters", "Orders", "And", "Instructions"}
    assert all(word[-1] in ".,;:" for word in folded)
