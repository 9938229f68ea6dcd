"""`lfhtr run transcribe`: read a folder of word images into TSV or JSON with confidences."""

from __future__ import annotations

import json
from pathlib import Path

from lfhtr import tsv
from lfhtr.atomic import atomic_write
from lfhtr.errors import SpecError
from lfhtr.imaging.folder import load_folder
from lfhtr.log import log
from lfhtr.runrecord import record_start
from lfhtr.session import Session
from lfhtr.stages.common import default_checkpoint, setup
from lfhtr.train.reader import load_recognizer, reader_for


def run(session: Session, images: str | None = None, checkpoint: str | None = None) -> Path:
    settings = session.spec.transcribe
    folder = images or settings.images
    if folder is None:
        raise SpecError(f"{session.source}: transcribe.images: set the folder of images to read.")
    device = setup(session)
    path = default_checkpoint(session, checkpoint or settings.checkpoint, "adapted", "pretrain-best")
    recognizer = load_recognizer(session, path, device)
    found = load_folder(session.resolve(folder), recognizer.height, ["*"])
    for line in found.skipped:
        log.warning(f"skipped {line}")
    record_start(session, "transcribe")
    reader = reader_for(
        session, recognizer, settings.decode, settings.batch_size, "transcribe.decode.lexicon"
    )
    readings = reader.read(found.images, "transcribe")
    out = session.output / "transcribe" / f"transcriptions.{settings.format}"
    if settings.format == "json":
        rows = [
            {"file": n, "text": r.text, "confidence": round(r.confidence, 4)}
            for n, r in zip(found.names, readings)
        ]
        atomic_write(out, json.dumps(rows, indent=1, ensure_ascii=False))
    else:
        atomic_write(
            out,
            tsv.row("file", "text", "confidence")
            + "".join(tsv.row(n, r.text, f"{r.confidence:.4f}") for n, r in zip(found.names, readings)),
        )
    log.info(
        f"transcribe: {len(readings)} images read with {recognizer.origin}, {reader.decoding} decoding; "
        f"{len(found.skipped)} skipped; {out}"
    )
    return out
