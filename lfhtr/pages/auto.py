"""``pages: auto``: page scans segmented on demand, each layout kept for as long as scan and segmenter
stay the same.

A layout is cached as PAGE-XML under the segmenter's name and version and the scan's content hash, so a
scan segmented for adaptation is not segmented again to be evaluated or transcribed, an edited scan or
a new segmenter version is segmented afresh, and every other stage reads the file like any exported
PAGE-XML.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from lfhtr.core.interfaces import Segmenter
from lfhtr.imaging.folder import list_images
from lfhtr.log import log
from lfhtr.pages.layout_xml import write_layout
from lfhtr.pages.segment import segment_scan
from lfhtr.progress import progress

AUTO = "auto"
"""The value of an image set's ``pages`` that asks for the scans to be segmented."""


def scan_hash(scan: Path) -> str:
    digest = hashlib.sha256()
    with scan.open("rb") as stream:
        for block in iter(lambda: stream.read(2**20), b""):
            digest.update(block)
    return digest.hexdigest()[:20]


def segmented_pages(
    images: Path, include: list[str], segmenter: Segmenter, cache: Path, limit: int | None = None
) -> list[Path]:
    """The PAGE-XML of every scan in ``images`` matching ``include``, segmented where ``cache`` does not
    hold it yet."""
    return segment_scans(list_images(images, include, limit), segmenter, cache)


def segment_scans(scans: list[Path], segmenter: Segmenter, cache: Path) -> list[Path]:
    """The PAGE-XML of each of ``scans``, segmented where ``cache`` does not hold it yet."""
    kept = cache / f"{segmenter.kind}-{segmenter.version}"
    files = [kept / scan_hash(scan) / f"{scan.stem}.xml" for scan in scans]
    missing = [(scan, file) for scan, file in zip(scans, files) if not file.is_file()]
    if missing:
        log.info(f"segmenting {len(missing)} of {len(scans)} page scans with '{segmenter.kind}'")
        with progress("page") as bar:
            task = bar.add_task("segment", total=len(missing))
            for scan, file in missing:
                file.parent.mkdir(parents=True, exist_ok=True)
                write_layout(
                    segment_scan(segmenter, scan), scan.name, file, "page", f"segmenter {segmenter.kind}"
                )
                bar.advance(task)
    return files
