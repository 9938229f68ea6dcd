"""Reading page scans end to end: find the lines, read them, write PAGE-XML, ALTO, text and JSON.

Each scan is segmented (or its layout taken from a PAGE/ALTO file), its lines cut and straightened the
way every page set is cut, read in one pass, and written per page: ``<stem>.page.xml`` (PAGE 2019) and
``<stem>.alto.xml`` (ALTO 4) with the text and ``conf`` of every line, ``<stem>.txt`` (the lines in
reading order) and ``<stem>.json`` (every line with its coordinates, confidence and alternatives).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import Image

from lfhtr.atomic import atomic_write
from lfhtr.core.interfaces import Reading, Segmenter
from lfhtr.core.layout import PageLayout, TextLine, TextRegion, page_box
from lfhtr.errors import DataError
from lfhtr.imaging.folder import UNREADABLE
from lfhtr.log import log
from lfhtr.outputs import guard_output
from lfhtr.pages.cut import load_page_regions
from lfhtr.pages.layout_xml import write_layout
from lfhtr.pages.parse import read_document
from lfhtr.pages.segment import segment_scan
from lfhtr.pages.write import fill_readings, write_document

PAGE_SIDE = 800
"""An image whose sides are both at least this many pixels is taken for a page scan: word and line
images are far lower than that."""
OUTPUT_SUFFIXES = (".page.xml", ".alto.xml", ".txt", ".json")


class _Recognizer(Protocol):
    unit: str
    height: int


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


@dataclass(frozen=True)
class PageReading:
    scan: Path
    lines: list[PageLine]
    """In reading order."""

    @property
    def text(self) -> str:
        return "".join(line.text + "\n" for line in self.lines)


def is_page_scan(path: Path) -> bool:
    """Whether the image at ``path`` is large enough on both sides to be a page scan (header only); an
    unreadable file is not, and is reported where it is read."""
    try:
        with Image.open(path) as image:
            return min(image.size) >= PAGE_SIDE
    except UNREADABLE:
        return False


def page_outputs(scan: Path, out: Path) -> list[Path]:
    return [out / f"{scan.stem}{suffix}" for suffix in OUTPUT_SUFFIXES]


def read_pages(
    reader: LineReader,
    scans: Sequence[Path],
    out: Path,
    segmenter: Segmenter | None = None,
    layouts: Path | None = None,
    force: bool = False,
) -> list[PageReading]:
    """Read every scan's lines and write its four files into ``out``; the lines come from ``segmenter``,
    or from the PAGE/ALTO file of the same stem in ``layouts``. Existing files are replaced only with
    ``force``, and never a scan."""
    if reader.recognizer.unit != "line":
        raise DataError(
            "page scans are read line by line, and this is a word model: use a line model "
            "(`lfhtr models` lists them), or cut the words first."
        )
    protected = {scan: "a page scan being read" for scan in scans}
    for scan in scans:
        for target in page_outputs(scan, out):
            guard_output(target, force, protected)
    out.mkdir(parents=True, exist_ok=True)
    return [_read_page(reader, scan, out, segmenter, layouts) for scan in scans]


def _layout_file(scan: Path, out: Path, segmenter: Segmenter | None, layouts: Path | None) -> Path:
    """The PAGE/ALTO file that gives the scan's lines: the user's, or the segmenter's written into
    ``out``."""
    if layouts is not None:
        for name in (f"{scan.stem}.xml", f"{scan.stem}.page.xml", f"{scan.stem}.alto.xml"):
            if (layouts / name).is_file():
                return layouts / name
        raise DataError(f"{scan}: no PAGE or ALTO file {scan.stem}.xml in {layouts}.")
    if segmenter is None:
        raise DataError(f"{scan}: give a segmenter or a folder of PAGE/ALTO files to find its lines.")
    target = out / f"{scan.stem}.page.xml"
    write_layout(segment_scan(segmenter, scan), scan.name, target, "page", segmenter.kind)
    return target


def _read_page(
    reader: LineReader, scan: Path, out: Path, segmenter: Segmenter | None, layouts: Path | None
) -> PageReading:
    regions = load_page_regions(
        scan.parent,
        [_layout_file(scan, out, segmenter, layouts)],
        reader.recognizer.height,
        ["*"],
        unit="line",
    )
    readings = dict(zip(regions.found.names, reader.read(regions.found.images, scan.name)))
    lines = []
    for name, reading in readings.items():
        region = regions.regions[name][1]
        alternatives = list(reading.alternatives)
        lines.append(
            PageLine(
                region.id, reading.text, reading.confidence, alternatives, region.baseline, region.polygon
            )
        )
    page = PageReading(scan, lines)
    with Image.open(scan) as image:
        size = image.size
    _write(page, size, out)
    log.info(f"{scan.name}: {len(lines)} lines read")
    return page


def _write(page: PageReading, size: tuple[int, int], out: Path) -> None:
    """The page's four files; both XML formats from one layout, so they hold the same lines."""
    width, height = size
    lines = tuple(
        TextLine(line.id, tuple(line.baseline), tuple(line.boundary))
        for line in page.lines
        if len(line.baseline) >= 2 and len(line.boundary) >= 3
    )
    box = page_box(width, height)
    layout = PageLayout(width, height, (TextRegion("r1", box, lines),) if lines else ())
    readings = {line.id: (line.text, line.confidence) for line in page.lines}
    for format, path in zip(("page", "alto"), page_outputs(page.scan, out)):
        write_layout(layout, page.scan.name, path, format)
        doc = read_document(path)
        fill_readings(doc, readings, "line")
        write_document(doc, path)
    atomic_write(out / f"{page.scan.stem}.txt", page.text)
    document = json.dumps(_json(page, size), indent=1, ensure_ascii=False) + "\n"
    atomic_write(out / f"{page.scan.stem}.json", document)


def _json(page: PageReading, size: tuple[int, int]) -> dict[str, object]:
    return {
        "page": page.scan.name,
        "size": list(size),
        "text": page.text,
        "lines": [
            {
                "id": line.id,
                "text": line.text,
                "confidence": round(line.confidence, 4),
                "alternatives": [[text, round(p, 4)] for text, p in line.alternatives],
                "baseline": [[round(x), round(y)] for x, y in line.baseline],
                "boundary": [[round(x), round(y)] for x, y in line.boundary],
            }
            for line in page.lines
        ],
    }
