"""Parsing PAGE-XML and ALTO files into their word and line regions, as segmenters export them.

kraken, eScriptorium and Transkribus hand over a page as a scan plus an XML file of regions, lines and
(sometimes) words with polygons. PAGE (2010/2013/2017/2019 namespaces) and ALTO (v2–v4) are told apart by
their root element, whatever the namespace, so other schema versions read too.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lfhtr.errors import DataError
from lfhtr.pages.straighten import Point
from lfhtr.text.charset import nfc

Unit = Literal["word", "line"]
MAX_PAGE_BYTES = 64 * 2**20
"""PAGE and ALTO files of a page hold kilobytes to a few megabytes; a larger one is refused unread."""


@dataclass
class Region:
    id: str
    polygon: list[Point]
    text: str | None
    element: ET.Element
    """The region's element in the parsed document, where a transcription is written back."""
    baseline: list[Point] = field(default_factory=list)
    """A line's baseline, left to right, where the file gives one: what turns a slanted line level."""


@dataclass
class PageDocument:
    xml: Path
    root: ET.Element
    format: str
    """'page' or 'alto'."""
    image_name: str
    size: tuple[float, float] | None
    """Width and height the coordinates refer to, when the file says."""
    words: list[Region] = field(default_factory=list)
    lines: list[Region] = field(default_factory=list)

    def regions(self, unit: Unit) -> list[Region]:
        return self.lines if unit == "line" else self.words


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if local_name(child.tag) == name]


def descendants(element: ET.Element, name: str) -> Iterator[ET.Element]:
    return (node for node in element.iter() if local_name(node.tag) == name)


def _points(text: str) -> list[Point]:
    """'x,y x,y …' (PAGE) or 'x y x y …' / 'x,y,x,y' (ALTO polygons) as points; none if malformed."""
    try:
        numbers = [float(v) for v in text.replace(",", " ").split()]
    except ValueError:
        return []
    return list(zip(numbers[0::2], numbers[1::2]))


def _page_polygon(word: ET.Element) -> list[Point]:
    for coords in children(word, "Coords"):
        if coords.get("points"):
            return _points(coords.get("points", ""))
        listed = " ".join(f"{p.get('x', '')},{p.get('y', '')}" for p in children(coords, "Point"))
        if listed:  # the 2010 schema lists Point elements
            return _points(listed)
    return []


def _page_text(word: ET.Element) -> str | None:
    equivs = children(word, "TextEquiv")
    equivs.sort(key=lambda e: e.get("index", "0").zfill(9))  # the lowest index is the best reading
    for equiv in equivs:
        for unicode in children(equiv, "Unicode"):
            return nfc(unicode.text or "")
    return None


def _alto_polygon(string: ET.Element) -> list[Point]:
    for shape in children(string, "Shape"):
        for polygon in children(shape, "Polygon"):
            if polygon.get("POINTS"):
                return _points(polygon.get("POINTS", ""))
    try:
        x, y = float(string.get("HPOS", "")), float(string.get("VPOS", ""))
        w, h = float(string.get("WIDTH", "")), float(string.get("HEIGHT", ""))
    except ValueError:
        return []
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]


def read_document(xml: Path) -> PageDocument:
    """A PAGE or ALTO file's word regions; a file that is neither is a one-line error."""
    try:
        if xml.stat().st_size > MAX_PAGE_BYTES:
            raise DataError(f"{xml}: larger than a page file ({MAX_PAGE_BYTES} bytes); refused unread.")
        tree = ET.parse(xml)
    except (ET.ParseError, OSError) as exc:
        raise DataError(f"{xml}: not readable XML ({exc}); export the page as PAGE-XML or ALTO.") from None
    root = tree.getroot()
    kind = local_name(root.tag)
    if kind == "PcGts":
        page = next(descendants(root, "Page"), None)
        if page is None:
            raise DataError(f"{xml}: a PAGE file without a Page element.")
        size = _size(page.get("imageWidth"), page.get("imageHeight"))
        doc = PageDocument(xml, root, "page", page.get("imageFilename", ""), size)
        for word in descendants(page, "Word"):
            doc.words.append(Region(word.get("id", "?"), _page_polygon(word), _page_text(word), word))
        for line in descendants(page, "TextLine"):
            baseline = next((_points(b.get("points", "")) for b in children(line, "Baseline")), [])
            doc.lines.append(
                Region(line.get("id", "?"), _page_polygon(line), _page_text(line), line, baseline)
            )
        return doc
    if kind == "alto":
        name = next((e.text or "" for e in descendants(root, "fileName")), "")
        page = next(descendants(root, "Page"), None)
        size = _size(page.get("WIDTH"), page.get("HEIGHT")) if page is not None else None
        doc = PageDocument(xml, root, "alto", name.strip(), size)
        for string in descendants(root, "String"):
            content = string.get("CONTENT")
            text = None if content is None else nfc(content)
            doc.words.append(Region(string.get("ID", "?"), _alto_polygon(string), text, string))
        for line in descendants(root, "TextLine"):
            strings = children(line, "String")
            text = nfc(" ".join(s.get("CONTENT", "") for s in strings)) if strings else None
            baseline = _points(line.get("BASELINE", ""))  # ALTO 4 points; older ALTO's single y says nothing
            doc.lines.append(Region(line.get("ID", "?"), _alto_polygon(line), text, line, baseline))
        return doc
    raise DataError(f"{xml}: root element {kind!r} is neither PAGE (PcGts) nor ALTO (alto).")


def _size(width: str | None, height: str | None) -> tuple[float, float] | None:
    try:
        return float(width or ""), float(height or "")
    except ValueError:
        return None
