"""Word regions of page scans described by PAGE-XML or ALTO, as segmenters export them.

kraken, eScriptorium and Transkribus hand over a page as a scan plus an XML file of regions, lines and
(sometimes) words with polygons. Each word region becomes one word image, cut out by its polygon with
everything outside set to white paper (as the word images of gw-dev are), and named
``<xml file stem>/<region id>``. PAGE (2010/2013/2017/2019 namespaces) and ALTO (v2–v4) are told apart by
their root element, whatever the namespace, so other schema versions read too.

What cannot be used is skipped with a warning naming the file and region, never fatal: a region
without coordinates, an image that does not match the XML's size (its coordinates are scaled), a page
without regions of the unit read.
"""

from __future__ import annotations

import fnmatch
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from PIL import Image, ImageDraw

from lfhtr.atomic import atomic_path
from lfhtr.errors import DataError
from lfhtr.imaging.folder import IMAGE_SUFFIXES, UNREADABLE, ImageSet, prepare_word_image
from lfhtr.imaging.straighten import Point, straighten
from lfhtr.log import log

Unit = Literal["word", "line"]


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


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _descendants(element: ET.Element, name: str) -> Iterator[ET.Element]:
    return (node for node in element.iter() if _local(node.tag) == name)


def _points(text: str) -> list[Point]:
    """'x,y x,y …' (PAGE) or 'x y x y …' / 'x,y,x,y' (ALTO polygons) as points; none if malformed."""
    try:
        numbers = [float(v) for v in text.replace(",", " ").split()]
    except ValueError:
        return []
    return list(zip(numbers[0::2], numbers[1::2]))


def _page_polygon(word: ET.Element) -> list[Point]:
    for coords in _children(word, "Coords"):
        if coords.get("points"):
            return _points(coords.get("points", ""))
        listed = " ".join(f"{p.get('x', '')},{p.get('y', '')}" for p in _children(coords, "Point"))
        if listed:  # the 2010 schema lists Point elements
            return _points(listed)
    return []


def _page_text(word: ET.Element) -> str | None:
    equivs = _children(word, "TextEquiv")
    equivs.sort(key=lambda e: e.get("index", "0").zfill(9))  # the lowest index is the best reading
    for equiv in equivs:
        for unicode in _children(equiv, "Unicode"):
            return unicode.text or ""
    return None


def _alto_polygon(string: ET.Element) -> list[Point]:
    for shape in _children(string, "Shape"):
        for polygon in _children(shape, "Polygon"):
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
        tree = ET.parse(xml)
    except (ET.ParseError, OSError) as exc:
        raise DataError(f"{xml}: not readable XML ({exc}); export the page as PAGE-XML or ALTO.") from None
    root = tree.getroot()
    kind = _local(root.tag)
    if kind == "PcGts":
        page = next(_descendants(root, "Page"), None)
        if page is None:
            raise DataError(f"{xml}: a PAGE file without a Page element.")
        size = _size(page.get("imageWidth"), page.get("imageHeight"))
        doc = PageDocument(xml, root, "page", page.get("imageFilename", ""), size)
        for word in _descendants(page, "Word"):
            doc.words.append(Region(word.get("id", "?"), _page_polygon(word), _page_text(word), word))
        for line in _descendants(page, "TextLine"):
            baseline = next((_points(b.get("points", "")) for b in _children(line, "Baseline")), [])
            doc.lines.append(
                Region(line.get("id", "?"), _page_polygon(line), _page_text(line), line, baseline)
            )
        return doc
    if kind == "alto":
        name = next((e.text or "" for e in _descendants(root, "fileName")), "")
        page = next(_descendants(root, "Page"), None)
        size = _size(page.get("WIDTH"), page.get("HEIGHT")) if page is not None else None
        doc = PageDocument(xml, root, "alto", name.strip(), size)
        for string in _descendants(root, "String"):
            doc.words.append(
                Region(string.get("ID", "?"), _alto_polygon(string), string.get("CONTENT"), string)
            )
        for line in _descendants(root, "TextLine"):
            strings = _children(line, "String")
            text = " ".join(s.get("CONTENT", "") for s in strings) if strings else None
            baseline = _points(line.get("BASELINE", ""))  # ALTO 4 points; older ALTO's single y says nothing
            doc.lines.append(Region(line.get("ID", "?"), _alto_polygon(line), text, line, baseline))
        return doc
    raise DataError(f"{xml}: root element {kind!r} is neither PAGE (PcGts) nor ALTO (alto).")


