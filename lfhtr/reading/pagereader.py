"""Reading page scans end to end: find the lines, read them, write PAGE-XML, ALTO, text, JSON, hOCR.

Each scan is segmented (or its layout taken from a PAGE/ALTO file), its lines cut and straightened the
way every page set is cut, read in one pass, and written per page in the formats asked for:
``<stem>.page.xml`` (PAGE 2019) and ``<stem>.alto.xml`` (ALTO 4) with the text and ``conf`` of every
line and metadata naming lfhtr, the model and the date, ``<stem>.txt`` (the lines in reading order),
``<stem>.json`` (every line with its coordinates, confidence, alternatives and characters' probabilities)
and ``<stem>.hocr``. With a review threshold, ``review.tsv`` lists the lines to proofread.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image

from lfhtr.atomic import atomic_write
from lfhtr.core.interfaces import Reading, Segmenter
from lfhtr.core.layout import PageLayout, TextLine, TextRegion, page_box
from lfhtr.errors import DataError, UnreadableImage
from lfhtr.imaging.folder import UNREADABLE
from lfhtr.log import log
from lfhtr.outputs import guard_distinct_stems, guard_output
from lfhtr.pages.cut import PageRegions, page_lines
from lfhtr.pages.hocr import write_hocr
from lfhtr.pages.layout_xml import write_layout
from lfhtr.pages.parse import read_document
from lfhtr.pages.segment import segment_scan
from lfhtr.pages.write import fill_readings, write_document
from lfhtr.reading.formats import DEFAULT_PAGE_FORMATS, reading_fields, review_list
from lfhtr.reading.upright import reads_upside_down

PAGE_SIDE = 800
"""An image whose sides are both at least this many pixels is taken for a page scan: word and line
images are far lower than that."""
SUFFIXES = {"page": ".page.xml", "alto": ".alto.xml", "txt": ".txt", "json": ".json", "hocr": ".hocr"}
REVIEW_FILE = "review.tsv"


class _Recognizer(Protocol):
    @property
    def unit(self) -> str: ...

    @property
    def height(self) -> int: ...

    @property
    def origin(self) -> str: ...

    def read(self, images: Sequence[np.ndarray], batch_size: int = ...) -> tuple[list[Reading], Any]: ...


class LineReader(Protocol):
    """What reading pages needs of a ``Reader``."""

    def read(self, images: Sequence[np.ndarray], task: str | None = None) -> list[Reading]: ...

    @property
    def recognizer(self) -> _Recognizer: ...


@dataclass(frozen=True)
class PageLine:
    id: str
    text: str
    confidence: float
    alternatives: list[tuple[str, float]]
    baseline: list[tuple[float, float]]
    boundary: list[tuple[float, float]]
    characters: tuple[float, ...] = ()

    @property
    def reading(self) -> Reading:
        return Reading(self.text, self.confidence, tuple(self.alternatives), self.characters)


@dataclass(frozen=True)
class PageReading:
    scan: Path
    lines: list[PageLine]
    """In reading order."""
    size: tuple[int, int] = (0, 0)
    """The scan's width and height in pixels."""
    layout: PageLayout | None = None
    """The segmenter's layout the lines were found in (its regions and the lines' orientations); None
    where they came from a PAGE/ALTO file."""

    @property
    def text(self) -> str:
        return "".join(line.text + "\n" for line in self.lines)


def is_page_scan(path: Path) -> bool | None:
    """Whether the image at ``path`` is large enough on both sides to be a page scan (header only);
    None where its header cannot be read."""
    try:
        with Image.open(path) as image:
            return min(image.size) >= PAGE_SIDE
    except UNREADABLE:
        return None


def page_output(scan: Path, out: Path, format: str) -> Path:
    return out / f"{scan.stem}{SUFFIXES[format]}"


def read_pages(
    reader: LineReader,
    scans: Sequence[Path],
    out: Path,
    segmenter: Segmenter | None = None,
    layouts: Path | None = None,
    force: bool = False,
    formats: Sequence[str] = DEFAULT_PAGE_FORMATS,
    review_below: float | None = None,
) -> list[PageReading]:
    """Read every scan's lines and write its files into ``out`` (PAGE-XML and the other ``formats``); the
    lines come from ``segmenter``, or from the PAGE/ALTO file of the same stem in ``layouts``. Existing
    files are replaced only with ``force``, and never a scan."""
    if reader.recognizer.unit != "line":
        raise DataError(
            "page scans are read line by line, and this is a word model: use a line model "
            "(`lfhtr models` lists them), or cut the words first."
        )
    guard_distinct_stems(scans, out)
    protected = {scan: "a page scan being read" for scan in scans}
    written = dict.fromkeys(["page", *formats])
    for scan in scans:
        for format in written:
            guard_output(page_output(scan, out, format), force, protected)
    if review_below is not None:
        guard_output(out / REVIEW_FILE, force, protected)
    out.mkdir(parents=True, exist_ok=True)
    made_with = f"model {reader.recognizer.origin}" + (f", segmenter {segmenter.kind}" if segmenter else "")
    read = []
    for scan in scans:
        try:
            read.append(_read_page(reader, scan, out, segmenter, layouts))
        except UnreadableImage as exc:  # one damaged file must not cost the folder
            log.warning(f"skipped {exc}")
    for page in read:
        _write(page, out, tuple(written), made_with, review_below)
    if review_below is not None:
        lines = [line for page in read for line in page.lines]
        names = [f"{page.scan.name}#{line.id}" for page in read for line in page.lines]
        atomic_write(out / REVIEW_FILE, review_list(names, [line.reading for line in lines], review_below))
    return read


