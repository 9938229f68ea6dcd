"""The lexicon's character model and the beam search it guides, on hand-made CTC outputs."""

from __future__ import annotations

import math

import torch

from lfhtr.core import plugins
from lfhtr.core.interfaces import Reading
from lfhtr.core.settings import DecodeSettings
from lfhtr.reading.charmodel import CharModel, guided_beam
from lfhtr.reading.lexicon import Lexicon
from lfhtr.text.charset import DEFAULT_CHARSET, Charset
from lfhtr.train.decoding import beam
from tests.test_lexicon import clear, ctc_frames

CHARSET = Charset(DEFAULT_CHARSET + " ")

WORDS = {"of": 0.3, "the": 0.4, "house": 0.2, "horse": 0.1}


def _spelled(model: CharModel, text: str) -> float:
    context, total = model.start(), 0.0
    for char in text:
        step, context = model.step(context, char)
        total += step
    return total + model.finish(context)


def test_the_character_model_prefers_the_spelling_and_word_ends_of_its_words() -> None:
    model = Lexicon(WORDS, CHARSET).char_model
    assert _spelled(model, "the") > _spelled(model, "tbe")
    assert _spelled(model, "house") > _spelled(model, "hou")  # a word does not end after "hou"
    assert _spelled(model, "The") == _spelled(model, "the")  # case is the network's to read
    assert _spelled(model, "the,") == _spelled(model, "the")  # a mark ends the word, and costs nothing more
    assert _spelled(model, "hovse") > -math.inf  # an unknown spelling is unlikely, never impossible


def test_without_the_model_the_search_is_a_ctc_beam_search() -> None:
    torch.manual_seed(0)
    log_probs = torch.randn(30, CHARSET.num_classes).mul(3).log_softmax(-1)
    model = Lexicon(WORDS, CHARSET).char_model
    found = guided_beam(log_probs, 30, CHARSET, model, weight=0.0, bonus=0.0, width=10)
    assert found.text == CHARSET.decode(beam(log_probs, 30, 10))


def test_a_space_the_network_half_saw_is_kept_where_the_words_spell_on_either_side() -> None:
    columns = clear("ofthe")
    columns.insert(2, {" ": 0.45})  # the blank wins this frame: the best path reads "ofthe"
    log_probs = ctc_frames(columns, CHARSET)
    lexicon = Lexicon(WORDS, CHARSET)
    guided = guided_beam(log_probs, len(log_probs), CHARSET, lexicon.char_model, 0.2, 1.0, 10)
    assert guided.text == "of the"
    assert lexicon.snap(log_probs, len(log_probs), guided).text == "of the"
    unguided = Reading(CHARSET.decode(beam(log_probs, len(log_probs), 10)), 0.5)
    assert unguided.text == "ofthe" and lexicon.snap(log_probs, len(log_probs), unguided).text != "of the"


def test_a_clear_reading_is_not_overruled_and_repeated_letters_stay() -> None:
    lexicon = Lexicon({**WORDS, "all": 0.1, "vale": 0.1}, CHARSET)
    log_probs = ctc_frames(clear("Hovsall,", 0.99), CHARSET)
    guided = guided_beam(log_probs, len(log_probs), CHARSET, lexicon.char_model, 0.2, 1.0, 10)
    assert guided.text == "Hovsall,"
    assert 0.5 < guided.confidence <= 1.0


def test_self_training_reads_its_pseudo_labels_with_the_character_model_unless_told_not_to() -> None:
    default = plugins.build("adapter", "self-training", {}).decoding()
    assert default.char_model == DecodeSettings().char_model > 0
    assert plugins.build("adapter", "self-training", {"char_model": 0}).decoding().char_model == 0