def _size(width: str | None, height: str | None) -> tuple[float, float] | None:
    try:
        return float(width or ""), float(height or "")
    except ValueError:
        return None


def page_files(folder: Path, include: list[str]) -> list[Path]:
    """The PAGE/ALTO files in ``folder`` (not its sub-folders) whose names match ``include``."""
    if not folder.is_dir():
        raise DataError(f"{folder}: page XML folder not found; check `pages` in the spec.")
    found = sorted(
        p for p in folder.glob("*.xml") if p.is_file() and any(fnmatch.fnmatch(p.name, g) for g in include)
    )
    if not found:
        raise DataError(f"{folder}: no PAGE-XML or ALTO files matching {include}.")
    return found


def _page_image(doc: PageDocument, images: Path) -> Path:
    """The scan a document describes: its named file in the images folder, else beside the XML, else the
    image with the XML's stem."""
    candidates = []
    if doc.image_name:
        named = Path(doc.image_name.replace("\\", "/"))
        candidates += [images / named.name, doc.xml.parent / named, images / named]
    candidates += [images / (doc.xml.stem + suffix) for suffix in sorted(IMAGE_SUFFIXES)]
    for path in candidates:
        if path.is_file():
            return path
    raise DataError(f"{doc.xml}: its page image {doc.image_name or doc.xml.stem!r} is not in {images}.")


def cut_region(page: Image.Image, polygon: list[Point], baseline: list[Point] | None = None) -> Image.Image:
    """The polygon's bounding box from the page, white outside the polygon, straightened by the
    ``baseline`` (page coordinates) if given: turned level, and unbent where the baseline curves."""
    cut, (left, top) = _cut(page, polygon)
    if not baseline:
        return cut
    return straighten(
        cut, [(x - left, y - top) for x, y in baseline], [(x - left, y - top) for x, y in polygon]
    )


def _cut(page: Image.Image, polygon: list[Point]) -> tuple[Image.Image, tuple[int, int]]:
    """The polygon's bounding box from the page, white outside the polygon, and the box's top left."""
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    left, top = max(0, int(min(xs))), max(0, int(min(ys)))
    right, bottom = min(page.width, int(max(xs)) + 1), min(page.height, int(max(ys)) + 1)
    if right - left < 2 or bottom - top < 2:
        raise DataError("the region is empty or outside the page")
    crop = page.crop((left, top, right, bottom))
    mask = Image.new("L", crop.size, 0)
    ImageDraw.Draw(mask).polygon([(x - left, y - top) for x, y in polygon], fill=255)
    return Image.composite(crop, Image.new("L", crop.size, 255), mask), (left, top)


@dataclass
class PageRegions:
    """Images cut from pages, their texts where the XML holds them, and the documents they came from."""

    unit: Unit
    found: ImageSet
    texts: dict[str, str]
    documents: list[PageDocument]
    regions: dict[str, tuple[PageDocument, Region]]
    """Each image name's document and region, where its reading is written back."""


def load_page_regions(
    images: Path, pages: Path, height: int, include: list[str], limit: int | None = None, unit: Unit = "word"
) -> PageRegions:
    """Every word (or line) region of every matching PAGE/ALTO file in ``pages``, cut from its scan in
    ``images`` (the first ``limit`` regions, when given)."""
    result = PageRegions(unit, ImageSet([], []), {}, [], {})
    for xml in page_files(pages, include):
        if limit is not None and len(result.found.images) >= limit:
            break
        doc = read_document(xml)
        result.documents.append(doc)
        regions = doc.regions(unit)
        if not regions:
            log.warning(f"{xml}: no {unit} regions; the page is skipped")
            continue
        try:
            with Image.open(_page_image(doc, images)) as opened:
                page = opened.convert("L")
        except UNREADABLE as exc:
            result.found.skipped.append(f"{xml.name} ({type(exc).__name__}: {exc})")
            continue
        factor = _scaling(doc, page)
        for region in regions[: None if limit is None else limit - len(result.found.images)]:
            name = f"{xml.stem}/{region.id}"
            if len(region.polygon) < 3:
                log.warning(f"{xml}: region {region.id} has no coordinates; skipped")
                continue
            try:
                cut = cut_region(page, _scaled(region.polygon, factor), _scaled(region.baseline, factor))
                image = prepare_word_image(cut, height, name)
            except UNREADABLE as exc:
                result.found.skipped.append(f"{name} ({type(exc).__name__}: {exc})")
                continue
            result.found.names.append(name)
            result.found.images.append(image)
            result.regions[name] = doc, region
            if region.text is not None:
                result.texts[name] = region.text
    if not result.found.images:
        raise DataError(f"{pages}: no {unit} region could be cut out: {'; '.join(result.found.skipped[:3])}")
    return result


