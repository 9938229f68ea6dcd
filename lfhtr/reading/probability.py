"""The probability that a reading is right: what a user needs to choose the words and lines to proofread.

The network's own probabilities are sharper than its accuracy on a hand it never saw, and a lexicon
posterior weighs only the few words it compared, so neither is a probability of being right
(docs/results.md). Label-free corrections bring them close to one:

- views: the image is read again narrower and wider, with thicker, thinner and blurred ink, and a text's
  probability is its mean over the views, so a reading that holds only for one look loses what it does
  not deserve;
- rivals: a lexicon word competes with its candidates and with its own spellings (case, leading and
  trailing marks), which the lexicon does not decide, and with everything else the network could read,
  weighed by the prior of a word the lexicon does not know; the network's odds between them are
  softened (``SHARPNESS``), since a case or a comma it misreads it misreads in every view;
- the language, where the lexicon's character model guided the reading and the lexicon did not decide
  it (no word of the lexicon, or several words or parts): such a reading (a name, a compound, an old
  spelling) is as likely as its spelling, not as any garble. Each text weighs by its prior under the
  lexicon and the character model together (``Lexicon.open_log_prior``), raised to the weight the search
  gave the model, and everything else the network could read is drawn from its outputs (``DRAWN`` paths
  a view, the same for the same image) and weighed the same way, so a long name spelled as the language
  spells is not drowned by the thousands of misspellings the network spreads its probability over.

A line is almost never exactly right (one wrong character in forty is enough), so the probability of
the whole line being right would be near 0 for most lines and tell none apart. A line's confidence is
instead the expected share of its characters that are right: one minus how much of the reading the
network's readings of the other views change (their edit distance to it, per character, averaged).

Self-training ranks its pseudo-labels by the per-character score the decoders give instead: it must not
prefer short words, and it needs no extra views.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import torch
from PIL import Image, ImageFilter

from lfhtr.core.interfaces import Reading
from lfhtr.reading.lexicon import Lexicon
from lfhtr.reading.metrics import edit_distance
from lfhtr.text.charset import Charset
from lfhtr.train.alignment import character_probabilities
from lfhtr.train.decoding import texts_log_likelihood
from lfhtr.train.recognizer import Recognizer

STRETCHES = (0.8, 1.25)
"""The widths, besides the image's own, at which every image is read again."""

INK_CHANGES = (ImageFilter.MinFilter(3), ImageFilter.MaxFilter(3), ImageFilter.GaussianBlur(1))
"""The other looks of every image: ink thicker, thinner, blurred."""

VIEWS = len(STRETCHES) + len(INK_CHANGES)
"""How many times every image is read again."""

CONTENDERS = 20
"""Rivals weighed over every view: the most probable ones on the image's own view."""

SHARPNESS = 0.7
"""The power a lexicon word's rivals' probabilities are raised to before their priors weigh them. The
network tells a word from its other cases and near spellings more sharply than it reads them right
(``Orders`` read ``orders`` in every view), so its odds are softened; docs/results.md has the
figures."""

DRAWN = 64
"""CTC paths drawn from each view to weigh, by their priors, what the network could read besides the
rivals."""

View = tuple[torch.Tensor, int]
"""One reading of an image: its [T, C] log-probabilities and how many frames count."""


def views(
    recognizer: Recognizer,
    images: Sequence[np.ndarray],
    batch_size: int,
    own: list[View],
    on_batch: Callable[[int], object] | None = None,
) -> tuple[list[list[View]], list[list[str]]]:
    """Each image's views, its ``own`` reading first (the outputs it gives at the other widths and inks),
    and the texts the network reads at those others; ``on_batch(n)`` after each batch of each view."""
    others = [
        recognizer.read(images, batch_size, keep_outputs=True, on_batch=on_batch, stretch=s)
        for s in STRETCHES
    ]
    for change in INK_CHANGES:
        changed = [np.asarray(Image.fromarray(image).filter(change)) for image in images]
        others.append(recognizer.read(changed, batch_size, keep_outputs=True, on_batch=on_batch))
    seen = [[view, *(outputs[i] for _, outputs in others)] for i, view in enumerate(own)]
    read = [[readings[i].text for readings, _ in others] for i in range(len(own))]
    return seen, read


