"""Writing readings back into PAGE-XML and ALTO documents, valid against their official schemas."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from lfhtr.atomic import atomic_path
from lfhtr.pages.parse import PageDocument, Region, Unit, children, descendants, local_name

_BEFORE_TEXT = {"AlternativeImage", "Coords", "Baseline", "Glyph", "Word"}
"""PAGE elements that precede TextEquiv inside a Word or TextLine, in schema order."""


def _set_text_equiv(element: ET.Element, text: str, confidence: float, namespace: str) -> None:
    """Replace the element's TextEquiv with ``text``, placed where the PAGE schema wants it."""
    old = children(element, "TextEquiv")
    present = list(element)
    position = (
        present.index(old[0])
        if old
        else max((i + 1 for i, c in enumerate(present) if local_name(c.tag) in _BEFORE_TEXT), default=0)
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
    for line in descendants(doc.root, "TextLine"):
        read = [readings[w.get("id", "")] for w in children(line, "Word") if w.get("id", "") in readings]
        if read:
            text = " ".join(t for t, _ in read)
            _set_text_equiv(line, text, sum(c for _, c in read) / len(read), namespace)


def _set_alto_strings(line: Region, text: str, confidence: float, namespace: str) -> None:
    """An ALTO TextLine's Strings (and the spaces between them) replaced by the words of ``text``; the
    line's other children (shape, hyphen mark) stay where the schema puts them, around the Strings. A line
    read as nothing keeps one empty String: the schema wants at least one."""
    for node in list(line.element):
        if local_name(node.tag) in ("String", "SP"):
            line.element.remove(node)
    position = next((i for i, c in enumerate(line.element) if local_name(c.tag) == "HYP"), len(line.element))
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
