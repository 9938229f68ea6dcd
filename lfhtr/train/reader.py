"""The one path from images to readings: a recogniser, its decoding, and optionally the corpus lexicon.

Evaluate, transcribe, the pretraining and adaptation monitors and adaptation's pseudo-labels all read
through a ``Reader``, so greedy, beam and lexicon decoding mean the same thing everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from lfhtr.core.interfaces import Reading, TextSampler
from lfhtr.core.settings import DecodeSettings
from lfhtr.errors import CheckpointError
from lfhtr.pipeline import build_sampler
from lfhtr.session import Session
from lfhtr.train.lexicon import Lexicon
from lfhtr.train.recognizer import Recognizer


def load_recognizer(session: Session, path: Path, device: torch.device) -> Recognizer:
    recognizer, _state, meta = Recognizer.from_checkpoint(path, device)
    if recognizer.charset != session.charset:
        raise CheckpointError(
            f"{path}: trained for charset {recognizer.charset.chars!r}, but the spec's charset differs; "
            "use the spec the model was trained with or retrain."
        )
    recognizer.origin = f"{path} ({meta.get('stage', '?')}, step {meta.get('step', '?')})"
    return recognizer


GREEDY = DecodeSettings(method="greedy", lexicon=False)


@dataclass
class Reader:
    recognizer: Recognizer
    decode: DecodeSettings = field(default_factory=lambda: GREEDY)
    lexicon: Lexicon | None = None
    batch_size: int = 64

    @property
    def decoding(self) -> str:
        """How this reader decodes, for reports: e.g. 'beam (width 10) + lexicon'."""
        method = self.decode.method + (
            f" (width {self.decode.beam_width})" if self.decode.method == "beam" else ""
        )
        return method + (" + lexicon" if self.lexicon is not None else "")

    def read(self, images: Sequence[np.ndarray]) -> list[Reading]:
        """Readings in input order; with a lexicon each is the corpus word the image supports best."""
        readings, outputs = self.recognizer.read(
            images,
            self.batch_size,
            self.decode.method,
            self.decode.beam_width,
            keep_outputs=self.lexicon is not None,
        )
        if self.lexicon is None:
            return readings
        return [self.lexicon.snap(lp, n, r) for (lp, n), r in zip(outputs, readings)]


def reader_for(
    session: Session,
    recognizer: Recognizer,
    decode: DecodeSettings,
    batch_size: int,
    requested_by: str,
    sampler: TextSampler | None = None,
) -> Reader:
    """A reader decoding as ``decode`` says; the lexicon comes from ``sampler`` (prepared) or the spec's.

    ``requested_by`` is the spec field that asked for the lexicon, named in the error when the corpus has
    no word list.
    """
    lexicon = None
    if decode.lexicon:
        lexicon = Lexicon.from_sampler(
            sampler or build_sampler(session), recognizer.charset, f"{session.source}: {requested_by}"
        )
    return Reader(recognizer, decode, lexicon, batch_size)
