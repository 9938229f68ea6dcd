"""Reading images with the decoding the spec asks for: greedy, beam, and optionally the lexicon."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from lfhtr.core.spec import DecodeSettings
from lfhtr.errors import CheckpointError
from lfhtr.session import Session
from lfhtr.synth import build_lexicon
from lfhtr.train.decoding import Reading
from lfhtr.train.recognizer import Recognizer


def load_recognizer(session: Session, path: Path, device: torch.device) -> Recognizer:
    recognizer, _state, _meta = Recognizer.from_checkpoint(path, device)
    if recognizer.charset != session.charset:
        raise CheckpointError(
            f"{path}: trained for charset {recognizer.charset.chars!r}, but the spec's charset differs; "
            "use the spec the model was trained with or retrain."
        )
    return recognizer


def read_images(
    session: Session,
    recognizer: Recognizer,
    images: Sequence[np.ndarray],
    batch_size: int,
    decode: DecodeSettings,
    stage: str,
) -> list[Reading]:
    readings, outputs = recognizer.read(
        images, batch_size, decode.method, decode.beam_width, keep_outputs=decode.lexicon
    )
    if not decode.lexicon:
        return readings
    lexicon = build_lexicon(session, f"{stage}.decode.lexicon")
    return [lexicon.snap(lp, n, r) for (lp, n), r in zip(outputs, readings)]
