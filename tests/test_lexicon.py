"""Lexicon-constrained decoding on hand-made CTC outputs, where the right answer is known."""

from __future__ import annotations

import pytest
import torch

from lfhtr.core.interfaces import Reading
from lfhtr.reading import lexicon as lexicon_module
from lfhtr.reading.lexicon import Lexicon
from lfhtr.text.charset import DEFAULT_CHARSET, Charset
from lfhtr.train.alignment import label_frames

CHARSET = Charset(DEFAULT_CHARSET)


def ctc_frames(columns: list[dict[str, float]], charset: Charset = CHARSET) -> torch.Tensor:
    """[T, C] log-probs: each column gives its characters' probabilities, a blank frame follows it."""
    frames = []
    for column in columns:
        for spread in (column, {}):
            p = torch.full((charset.num_classes,), 1e-4)
            for ch, value in spread.items():
                p[charset.encode(ch)[0]] = value
            p[0] = max(1e-4, 1.0 - float(p.sum()))
            frames.append(p / p.sum())
    return torch.stack(frames).log()


def clear(text: str, p: float = 0.9) -> list[dict[str, float]]:
    return [{ch: p} for ch in text]


def test_a_misread_snaps_to_the_word_the_image_supports() -> None:
    lexicon = Lexicon({"house": 0.4, "horse": 0.4, "mouse": 0.2}, CHARSET)
    columns = clear("house")
    columns[1] = {"a": 0.55, "o": 0.4}  # the reading says "hause"
    log_probs = ctc_frames(columns)
    snapped = lexicon.snap(log_probs, len(log_probs), Reading("hause", 0.95))
    assert snapped.text == "house"
    assert snapped.confidence > 0.85


def test_a_long_word_read_with_several_errors_is_still_found() -> None:
    """Three edits away: beyond the delete index, found through shared character bigrams."""
    word, reading = "representatives", "reprcsemtativs"
    lexicon = Lexicon({word: 0.5, "presentation": 0.5}, CHARSET)
    assert word in lexicon.candidates(reading)
    columns = [{ch: 0.5, alt: 0.4} for ch, alt in zip(word, "reprcsemtativess")]
    log_probs = ctc_frames(columns)
    assert lexicon.snap(log_probs, len(log_probs), Reading(reading, 0.1)).text == word


def test_case_punctuation_and_numbers_are_kept() -> None:
    lexicon = Lexicon({"orders": 1.0}, CHARSET)
    columns = clear("Ordirs,")
    columns[3] = {"i": 0.5, "e": 0.45}
    log_probs = ctc_frames(columns)
    assert lexicon.snap(log_probs, len(log_probs), Reading("Ordirs,", 0.5)).text == "Orders,"
    number = Reading("1755.", 0.8)
    assert lexicon.snap(ctc_frames(clear("1755.")), 10, number) is number


def test_an_image_that_clearly_says_an_unknown_word_keeps_it() -> None:
    lexicon = Lexicon({"washing": 0.5, "washed": 0.5}, CHARSET)
    log_probs = ctc_frames(clear("Washington", 0.999))
    assert lexicon.snap(log_probs, len(log_probs), Reading("Washington", 0.99)).text == "Washington"


@pytest.mark.parametrize("share", [0.5, 0.52])
def test_confidence_is_low_when_two_words_explain_the_image_equally(share: float) -> None:
    lexicon = Lexicon({"house": 0.5, "horse": 0.5}, CHARSET)
    columns = clear("house")
    columns[2] = {"u": share, "r": 1 - share - 0.01}
    log_probs = ctc_frames(columns)
    snapped = lexicon.snap(log_probs, len(log_probs), Reading("house", 0.9))
    assert snapped.text == "house"
    assert 0.4 < snapped.confidence < 0.6
    assert [text for text, _ in snapped.alternatives] == ["horse"]


def test_a_hyphenated_compound_is_snapped_part_by_part() -> None:
    lexicon = Lexicon({"mount": 0.5, "vernon": 0.3, "vernal": 0.2}, CHARSET)
    columns = clear("Mount-Vernon")
    columns[10] = {"a": 0.55, "o": 0.4}  # read "Mount-Vernan"
    log_probs = ctc_frames(columns)
    snapped = lexicon.snap(log_probs, len(log_probs), Reading("Mount-Vernan", 0.9))
    assert snapped.text == "Mount-Vernon"
    assert snapped.alternatives and all(text.startswith("Mount-Vern") for text, _ in snapped.alternatives)


