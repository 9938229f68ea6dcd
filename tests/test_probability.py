"""The probability that a reading is right: averaged over views, shared with the spellings the lexicon does
not decide; for a line, the share of its characters that the other views leave as read."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch

from lfhtr.core.interfaces import Reading
from lfhtr.core.settings import DecodeSettings
from lfhtr.reading import probability, reader
from lfhtr.reading.lexicon import Lexicon
from lfhtr.reading.probability import probable, probable_line, text_probabilities
from lfhtr.reading.reader import Reader
from lfhtr.text.charset import Charset
from lfhtr.train.alignment import character_probabilities
from lfhtr.train.decoding import texts_log_likelihood

CHARSET = Charset("abcotCO.,")


def _frames(rows: list[dict[str, float]]) -> torch.Tensor:
    """[T, C] log-probs: each row gives the named characters ("" is the blank) their probability, and
    what is left to the blank."""
    table = torch.full((len(rows), CHARSET.num_classes), 1e-6)
    for t, row in enumerate(rows):
        for ch, p in row.items():
            table[t, 0 if ch == "" else CHARSET.encode(ch)[0]] = p
        table[t, 0] += max(0.0, 1 - float(table[t].sum()))
    return (table / table.sum(1, keepdim=True)).log()


def test_a_texts_probability_is_its_mean_over_the_views() -> None:
    says_cat = _frames([{"c": 0.98}, {"": 0.98}, {"a": 0.98}, {"": 0.98}, {"t": 0.98}])
    says_cot = _frames([{"c": 0.98}, {"": 0.98}, {"o": 0.98}, {"": 0.98}, {"t": 0.98}])
    alone = text_probabilities([(says_cat, 5)], ["cat", "cot"], CHARSET)
    both = text_probabilities([(says_cat, 5), (says_cot, 5)], ["cat", "cot"], CHARSET)
    assert alone[0] > 0.8 and alone[1] < 0.01
    assert both == pytest.approx([(alone[0] + alone[1]) / 2, (alone[0] + alone[1]) / 2], rel=1e-3)


def test_a_lexicon_word_shares_its_probability_with_the_case_the_image_leaves_open() -> None:
    lexicon = Lexicon({"cat": 0.5, "dog": 0.5}, CHARSET)
    frames = _frames([{"c": 0.49, "C": 0.49}, {"": 0.98}, {"a": 0.98}, {"": 0.98}, {"t": 0.98}])
    raw = Reading("cat", 0.9)
    snapped = lexicon.snap(frames, 5, raw)
    assert snapped.text == "cat" and snapped.confidence > 0.85  # the lexicon saw no rival
    weighed = probable(snapped, raw, [(frames, 5)], CHARSET, lexicon)
    assert weighed.text == "cat" and 0.4 < weighed.confidence < 0.55  # "Cat" is as likely


def test_a_word_read_without_a_trailing_mark_it_may_have_is_less_sure() -> None:
    lexicon = Lexicon({"cat": 1.0}, CHARSET)
    sure = _frames([{"c": 0.98}, {"a": 0.98}, {"t": 0.98}, {"": 0.98}, {"": 0.98}])
    comma = _frames([{"c": 0.98}, {"a": 0.98}, {"t": 0.98}, {"": 0.6, ",": 0.38}, {"": 0.98}])
    raw = Reading("cat", 0.9)
    clean = probable(lexicon.snap(sure, 5, raw), raw, [(sure, 5)], CHARSET, lexicon)
    doubtful = probable(lexicon.snap(comma, 5, raw), raw, [(comma, 5)], CHARSET, lexicon)
    assert clean.confidence > 0.85 and doubtful.confidence < 0.7
    assert math.isclose(sum(text_probabilities([(comma, 5)], ["cat", "cat,"], CHARSET)), 0.9, abs_tol=0.06)


def test_a_word_competes_with_its_spellings_and_a_reading_of_several_words_with_nothing() -> None:
    lexicon = Lexicon({"cat": 0.9, "cot": 0.1}, CHARSET)
    rivals = lexicon.rivals("cat", "ca")
    assert rivals is not None and {"cat", "Cat", "cat.", "Cat,", "cot"} <= set(rivals)
    assert rivals["cat"] == rivals["Cat,"] == math.log(0.9) and rivals["cot"] == math.log(0.1)
    assert lexicon.rivals("cat cat", "cat cat") is None and lexicon.rivals("ca-t", "ca-t") is None


def _saying(text: str, sure: float = 0.999) -> tuple[torch.Tensor, int]:
    """A view whose best path reads ``text``: each character ``sure`` on its frame (the rest on "o",
    or "a" for an "o"), a blank between."""
    rows: list[dict[str, float]] = []
    for ch in text:
        rows += [{ch: sure, "a" if ch == "o" else "o": 0.999 - sure}, {"": 0.999}]
    return _frames(rows), len(rows)


def _line(reading: Reading, own: str, others: list[str], sure: float = 0.999) -> Reading:
    """``reading`` weighed as a line whose own view reads ``own`` (each character ``sure``) and whose other
    views read ``others``."""
    return probable_line(reading, _saying(own, sure), others, CHARSET)


def test_a_lines_confidence_is_the_share_of_its_characters_the_other_views_leave_as_read() -> None:
    read = Reading("cat.coat", 0.5, (("cat,coat", 0.4),))
    assert _line(read, "cat.coat", ["cat.coat"] * 5).confidence == pytest.approx(0.999, abs=1e-3)
    doubted = _line(read, "cat.coat", ["cat,coat"] * 5)  # the image's own view is not a witness
    assert doubted.confidence == pytest.approx(1 - 1 / 8)
    (alternative, its_confidence), *_ = doubted.alternatives  # the decoding's odds, 0.4 against 0.5
    assert alternative == "cat,coat" and its_confidence == pytest.approx(7 / 8 * 0.4 / 0.5)
    misspelt = _line(read, "cat,coat", ["cat,coat"] * 5)  # every view reads as the runner-up spells
    assert misspelt.confidence == pytest.approx(7 / 8, abs=1e-3)
    assert [p for _, p in misspelt.alternatives] == pytest.approx([misspelt.confidence * 0.4 / 0.5])
    one_in_five = _line(read, "cat.coat", ["cot.cat", *["cat.coat"] * 4])
    assert one_in_five.confidence == pytest.approx(1 - 2 / 8 / 5, abs=1e-3)
    shared_doubt = _line(read, "cat.coat", ["cat.coat"] * 5, sure=0.6)  # every view reads it alike, none sure
    assert shared_doubt.confidence == pytest.approx(0.6, abs=1e-3)


def test_a_lines_characters_are_aligned_once_and_bound_its_confidence_as_they_would_unasked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = [np.full((32, 120 + 40 * i), 255, np.uint8) for i in range(3)]
    for i, line in enumerate(lines):
        line[10:22, 6 : 100 + 40 * i : 9] = 0  # strokes a line model reads something in
    plain = Reader.load("en-line", lexicon=False).read(lines)
    alignments = []

    def counted(log_probs: torch.Tensor, labels: list[int]) -> tuple[float, ...]:
        alignments.append(labels)
        return character_probabilities(log_probs, labels)

    monkeypatch.setattr(probability, "character_probabilities", counted)
    with_characters = Reader.load("en-line", lexicon=False, characters=True).read(lines)
    assert [r.text for r in with_characters] == [r.text for r in plain] and all(r.text for r in plain)
    assert [r.confidence for r in with_characters] == [r.confidence for r in plain]
    assert all(len(r.characters) == len(r.text) for r in with_characters)
    assert len(alignments) == len(lines)


def test_each_view_weighs_a_words_rivals_once(monkeypatch: pytest.MonkeyPatch) -> None:
    lexicon = Lexicon({"cat": 0.9, "cot": 0.1}, CHARSET)
    views = [_saying("cat"), _saying("cot"), _saying("cat", sure=0.6)]
    raw = Reading("cat", 0.9)
    snapped = lexicon.snap(*views[0], raw)
    passes = []

    def counted(log_probs: torch.Tensor, length: int, labels: list[list[int]]) -> torch.Tensor:
        passes.append(len(labels))
        return texts_log_likelihood(log_probs, length, labels)

    monkeypatch.setattr(probability, "texts_log_likelihood", counted)
    weighed = probable(snapped, raw, views, CHARSET, lexicon)
    assert len(passes) == len(views)
    alone = text_probabilities(views, ["cat", "cot"], CHARSET)
    assert weighed.confidence == pytest.approx(alone[0] * 0.9 / (alone[0] * 0.9 + alone[1] * 0.1), abs=0.05)


def test_draws_from_a_view_sample_what_it_reads_and_are_the_same_every_time() -> None:
    sure = _saying("cat")
    assert set(probability.drawn_texts([sure], CHARSET)) == {"cat"}
    doubtful = [_saying("cat", sure=0.6)]
    drawn = probability.drawn_texts(doubtful, CHARSET)
    assert len(drawn) == probability.DRAWN and {"cat", "cot"} <= set(drawn)
    assert probability.drawn_texts(doubtful, CHARSET) == drawn


def test_a_reading_the_lexicon_does_not_decide_is_as_probable_as_the_language_spells_it() -> None:
    lexicon = Lexicon({"coat": 0.4, "boat": 0.3, "tact": 0.2, "taco": 0.1}, CHARSET)
    flat, weighed = {}, {}
    for text in ("coat.boat", "coat.boab", "ctao.btoa"):  # two words, a word and a near-word, garble
        view = _saying(text, sure=0.9)
        read = Reading(text, 0.5)
        flat[text] = probable(read, read, [view], CHARSET, lexicon).confidence
        weighed[text] = probable(read, read, [view], CHARSET, lexicon, language_weight=0.2).confidence
    assert max(flat.values()) - min(flat.values()) < 1e-4  # an unknown word's prior: the image alone decides
    assert weighed["coat.boat"] > 0.99 and 0.1 < weighed["coat.boab"] < 0.5 and weighed["ctao.btoa"] < 0.01


def test_a_lexicon_word_keeps_its_lexicon_rivals_whatever_the_language_weight() -> None:
    lexicon = Lexicon({"cat": 0.9, "cot": 0.1}, CHARSET)
    views = [_saying("cat"), _saying("cot")]
    raw = Reading("cat", 0.9)
    snapped = lexicon.snap(*views[0], raw)
    assert probable(snapped, raw, views, CHARSET, lexicon, language_weight=0.2) == probable(
        snapped, raw, views, CHARSET, lexicon
    )


def test_the_networks_odds_between_a_word_and_its_other_case_are_softened() -> None:
    lexicon = Lexicon({"cat": 1.0}, CHARSET)
    frames = _frames([{"c": 0.98, "C": 0.01}, {"": 0.99}, {"a": 0.99}, {"": 0.99}, {"t": 0.99}])
    raw = Reading("cat", 0.9)
    weighed = probable(lexicon.snap(frames, 5, raw), raw, [(frames, 5)], CHARSET, lexicon)
    odds = (0.98 / 0.01) ** probability.SHARPNESS  # "Cat" against "cat", as the network sees them, softened
    assert weighed.text == "cat" and weighed.confidence == pytest.approx(odds / (odds + 1), abs=0.02)


@pytest.mark.parametrize(("char_model", "weight"), [(0.0, DecodeSettings().char_model), (0.3, 0.3)])
def test_the_language_weighs_what_the_lexicon_leaves_open_whether_or_not_the_search_used_it(
    char_model: float, weight: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = [np.full((32, 60 + 30 * i), 255, np.uint8) for i in range(2)]
    for i, word in enumerate(words):
        word[10:22, 6 : 50 + 30 * i : 7] = 0
    weights = []

    def recorded(*args: Any) -> Reading:
        weights.append(args[5])  # language_weight
        return probable(*args)

    monkeypatch.setattr(reader, "probable", recorded)
    Reader.load("en", char_model=char_model).read(words)
    assert weights == [weight] * len(words)
