"""Finding the files of a page set: the PAGE/ALTO files of a folder, and the scan each one describes."""

from __future__ import annotations

import fnmatch
from pathlib import Path

from lfhtr.errors import PATH_RULE, DataError
from lfhtr.imaging.folder import IMAGE_SUFFIXES
from lfhtr.pages.parse import PageDocument


def page_files(folder: Path, include: list[str]) -> list[Path]:
    """The PAGE/ALTO files in ``folder`` (not its sub-folders) whose names match ``include``."""
    if not folder.is_dir():
        raise DataError(f"{folder}: page XML folder not found; check `pages` ({PATH_RULE}).")
    found = sorted(
        p for p in folder.glob("*.xml") if p.is_file() and any(fnmatch.fnmatch(p.name, g) for g in include)
    )
    if not found:
        raise DataError(f"{folder}: no PAGE-XML or ALTO files matching {include}.")
    return found


def page_image(doc: PageDocument, images: Path) -> Path:
    """The scan a document describes: its named file in the images folder, else beside the XML, else the
    image with the XML's stem. Only the name's last part is used: a page file from elsewhere may name
    ``/home/them/scans/0001.jpg`` or ``../../secret.png``, and no path inside it is followed."""
    candidates = []
    if doc.image_name:
        name = Path(doc.image_name.replace("\\", "/")).name
        candidates += [images / name, doc.xml.parent / name]
    candidates += [images / (doc.xml.stem + suffix) for suffix in sorted(IMAGE_SUFFIXES)]
    for path in candidates:
        if path.is_file():
            return path
    raise DataError(f"{doc.xml}: its page image {doc.image_name or doc.xml.stem!r} is not in {images}.")