def text_probabilities(views: Sequence[View], texts: Sequence[str], charset: Charset) -> list[float]:
    """P(text | image) under CTC for each of ``texts``, averaged over the ``views`` of one image."""
    return [total / len(views) for total in _summed_likelihoods(views, texts, charset)]


def _summed_likelihoods(views: Sequence[View], texts: Sequence[str], charset: Charset) -> list[float]:
    """P(text | view) under CTC for each of ``texts``, summed over ``views``."""
    labels = [charset.encode(text) if text and charset.covers(text) else [] for text in texts]
    readable = [i for i, label in enumerate(labels) if label]
    totals = [0.0] * len(texts)
    for log_probs, length in views:
        if not readable or length == 0:
            continue
        likelihoods = texts_log_likelihood(log_probs, length, [labels[i] for i in readable]).tolist()
        for i, value in zip(readable, likelihoods):
            totals[i] += math.exp(value) if math.isfinite(value) else 0.0
    return totals


def probable(
    reading: Reading,
    raw: Reading,
    views: Sequence[View],
    charset: Charset,
    lexicon: Lexicon | None,
    language_weight: float = 0.0,
) -> Reading:
    """``reading`` with its confidence (and its alternatives') the probability of being what is written.

    ``raw`` is the network's own reading, before the lexicon; ``views`` the image's outputs, its own first;
    ``language_weight`` the weight of the language's prior (the lexicon and its character model) for a
    reading the lexicon did not decide (0: none, the network's probability alone).
    """
    rivals = lexicon.rivals(reading.text, raw.text) if lexicon is not None else None
    if lexicon is not None and language_weight > 0 and (rivals is None or not lexicon.knows(reading.text)):
        listed = {reading.text, raw.text, *(rivals or {}), *(text for text, _ in reading.alternatives)}
        return _probable_in_language(reading, listed, views, charset, lexicon, language_weight)
    if lexicon is None or rivals is None:
        texts = [reading.text, *(text for text, _ in reading.alternatives)]
        found = dict(zip(texts, text_probabilities(views, texts, charset)))
        return _rescored(reading, found)
    own = dict(zip(rivals, _summed_likelihoods(views[:1], list(rivals), charset)))
    ranked = sorted(own, key=lambda text: (-own[text] * math.exp(rivals[text]), text))
    weighed = {reading.text, *ranked[:CONTENDERS]}
    for text, _ in reading.alternatives:
        rivals.setdefault(text, lexicon.weighted_prior(text))
        weighed.add(text)
    texts = sorted(weighed)
    unscored = [text for text in texts if text not in own]
    own.update(zip(unscored, _summed_likelihoods(views[:1], unscored, charset)))
    others = dict(zip(texts, _summed_likelihoods(views[1:], texts, charset)))
    likely = {text: (own[text] + others[text]) / len(views) for text in texts}
    rest = max(0.0, 1.0 - sum(likely.values())) ** SHARPNESS
    evidence = {text: p**SHARPNESS * math.exp(rivals[text]) for text, p in likely.items()}
    total = sum(evidence.values()) + rest * math.exp(lexicon.unknown_log_prior)
    return _rescored(reading, {text: e / total if total > 0 else 0.0 for text, e in evidence.items()})