def _scaled(points: list[Point], factor: tuple[float, float]) -> list[Point]:
    return [(x * factor[0], y * factor[1]) for x, y in points]


def _scaling(doc: PageDocument, page: Image.Image) -> tuple[float, float]:
    """Factors from the XML's coordinates to the image's pixels (1, 1 when they agree)."""
    if doc.size is None or doc.size == (page.width, page.height) or 0 in doc.size:
        return 1.0, 1.0
    log.warning(
        f"{doc.xml}: the XML describes a {doc.size[0]:g}×{doc.size[1]:g} page, the image is "
        f"{page.width}×{page.height}; its coordinates are scaled to the image"
    )
    return page.width / doc.size[0], page.height / doc.size[1]


_BEFORE_TEXT = {"AlternativeImage", "Coords", "Baseline", "Glyph", "Word"}
"""PAGE elements that precede TextEquiv inside a Word or TextLine, in schema order."""


def _set_text_equiv(element: ET.Element, text: str, confidence: float, namespace: str) -> None:
    """Replace the element's TextEquiv with ``text``, placed where the PAGE schema wants it."""
    old = _children(element, "TextEquiv")
    children = list(element)
    position = (
        children.index(old[0])
        if old
        else max((i + 1 for i, c in enumerate(children) if _local(c.tag) in _BEFORE_TEXT), default=0)
    )
    for node in old:
        element.remove(node)
    equiv = ET.Element(f"{namespace}TextEquiv", {"conf": f"{confidence:.4f}"})
    ET.SubElement(equiv, f"{namespace}Unicode").text = text
    equiv.tail = old[0].tail if old else element[position - 1].tail if position else "\n"
    element.insert(position, equiv)


def fill_readings(doc: PageDocument, readings: dict[str, tuple[str, float]], unit: Unit = "word") -> None:
    """Write readings (region id → text, confidence) into the document: PAGE TextEquiv with conf on
    each Word, and on each TextLine its words joined by spaces (the mean confidence), or the line's own
    reading; ALTO String CONTENT and WC, a line's reading as its Strings. Everything else is left as it
    was."""
    namespace = doc.root.tag[: doc.root.tag.index("}") + 1] if doc.root.tag.startswith("{") else ""
    regions = [r for r in doc.regions(unit) if r.id in readings]
    if doc.format == "alto":
        for region in regions:
            if unit == "line":
                _set_alto_strings(region, *readings[region.id], namespace)
            else:
                text, confidence = readings[region.id]
                region.element.set("CONTENT", text)
                region.element.set("WC", f"{confidence:.4f}")
        return
    for region in regions:
        _set_text_equiv(region.element, *readings[region.id], namespace)
    if unit == "line":
        return
    for line in _descendants(doc.root, "TextLine"):
        read = [readings[w.get("id", "")] for w in _children(line, "Word") if w.get("id", "") in readings]
        if read:
            text = " ".join(t for t, _ in read)
            _set_text_equiv(line, text, sum(c for _, c in read) / len(read), namespace)


def _set_alto_strings(line: Region, text: str, confidence: float, namespace: str) -> None:
    """An ALTO TextLine's Strings (and the spaces between them) replaced by the words of ``text``; the
    line's other children (shape, hyphen mark) stay where the schema puts them, around the Strings. A line
    read as nothing keeps one empty String: the schema wants at least one."""
    for node in list(line.element):
        if _local(node.tag) in ("String", "SP"):
            line.element.remove(node)
    position = next((i for i, c in enumerate(line.element) if _local(c.tag) == "HYP"), len(line.element))
    words: list[ET.Element] = []
    for index, word in enumerate(text.split() or [""]):
        if index:
            words.append(ET.Element(f"{namespace}SP"))
        attributes = {"ID": f"{line.id}_{index}", "CONTENT": word, "WC": f"{confidence:.4f}"}
        words.append(ET.Element(f"{namespace}String", attributes))
    line.element[position:position] = words


def write_document(doc: PageDocument, path: Path) -> None:
    """The document as XML at ``path`` (atomically), keeping its namespace prefixes."""
    for _event, (prefix, uri) in ET.iterparse(doc.xml, events=("start-ns",)):
        ET.register_namespace(prefix, uri)
    with atomic_path(path) as tmp:
        ET.ElementTree(doc.root).write(tmp, encoding="UTF-8", xml_declaration=True)
