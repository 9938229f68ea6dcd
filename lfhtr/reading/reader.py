"""The one path from images to readings: a recogniser, its decoding, and optionally the corpus lexicon.

Evaluate, transcribe, the pretraining and adaptation monitors and adaptation's pseudo-labels all read
through a ``Reader``, so greedy, beam and lexicon decoding mean the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Union

import numpy as np
import torch
from PIL import Image

from lfhtr import modelfile, pretrained
from lfhtr.core import plugins
from lfhtr.core.interfaces import BuildContext, Reading, Segmenter, TextSampler
from lfhtr.core.settings import DecodeSettings
from lfhtr.errors import CheckpointError
from lfhtr.imaging.folder import load_word_image, prepare_word_image
from lfhtr.jsoncache import cache_dir
from lfhtr.log import log
from lfhtr.pages.segment import build_segmenter
from lfhtr.pipeline import build_sampler
from lfhtr.progress import progress
from lfhtr.reading.charmodel import guided_beam
from lfhtr.reading.formats import DEFAULT_PAGE_FORMATS
from lfhtr.reading.lexicon import Lexicon
from lfhtr.reading.pagereader import PageReading, read_pages
from lfhtr.reading.probability import VIEWS, View, probable, probable_line, text_characters, views
from lfhtr.session import Session
from lfhtr.text.charset import Charset
from lfhtr.text.latin import languages_of
from lfhtr.train.recognizer import Recognizer


def load_recognizer(session: Session, path: Path, device: torch.device) -> Recognizer:
    recognizer, _meta = Recognizer.load(path, device)
    if recognizer.charset != session.charset:
        raise CheckpointError(
            f"{path}: trained for charset {recognizer.charset.chars!r}, but the spec's charset differs; "
            f"{_charset_fix(path)}"
        )
    return recognizer


def _charset_fix(path: Path) -> str:
    """How to get a spec that reads ``path``: a model file names its own spec (``init --from``), where a
    checkpoint can only be read with the spec that trained it."""
    if path.suffix != modelfile.SUFFIX:
        return "use the spec the model was trained with or retrain."
    name = next((s.name for s in pretrained.available().values() if s.path == path), str(path))
    return (
        f"write a spec with the model's charset: lfhtr init SPEC --from {name} (with --language for its "
        "word list), or retrain."
    )


GREEDY = DecodeSettings(method="greedy", lexicon=False)


WordImage = Union[str, Path, Image.Image, np.ndarray]  # noqa: UP007
"""A word to read: a file, a Pillow image, or an array (uint8 at the model's height is taken as is)."""


@dataclass
class Reader:
    """Reads word images (line images, for a line model): ``Reader.load("en").read(["a.png", pil_image])``.

    The public entry point for reading from Python; every stage reads through it too.
    """

    recognizer: Recognizer
    decode: DecodeSettings = field(default_factory=lambda: GREEDY)
    lexicon: Lexicon | None = None
    batch_size: int = 64
    characters: bool = False
    """Give each reading its characters' probabilities (where to proofread), at the cost of keeping
    every image's model output until it is read."""
    probability: bool = False
    """Make each reading's confidence the probability that it is right (``lfhtr.reading.probability``),
    at the cost of reading every image five more times; without it, the decoders' per-character
    score, which ranks readings but is no probability."""

    @classmethod
    def load(
        cls,
        model: str | Path = "en",
        device: str = "cpu",
        lexicon: bool = True,
        method: Literal["greedy", "beam"] = "greedy",
        batch_size: int = 64,
        language: str | None = None,
        characters: bool = False,
        probability: bool = True,
        char_model: float = DecodeSettings().char_model,
    ) -> Reader:
        """A reader for a shipped model's name (``lfhtr models``), a model file or a checkpoint.

        With ``lexicon`` (the default) it decodes with the corpus the model records, when it records
        one, or with wordfreq's word list of ``language`` (a code from ``lfhtr languages``, or several
        joined by commas to mix them); nothing is downloaded. With ``characters`` each reading also
        holds its characters' probabilities. Each reading's confidence is the probability that it is
        right; ``probability=False`` gives the faster per-character score instead. ``char_model`` is
        the weight of the lexicon's character model in the beam search before snapping (0: none).
        """
        path = pretrained.resolve(model)
        recognizer, meta = Recognizer.load(path, torch.device(device))
        words = _recorded_lexicon(path, meta, recognizer.charset, language) if lexicon else None
        decode = DecodeSettings(method=method, lexicon=words is not None, char_model=char_model)
        return cls(recognizer, decode, words, batch_size, characters, probability)

    def prepared(self, item: WordImage) -> np.ndarray:
        """``item`` as the network reads it: grey, dark ink on light paper, the model's height."""
        height = self.recognizer.height
        if isinstance(item, np.ndarray) and item.dtype == np.uint8 and item.ndim == 2 and len(item) == height:
            return item
        if isinstance(item, str | Path):
            return load_word_image(Path(item), height)
        image = item if isinstance(item, Image.Image) else Image.fromarray(np.asarray(item))
        return prepare_word_image(image, height, "image")

    def read_pages(
        self,
        scans: Sequence[str | Path],
        out: str | Path,
        segmenter: str | Segmenter = "ink-ridges",
        layouts: str | Path | None = None,
        force: bool = False,
        formats: Sequence[str] = DEFAULT_PAGE_FORMATS,
        review_below: float | None = None,
    ) -> list[PageReading]:
        """Read page scans with a line model: find their lines (with ``segmenter``, a name or an
        instance, or from the PAGE/ALTO files of ``layouts``), read them and write, per scan, PAGE-XML
        and the other ``formats`` (alto, txt, json, hocr) into ``out``; with ``review_below``, mark the
        lines less confident than that and list them in ``review.tsv``, least confident first. Returns
        each page's lines in reading order."""
        finder = build_segmenter(segmenter) if isinstance(segmenter, str) else segmenter
        found = None if layouts is None else Path(layouts)
        pages = [Path(s) for s in scans]
        return read_pages(self, pages, Path(out), finder, found, force, formats, review_below)

    @property
    def guided(self) -> bool:
        """Whether a beam search guided by the lexicon's character model reads before the snapping."""
        return self.lexicon is not None and self.decode.char_model > 0

    @property
    def decoding(self) -> str:
        """How this reader decodes, for reports: e.g. 'beam (width 10) + lexicon'."""
        if self.guided:
            return (
                f"beam (width {self.decode.beam_width}) + character model ({self.decode.char_model:g})"
                " + lexicon"
            )
        method = self.decode.method + (
            f" (width {self.decode.beam_width})" if self.decode.method == "beam" else ""
        )
        return method + (" + lexicon" if self.lexicon is not None else "")

    def read(self, images: Sequence[WordImage], task: str | None = None) -> list[Reading]:
        """Readings in input order; with a lexicon each is the corpus word the image supports best.

        With a ``task`` name the reading shows a progress bar and warns when the model reads (almost)
        nothing: an untrained model, or images that are not dark words on light paper.
        """
        prepared = [self.prepared(item) for item in images]
        if task is None:
            return self._read(prepared, lambda _: None)
        with progress("img") as bar:
            shown = bar.add_task(task, total=len(images), status=self.decoding)
            readings = self._read(prepared, lambda n: bar.advance(shown, n))
        empty = sum(not r.text for r in readings)
        if readings and empty >= 0.5 * len(readings):
            log.warning(
                f"{task}: the model read nothing in {empty} of {len(readings)} images; is it trained, and "
                "are these word images, dark ink on light paper?"
            )
        return readings

    def _read(self, images: Sequence[np.ndarray], on_batch: Callable[[int], object]) -> list[Reading]:
        # Each image passes through the first reading (or, slower, the lexicon), and with the probability
        # through every other view and the scoring: the bar counts an image done per that many passes.
        passes = 1 + (VIEWS + 1 if self.probability else 0)
        passed = shown = 0

        def advance(n: int) -> None:
            nonlocal passed, shown
            passed += n
            if passed // passes > shown:
                on_batch(passed // passes - shown)
                shown = passed // passes

        readings, outputs = self.recognizer.read(
            images,
            self.batch_size,
            "greedy" if self.guided else self.decode.method,  # the guided search reads it again
            self.decode.beam_width,
            keep_outputs=self.lexicon is not None or self.characters or self.probability,
            on_batch=None if self.lexicon else advance,
        )
        raw = readings  # the network's own reading, a rival of the lexicon's in the probability
        if self.guided:
            readings = [self._guided(lp, n) for lp, n in outputs]
        if self.lexicon is not None:
            snapped = []
            for (lp, n), reading in zip(outputs, readings):
                snapped.append(self.lexicon.snap(lp, n, reading))
                advance(1)
            readings = snapped
        if self.characters:
            readings = [self._with_characters(r, lp[:n]) for r, (lp, n) in zip(readings, outputs)]
        if self.probability:
            readings = self._probable(images, readings, raw, outputs, advance)
        return readings

    def _guided(self, log_probs: torch.Tensor, length: int) -> Reading:
        """The beam search's reading with the lexicon's character model (``lfhtr.reading.charmodel``)."""
        assert self.lexicon is not None
        settings = self.decode
        return guided_beam(
            log_probs,
            length,
            self.recognizer.charset,
            self.lexicon.char_model,
            settings.char_model,
            settings.char_bonus,
            settings.beam_width,
        )

    def _probable(
        self,
        images: Sequence[np.ndarray],
        readings: list[Reading],
        raw: list[Reading],
        outputs: list[View],
        advance: Callable[[int], None],
    ) -> list[Reading]:
        """The readings with the probability of being right as their confidence, for a line the expected
        share of its characters that are right (read at every view)."""
        seen, read = views(self.recognizer, images, self.batch_size, outputs, advance)
        charset = self.recognizer.charset
        # the language weighs what the lexicon did not decide, at the search's weight or, where the search
        # snapped its reading without the character model, at the default one
        weight = self.decode.char_model if self.guided else DecodeSettings().char_model
        scored = []
        for i, reading in enumerate(readings):
            if self.recognizer.unit == "line":
                scored.append(probable_line(reading, outputs[i], read[i], charset))
            else:
                scored.append(probable(reading, raw[i], seen[i], charset, self.lexicon, weight))
            advance(1)
        return scored

    def _with_characters(self, reading: Reading, log_probs: torch.Tensor) -> Reading:
        return replace(reading, characters=text_characters(log_probs, reading.text, self.recognizer.charset))


MOST_LANGUAGES_IN_A_LEXICON = 4
"""A model's recorded corpus mixing more languages gives no default lexicon: the words of two dozen
languages take minutes and gigabytes to index, and snap a reading to any language's look-alike."""


def _recorded_lexicon(
    path: Path, meta: dict[str, Any], charset: Charset, language: str | None = None
) -> Lexicon | None:
    """The lexicon a model file carries, else the one its corpus draws from built-in word lists; with
    ``language``, the model's corpus settings over that language's word list."""
    carried = modelfile.load_lexicon(path, meta) if modelfile.is_model_file(path) and not language else None
    if carried:
        return Lexicon(carried, charset)
    corpus = modelfile.shareable_corpus(meta.get("corpus"), path)
    if language:
        codes = languages_of(language)
        chosen = codes[0] if len(codes) == 1 else codes
        corpus = {**(corpus or {"kind": "frequency"}), "language": chosen, "corpora": []}
    if corpus is None:
        return None
    mixed = corpus.get("language")
    if not language and isinstance(mixed, list | dict) and len(mixed) > MOST_LANGUAGES_IN_A_LEXICON:
        log.warning(
            f"{path.name} learnt {len(mixed)} languages; reading without a lexicon. Give the pages' "
            "language for one (lfhtr read --language fr, or fr,la for mixed pages)."
        )
        return None
    sampler: TextSampler = plugins.build("sampler", corpus.pop("kind"), corpus)  # type: ignore[assignment]
    sampler.prepare(BuildContext(charset, cache_dir() / "corpora", 0, path.parent))
    return Lexicon.from_sampler(sampler, charset, f"{path}: corpus")


def reader_for(
    session: Session,
    recognizer: Recognizer,
    decode: DecodeSettings,
    batch_size: int,
    requested_by: str,
    sampler: TextSampler | None = None,
    probability: bool = True,
) -> Reader:
    """A reader decoding as ``decode`` says; the lexicon comes from ``sampler`` (prepared) or the spec's.

    ``requested_by`` is the spec field that asked for the lexicon, named in the error when the corpus has
    no word list; ``probability=False`` gives the per-character score instead of the probability of
    being right (``Reader.probability``).
    """
    lexicon = None
    if decode.lexicon:
        lexicon = Lexicon.from_sampler(
            sampler or build_sampler(session), recognizer.charset, f"{session.source}: {requested_by}"
        )
    return Reader(recognizer, decode, lexicon, batch_size, probability=probability)
