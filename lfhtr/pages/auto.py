"""``pages: auto``: page scans segmented on demand, each layout kept for as long as scan and segmenter
stay the same.

A layout is cached as PAGE-XML under the segmenter's name and version and the scan's content hash, so a
scan segmented for adaptation is not segmented again to be evaluated or transcribed, an edited scan or
a new segmenter version is segmented afresh, and every other stage reads the file like any exported
PAGE-XML.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from lfhtr.core.interfaces import Segmenter
from lfhtr.imaging.folder import list_images
from lfhtr.log import log
from lfhtr.pages.layout_xml import write_layout
from lfhtr.pages.segment import segment_or_skip, segment_scan
from lfhtr.progress import progress

AUTO = "auto"
"""The value of an image set's ``pages`` that asks for the scans to be segmented."""

UpsideDown = Callable[[Path, Path], bool]
"""(a scan, its PAGE-XML) → whether the page's lines read far surer turned a half turn: only a model can
tell a page upside down (``lfhtr.reading.upright``)."""


def scan_hash(scan: Path) -> str:
    digest = hashlib.sha256()
    with scan.open("rb") as stream:
        for block in iter(lambda: stream.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()[:20]


def segmented_pages(
    images: Path,
    include: list[str],
    segmenter: Segmenter,
    cache: Path,
    limit: int | None = None,
    upside_down: UpsideDown | None = None,
) -> list[Path]:
    """The PAGE-XML of every readable scan in ``images`` matching ``include``, segmented where
    ``cache`` does not hold it yet; with ``upside_down``, a page it says reads far surer turned a half
    turn gives the layout found on it turned."""
    found = segment_scans(list_images(images, include, limit), segmenter, cache)
    if upside_down is None:
        return list(found.values())
    return [_upright(scan, file, segmenter, upside_down) for scan, file in found.items()]


def segment_scans(scans: list[Path], segmenter: Segmenter, cache: Path) -> dict[Path, Path]:
    """The PAGE-XML of each of ``scans`` that can be read, segmented where ``cache`` does not hold it
    yet. A damaged scan is left out with a warning: one bad file in a folder must not cost an hour's
    adaptation on the others, and it is tried again on the next run."""
    kept = cache / f"{segmenter.kind}-{segmenter.version}"
    files = {scan: kept / scan_hash(scan) / f"{scan.stem}.xml" for scan in scans}
    missing = [(scan, file) for scan, file in files.items() if not file.is_file()]
    if missing:
        log.info(f"segmenting {len(missing)} of {len(scans)} page scans with '{segmenter.kind}'")
        with progress("page") as bar:
            task = bar.add_task("segment", total=len(missing))
            for scan, file in missing:
                layout = segment_or_skip(segmenter, scan)
                if layout is None:
                    del files[scan]
                else:
                    file.parent.mkdir(parents=True, exist_ok=True)
                    write_layout(layout, scan.name, file, "page", f"segmenter {segmenter.kind}")
                bar.advance(task)
    return files


def _upright(scan: Path, file: Path, segmenter: Segmenter, upside_down: UpsideDown) -> Path:
    """The layout of ``scan`` the right way up: ``file``, or where its lines read far surer turned a half
    turn, the layout found on the scan turned (kept beside ``file``)."""
    if not upside_down(scan, file):
        return file
    turned = file.with_name(f"{scan.stem}.upside-down.xml")
    if not turned.is_file():
        layout = segment_scan(segmenter, scan, upside_down=True)
        write_layout(layout, scan.name, turned, "page", f"segmenter {segmenter.kind}")
    log.warning(f"{scan.name}: its lines read far surer turned a half turn; read as a scan upside down")
    return turned