def _layout_file(
    scan: Path, out: Path, segmenter: Segmenter | None, layouts: Path | None, upside_down: bool = False
) -> tuple[Path, PageLayout | None]:
    """The PAGE/ALTO file that gives the scan's lines: the user's, or the segmenter's written into
    ``out`` (and then its layout too), found on the scan turned a half turn where it is ``upside_down``."""
    if layouts is not None:
        for name in (f"{scan.stem}.xml", f"{scan.stem}.page.xml", f"{scan.stem}.alto.xml"):
            if (layouts / name).is_file():
                return layouts / name, None
        raise DataError(f"{scan}: no PAGE or ALTO file {scan.stem}.xml in {layouts}.")
    if segmenter is None:
        raise DataError(f"{scan}: give a segmenter or a folder of PAGE/ALTO files to find its lines.")
    target = out / f"{scan.stem}.page.xml"
    layout = segment_scan(segmenter, scan, upside_down)
    write_layout(layout, scan.name, target, "page", f"segmenter {segmenter.kind}")
    return target, layout


def _read_page(
    reader: LineReader, scan: Path, out: Path, segmenter: Segmenter | None, layouts: Path | None
) -> PageReading:
    layout_file, layout = _layout_file(scan, out, segmenter, layouts)
    if not read_document(layout_file).lines:  # a blank leaf, a cover: its files are written all the same
        log.warning(f"{scan.name}: no lines found; its files hold no text")
        lines = []
    else:
        regions = page_lines(scan, layout_file, reader.recognizer.height)
        if reads_upside_down(reader.recognizer, regions.found.images):
            layout, regions = _upside_down(reader, scan, out, segmenter, layout, regions)
        lines = _lines_read(reader, scan, regions)
        log.info(f"{scan.name}: {len(lines)} lines read")
    with Image.open(scan) as image:
        return PageReading(scan, lines, image.size, layout)


def _upside_down(
    reader: LineReader,
    scan: Path,
    out: Path,
    segmenter: Segmenter | None,
    layout: PageLayout | None,
    regions: PageRegions,
) -> tuple[PageLayout | None, PageRegions]:
    """The layout and lines of a scan whose lines read far surer turned a half turn: found again on the
    scan turned, where a segmenter found them; the user's own lines are theirs to turn."""
    if segmenter is None:
        log.warning(
            f"{scan.name}: its lines read far surer turned a half turn; the scan is most likely "
            "upside down (or turned a quarter the wrong way): turn it upright and read it again"
        )
        return layout, regions
    log.warning(
        f"{scan.name}: its lines read far surer turned a half turn; read as a scan upside down "
        "(its files give the lines on the scan as it lies, running the other way)"
    )
    layout_file, layout = _layout_file(scan, out, segmenter, None, upside_down=True)
    return layout, page_lines(scan, layout_file, reader.recognizer.height)


def _lines_read(reader: LineReader, scan: Path, regions: PageRegions) -> list[PageLine]:
    lines = []
    for name, reading in zip(regions.found.names, reader.read(regions.found.images, scan.name)):
        region = regions.regions[name][1]
        lines.append(
            PageLine(
                region.id,
                reading.text,
                reading.confidence,
                list(reading.alternatives),
                region.baseline,
                region.polygon,
                reading.characters,
            )
        )
    return lines


def _write(
    page: PageReading, out: Path, formats: tuple[str, ...], made_with: str, review_below: float | None
) -> None:
    """The page's files; both XML formats from one layout (the segmenter's, with its regions, or one
    region of the lines read), so they hold the same lines."""
    layout = page.layout or _one_region(page)
    readings = {line.id: (line.text, line.confidence) for line in page.lines}
    for format in ("page", "alto"):
        if format in formats:
            path = page_output(page.scan, out, format)
            write_layout(layout, page.scan.name, path, format, made_with)
            doc = read_document(path)
            fill_readings(doc, readings, "line")
            write_document(doc, path)
    if "txt" in formats:
        atomic_write(page_output(page.scan, out, "txt"), page.text)
    if "json" in formats:
        document = json.dumps(_json(page, review_below), indent=1, ensure_ascii=False) + "\n"
        atomic_write(page_output(page.scan, out, "json"), document)
    if "hocr" in formats:
        hocr_lines = [(x.id, x.text, x.confidence, x.baseline, x.boundary) for x in page.lines if x.baseline]
        write_hocr(page.scan.name, page.size, hocr_lines, made_with, page_output(page.scan, out, "hocr"))


def _one_region(page: PageReading) -> PageLayout:
    width, height = page.size
    lines = tuple(
        TextLine(line.id, tuple(line.baseline), tuple(line.boundary))
        for line in page.lines
        if len(line.baseline) >= 2 and len(line.boundary) >= 3
    )
    return PageLayout(width, height, (TextRegion("r1", page_box(width, height), lines),) if lines else ())


def _json(page: PageReading, review_below: float | None) -> dict[str, object]:
    return {
        "page": page.scan.name,
        "size": list(page.size),
        "text": page.text,
        "lines": [
            {
                "id": line.id,
                **reading_fields(line.reading, review_below),
                "baseline": [[round(x), round(y)] for x, y in line.baseline],
                "boundary": [[round(x), round(y)] for x, y in line.boundary],
            }
            for line in page.lines
        ],
    }
