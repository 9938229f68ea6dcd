"""`lfhtr run transcribe`: read a folder of images, or the word or line regions of pages, into TSV, JSON
or plain text with confidences, and page XML back with the readings filled in."""

from __future__ import annotations

from pathlib import Path

from lfhtr.atomic import atomic_write
from lfhtr.core.interfaces import Reading
from lfhtr.errors import SpecError
from lfhtr.imaging.folder import load_folder
from lfhtr.log import log
from lfhtr.outputs import guard_distinct_stems
from lfhtr.pages.cut import PageRegions, load_page_regions
from lfhtr.pages.write import fill_readings, write_document
from lfhtr.reading.formats import readings_document
from lfhtr.reading.reader import load_recognizer, reader_for
from lfhtr.reading.upright import upside_down_check
from lfhtr.session import Session
from lfhtr.stages.common import default_checkpoint, setup
from lfhtr.stages.runrecord import record_start


def run(session: Session, images: str | None = None, checkpoint: str | None = None) -> Path:
    settings = session.spec.transcribe
    folder = images or settings.images
    if folder is None:
        raise SpecError(f"{session.source}: transcribe.images: set the folder of images to read.")
    device = setup(session)
    path = default_checkpoint(session, checkpoint or settings.checkpoint, "adapted", "pretrain-best")
    recognizer = load_recognizer(session, path, device)
    pages, pages_folder = None, session.output / "transcribe" / "pages"
    if settings.pages is not None:
        scans = session.resolve(folder)
        pages = load_page_regions(
            scans,
            session.page_source(scans, settings.pages, ["*"], None, upside_down_check(recognizer)),
            recognizer.height,
            ["*"],
            unit=recognizer.unit,
        )
        found = pages.found
        guard_distinct_stems([doc.xml for doc in pages.documents], pages_folder)
    else:
        found = load_folder(session.resolve(folder), recognizer.height, ["*"])
    for line in found.skipped:
        log.warning(f"skipped {line}")
    record_start(session, "transcribe")
    reader = reader_for(
        session, recognizer, settings.decode, settings.batch_size, "transcribe.decode.lexicon"
    )
    readings = reader.read(found.images, "transcribe")
    out = session.output / "transcribe" / f"transcriptions.{settings.format}"
    atomic_write(out, readings_document(found.names, readings, settings.format))
    if pages is not None:
        _write_pages(pages, dict(zip(found.names, readings)), pages_folder)
    log.info(
        f"transcribe: {len(readings)} images read with {recognizer.origin}, {reader.decoding} decoding; "
        f"{len(found.skipped)} skipped; {out}"
    )
    return out


def _write_pages(pages: PageRegions, readings: dict[str, Reading], folder: Path) -> None:
    """Each page's XML again, readings filled in, into ``folder`` (never over the input files)."""
    filled: dict[Path, dict[str, tuple[str, float]]] = {doc.xml: {} for doc in pages.documents}
    for name, reading in readings.items():
        doc, region = pages.regions[name]
        filled[doc.xml][region.id] = reading.text, reading.confidence
    for doc in pages.documents:
        target = folder / doc.xml.name
        if target.resolve() == doc.xml.resolve():
            raise SpecError(f"{doc.xml}: transcribe would overwrite its input; move transcribe.pages.")
        fill_readings(doc, filled[doc.xml], pages.unit)
        write_document(doc, target)
    log.info(f"transcribe: {len(pages.documents)} page files with readings in {folder}")
