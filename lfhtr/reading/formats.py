"""What readings become on disk: TSV, JSON or plain text for word and line images, and the list of
readings to proofread. `lfhtr read`, `lfhtr run transcribe` and the page writer all build their rows here,
so a reading has the same fields wherever it is written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from lfhtr import tsv
from lfhtr.core.interfaces import Reading
from lfhtr.errors import DataError

ImageFormat = Literal["tsv", "json", "txt"]
IMAGE_FORMATS: tuple[ImageFormat, ...] = ("tsv", "json", "txt")


def reading_fields(reading: Reading, review_below: float | None = None) -> dict[str, Any]:
    """A reading as JSON fields: its text, confidence, alternatives (best first), each character's
    probability where it was measured, and whether it is to be reviewed when a threshold is given."""
    fields: dict[str, Any] = {"text": reading.text, "confidence": round(reading.confidence, 4)}
    if review_below is not None:
        fields["review"] = reading.confidence < review_below
    fields["alternatives"] = [[text, round(p, 4)] for text, p in reading.alternatives]
    if reading.characters:
        fields["characters"] = [[ch, round(p, 4)] for ch, p in zip(reading.text, reading.characters)]
    return fields


def readings_document(
    names: Sequence[str], readings: Sequence[Reading], format: ImageFormat, review_below: float | None = None
) -> str:
    """One file of readings: TSV (``file``, ``text``, ``confidence`` and ``review`` with a threshold),
    JSON (every field of ``reading_fields``) or plain text (the texts, one a line, in input order)."""
    if format == "json":
        rows = [{"file": name, **reading_fields(r, review_below)} for name, r in zip(names, readings)]
        return json.dumps(rows, indent=1, ensure_ascii=False) + "\n"
    if format == "txt":
        return "".join(r.text + "\n" for r in readings)
    if review_below is None:
        return tsv.row("file", "text", "confidence") + "".join(
            tsv.row(name, r.text, f"{r.confidence:.4f}") for name, r in zip(names, readings)
        )
    return tsv.row("file", "text", "confidence", "review") + "".join(
        tsv.row(name, r.text, f"{r.confidence:.4f}", "yes" if r.confidence < review_below else "no")
        for name, r in zip(names, readings)
    )


def review_list(names: Sequence[str], readings: Sequence[Reading], review_below: float) -> str:
    """The readings to proofread, least confident first: a TSV of ``file``, ``text``, ``confidence``."""
    below = sorted(
        (r.confidence, name, r.text) for name, r in zip(names, readings) if r.confidence < review_below
    )
    return tsv.row("file", "text", "confidence") + "".join(
        tsv.row(name, text, f"{confidence:.4f}") for confidence, name, text in below
    )


PAGE_FORMATS = ("page", "alto", "txt", "json", "hocr")
DEFAULT_PAGE_FORMATS = ("page", "alto", "txt", "json")


def image_format(asked: str | None, output: Path | None) -> ImageFormat:
    """The format of readings of word or line images: as asked, else the output's suffix, else TSV."""
    chosen = asked or (output.suffix.lower().lstrip(".") if output is not None else "tsv")
    if chosen in IMAGE_FORMATS:
        return chosen
    if asked is None:
        return "tsv"
    raise DataError(
        f"--format {asked}: word and line images are read into one of {', '.join(IMAGE_FORMATS)}."
    )


def page_formats(asked: str | None) -> tuple[str, ...]:
    """The files written per page scan: a comma list of ``PAGE_FORMATS``; PAGE-XML always, since it holds
    the lines found."""
    if asked is None:
        return DEFAULT_PAGE_FORMATS
    chosen = [name.strip() for name in asked.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in PAGE_FORMATS]
    if unknown or not chosen:
        raise DataError(f"--format {asked}: page scans are written as any of {','.join(PAGE_FORMATS)}.")
    return tuple(dict.fromkeys(["page", *chosen]))
