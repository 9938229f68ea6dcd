"""hOCR: the HTML that OCR tools (Tesseract, hocr-tools, search indexers) exchange, one ``ocr_line`` per
line with its box, baseline and confidence (``x_wconf``, 0–100)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from lfhtr.atomic import atomic_write
from lfhtr.version import __version__

Point = tuple[float, float]


def _bbox(points: Sequence[Point]) -> str:
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return f"bbox {round(min(xs))} {round(min(ys))} {round(max(xs))} {round(max(ys))}"


def _baseline(baseline: Sequence[Point], boundary: Sequence[Point]) -> str:
    """hOCR's ``baseline slope offset``: the line through the baseline's ends, relative to the box's
    bottom-left corner."""
    (x0, y0), (x1, y1) = baseline[0], baseline[-1]
    slope = (y1 - y0) / (x1 - x0) if x1 != x0 else 0.0
    left, bottom = min(x for x, _ in boundary), max(y for _, y in boundary)
    return f"baseline {slope:.4f} {round(y0 + slope * (left - x0) - bottom)}"


def write_hocr(
    image_name: str,
    size: tuple[int, int],
    lines: Sequence[tuple[str, str, float, Sequence[Point], Sequence[Point]]],
    made_with: str,
    path: Path,
) -> None:
    """``lines`` (id, text, confidence, baseline, boundary), in reading order, as an hOCR page."""
    html = ET.Element("html", {"xmlns": "http://www.w3.org/1999/xhtml"})
    head = ET.SubElement(html, "head")
    ET.SubElement(head, "meta", {"http-equiv": "Content-Type", "content": "text/html; charset=utf-8"})
    ET.SubElement(head, "meta", {"name": "ocr-system", "content": f"lfhtr {__version__} ({made_with})"})
    ET.SubElement(head, "meta", {"name": "ocr-capabilities", "content": "ocr_page ocr_line"})
    ET.SubElement(head, "title").text = image_name
    page = ET.SubElement(
        ET.SubElement(html, "body"),
        "div",
        {"class": "ocr_page", "id": "page_1", "title": f'image "{image_name}"; bbox 0 0 {size[0]} {size[1]}'},
    )
    for line_id, text, confidence, baseline, boundary in lines:
        title = f"{_bbox(boundary)}; {_baseline(baseline, boundary)}; x_wconf {round(100 * confidence)}"
        ET.SubElement(page, "span", {"class": "ocr_line", "id": line_id, "title": title}).text = text
    ET.indent(html)
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
    atomic_write(path, declaration + ET.tostring(html, encoding="unicode") + "\n")