def _probable_in_language(
    reading: Reading,
    listed: set[str],
    views: Sequence[View],
    charset: Charset,
    lexicon: Lexicon,
    weight: float,
) -> Reading:
    """``probable`` for a reading the lexicon did not decide: each text's probability over the views times
    its prior under the language (``Lexicon.open_log_prior``, to the power ``weight``), over the same
    summed for the ``listed`` rivals and, estimated from paths drawn from the views, for everything else."""
    texts = sorted(text for text in listed if charset.covers(text))
    likely = dict(zip(texts, text_probabilities(views, texts, charset)))

    def prior(text: str) -> float:
        return math.exp(weight * lexicon.open_log_prior(text))

    evidence = {text: p * prior(text) for text, p in likely.items()}
    drawn = drawn_texts(views, charset)
    others = Counter(text for text in drawn if text not in likely)
    rest = sum(count * prior(text) for text, count in others.items()) / max(1, len(drawn))
    total = sum(evidence.values()) + rest
    return _rescored(reading, {text: e / total if total > 0 else 0.0 for text, e in evidence.items()})


def drawn_texts(views: Sequence[View], charset: Charset) -> list[str]:
    """``DRAWN`` texts from each view, each the collapse of a path drawn frame by frame from its CTC output:
    a sample of what the network could read there. Always the same for the same views."""
    generator = torch.Generator().manual_seed(0)
    texts = []
    for log_probs, length in views:
        if length == 0:
            continue
        paths = torch.multinomial(
            log_probs[:length].float().exp(), DRAWN, replacement=True, generator=generator
        ).T
        changed = torch.ones_like(paths, dtype=torch.bool)
        changed[:, 1:] = paths[:, 1:] != paths[:, :-1]
        kept = changed & (paths != 0)
        texts += [charset.decode(path[mask].tolist()) for path, mask in zip(paths, kept)]
    return texts


def probable_line(reading: Reading, own: View, others: Sequence[str], charset: Charset) -> Reading:
    """``reading`` of a line with its confidence the expected share of its characters that are right:
    what the network reads at the ``others`` views, set against it.

    A doubt every view shares is not seen that way (a barely trained model reads every line as the same
    wrong letter at every width), so the mean probability the network gives the text's own characters,
    on the image's ``own`` view, bounds it: on real hands that mean is the higher of the two. The
    reading's ``characters``, where it holds them, are those probabilities already.

    The alternatives keep the decoding's odds against the reading: the other views are read without the
    lexicon, so measured against them a runner-up that keeps the network's own misspelling would look
    surer than the lexicon's correction the decoding chose.
    """
    log_probs, frames = own
    characters = reading.characters or text_characters(log_probs[:frames], reading.text, charset)
    confidence = min(_characters_right(reading.text, others), _mean(characters))
    odds = [
        min(1.0, p / reading.confidence) if reading.confidence > 0 else 0.0 for _, p in reading.alternatives
    ]
    alternatives = tuple((text, confidence * o) for (text, _), o in zip(reading.alternatives, odds))
    return replace(reading, confidence=confidence, alternatives=alternatives)


def _characters_right(text: str, others: Sequence[str]) -> float:
    """One minus the mean edit distance of ``others`` to ``text``, per character of ``text``; 0 for an
    empty reading, which a line found on a page never rightly is."""
    if not others or not text:
        return 0.0
    changed = sum(edit_distance(other, text) for other in others) / len(others)
    return max(0.0, 1.0 - changed / len(text))


def text_characters(log_probs: torch.Tensor, text: str, charset: Charset) -> tuple[float, ...]:
    """Each character's probability on the best CTC path of ``text`` through ``log_probs``; none where
    the charset cannot write ``text``."""
    return character_probabilities(log_probs, charset.encode(text)) if charset.covers(text) else ()


def _mean(probabilities: Sequence[float]) -> float:
    return sum(probabilities) / len(probabilities) if probabilities else 0.0


def _rescored(reading: Reading, probabilities: dict[str, float]) -> Reading:
    """The reading with ``probabilities`` for itself and for those of its alternatives they hold."""
    alternatives = sorted(
        ((text, probabilities[text]) for text, _ in reading.alternatives if text in probabilities),
        key=lambda alternative: -alternative[1],
    )
    return replace(reading, confidence=probabilities.get(reading.text, 0.0), alternatives=tuple(alternatives))