def test_a_frequent_word_the_image_does_not_support_does_not_replace_the_reading() -> None:
    """One clear letter against the only lexicon word: the prior would win, but the image says otherwise,
    and the low confidence says the reading is doubtful."""
    lexicon = Lexicon({"house": 1.0}, CHARSET)
    log_probs = ctc_frames(clear("hovse"))
    snapped = lexicon.snap(log_probs, len(log_probs), Reading("hovse", 0.9))
    assert snapped.text == "hovse"
    assert snapped.confidence < 0.5 * 0.9
    assert snapped.alternatives[0][0] == "house"


def test_a_reading_no_word_comes_near_is_only_as_sure_as_the_image_is_legible() -> None:
    lexicon = Lexicon({"washing": 0.5, "washed": 0.5}, CHARSET)
    log_probs = ctc_frames(clear("Washington", 0.999))
    assert lexicon.snap(log_probs, len(log_probs), Reading("Washington", 0.3)).confidence == pytest.approx(
        0.3
    )


def test_a_line_is_snapped_word_by_word_and_its_confidence_does_not_shrink_with_its_length() -> None:
    lines = Charset(DEFAULT_CHARSET + " ")
    lexicon = Lexicon({"the": 0.4, "house": 0.3, "horse": 0.2, "of": 0.1}, lines)
    columns = clear("the hause of Washington,", 0.95)
    columns[5] = {"a": 0.55, "o": 0.4}  # read "hause"
    log_probs = ctc_frames(columns, lines)
    snapped = lexicon.snap(log_probs, len(log_probs), Reading("the hause of Washington,", 0.9))
    assert snapped.text == "the house of Washington,"  # the name is kept as read, its comma too
    assert snapped.confidence > 0.5  # the mean of its words' confidences, not their product
    assert "the horse of Washington," in [text for text, _ in snapped.alternatives]


def test_the_path_that_reads_a_text_gives_each_character_its_frames() -> None:
    log_probs = ctc_frames(clear("good"))  # a blank frame after each character's
    assert label_frames(log_probs, CHARSET.encode("good")) == [(0, 0), (2, 2), (4, 4), (6, 6)]
    squeezed = ctc_frames(clear("go"))  # 4 frames cannot read "good": its two o's need a blank between
    assert label_frames(squeezed, CHARSET.encode("good")) is None


def test_a_long_line_is_snapped_as_if_each_word_were_weighed_in_the_whole_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each word's candidates are scored on the frames of the word and its neighbours only; far words
    read the same whatever the candidate, so texts and posteriors are those of the whole line's."""
    lines = Charset(DEFAULT_CHARSET + " ")
    lexicon = Lexicon({"the": 0.3, "house": 0.2, "horse": 0.2, "of": 0.1, "mount": 0.1, "vernon": 0.1}, lines)
    read = "the hause of the horse of Mount Vernan"
    columns = clear(read, 0.95)
    columns[5] = {"a": 0.55, "o": 0.4}
    columns[19] = {"r": 0.5, "u": 0.45}
    columns[36] = {"a": 0.55, "o": 0.4}
    log_probs = ctc_frames(columns, lines)
    windowed = lexicon.snap(log_probs, len(log_probs), Reading(read, 0.9))
    monkeypatch.setattr(lexicon_module, "CONTEXT_WORDS", 100)
    whole = lexicon.snap(log_probs, len(log_probs), Reading(read, 0.9))
    assert windowed.text == whole.text == "the house of the horse of Mount Vernon"
    assert windowed.confidence == pytest.approx(whole.confidence, rel=1e-6)
    assert [text for text, _ in windowed.alternatives] == [text for text, _ in whole.alternatives]
    for (_, ours), (_, theirs) in zip(windowed.alternatives, whole.alternatives):
        assert ours == pytest.approx(theirs, rel=1e-6)


def test_a_word_is_weighed_on_its_own_frames_and_its_neighbours_spaces_included() -> None:
    lines = Charset(DEFAULT_CHARSET + " ")
    log_probs = ctc_frames(clear("aa bb cc dd"), lines)  # character i on frame 2i, a blank after it
    windows = lexicon_module._windows(log_probs, len(log_probs), "aa bb cc dd", lines)
    first, third = windows[0], windows[2]
    assert (first.first, first.last, first.start, first.end) == (0, 1, 0, 12)  # up to the c's
    assert (first.lead, first.trail) == ("", " ")
    assert (third.first, third.last, third.start, third.end) == (1, 3, 3, len(log_probs))  # after the last a
    assert (third.lead, third.trail) == (" ", "")
    short = lexicon_module._windows(log_probs[:10], 10, "aa bb", lines)  # no longer than a window
    assert [(w.first, w.last, w.start, w.end, w.lead, w.trail) for w in short] == [(0, 1, 0, 10, "", "")] * 2
