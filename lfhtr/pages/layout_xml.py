"""A segmenter's layout written as PAGE-XML (2019) or ALTO 4, the files kraken and eScriptorium read.

Regions and lines carry their boundary polygons and baselines, in reading order: PAGE gets a
``ReadingOrder`` naming the regions in turn (lines are in document order within them), ALTO keeps the
order of its blocks and lines. The files are written without text, as a segmenter hands them over;
lfhtr reads them like any other export, and ``transcribe`` fills them in.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from lfhtr.atomic import atomic_path
from lfhtr.core.layout import PageLayout, Point, TextLine
from lfhtr.version import __version__

LayoutFormat = Literal["page", "alto"]
PAGE_NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"


def _points(points: tuple[Point, ...], separator: str = ",") -> str:
    """PAGE's ``x,y x,y``; ALTO's ``x y x y`` with ``separator=" "``, as eScriptorium writes it."""
    return " ".join(f"{round(x)}{separator}{round(y)}" for x, y in points)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _page_tree(layout: PageLayout, image_name: str, creator: str) -> ET.Element:
    ET.register_namespace("", PAGE_NS)
    ns = f"{{{PAGE_NS}}}"
    root = ET.Element(f"{ns}PcGts")
    meta = ET.SubElement(root, f"{ns}Metadata")
    now = _now()
    ET.SubElement(meta, f"{ns}Creator").text = creator
    ET.SubElement(meta, f"{ns}Created").text = now
    ET.SubElement(meta, f"{ns}LastChange").text = now
    page = ET.SubElement(
        root,
        f"{ns}Page",
        {"imageFilename": image_name, "imageWidth": str(layout.width), "imageHeight": str(layout.height)},
    )
    if layout.regions:
        order = ET.SubElement(ET.SubElement(page, f"{ns}ReadingOrder"), f"{ns}OrderedGroup", {"id": "ro"})
        for index, region in enumerate(layout.regions):
            ET.SubElement(order, f"{ns}RegionRefIndexed", {"index": str(index), "regionRef": region.id})
    for region in layout.regions:
        element = ET.SubElement(page, f"{ns}TextRegion", {"id": region.id, "type": region.kind})
        ET.SubElement(element, f"{ns}Coords", {"points": _points(region.boundary)})
        for line in region.lines:
            attributes = {"id": line.id}
            if line.orientation:
                attributes["custom"] = f"orientation:{line.orientation:g};"
            line_element = ET.SubElement(element, f"{ns}TextLine", attributes)
            ET.SubElement(line_element, f"{ns}Coords", {"points": _points(line.boundary)})
            ET.SubElement(line_element, f"{ns}Baseline", {"points": _points(line.baseline)})
    return root


def _box(points: tuple[Point, ...]) -> dict[str, str]:
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return {
        "HPOS": str(round(min(xs))),
        "VPOS": str(round(min(ys))),
        "WIDTH": str(round(max(xs) - min(xs))),
        "HEIGHT": str(round(max(ys) - min(ys))),
    }


def _alto_line(block: ET.Element, line: TextLine, ns: str) -> None:
    attributes = {"ID": line.id, **_box(line.boundary), "BASELINE": _points(line.baseline, " ")}
    element = ET.SubElement(block, f"{ns}TextLine", attributes)
    ET.SubElement(
        ET.SubElement(element, f"{ns}Shape"), f"{ns}Polygon", {"POINTS": _points(line.boundary, " ")}
    )
    ET.SubElement(element, f"{ns}String", {"ID": f"{line.id}_0", "CONTENT": ""})


def _alto_tree(layout: PageLayout, image_name: str, creator: str) -> ET.Element:
    ET.register_namespace("", ALTO_NS)
    ns = f"{{{ALTO_NS}}}"
    root = ET.Element(f"{ns}alto")
    description = ET.SubElement(root, f"{ns}Description")
    ET.SubElement(description, f"{ns}MeasurementUnit").text = "pixel"
    ET.SubElement(
        ET.SubElement(description, f"{ns}sourceImageInformation"), f"{ns}fileName"
    ).text = image_name
    processing = ET.SubElement(description, f"{ns}Processing", {"ID": "lfhtr"})
    ET.SubElement(processing, f"{ns}processingDateTime").text = _now()
    software = ET.SubElement(processing, f"{ns}processingSoftware")
    ET.SubElement(software, f"{ns}softwareName").text = creator
    layout_element = ET.SubElement(root, f"{ns}Layout")
    page = ET.SubElement(
        layout_element,
        f"{ns}Page",
        {"ID": "page", "PHYSICAL_IMG_NR": "1", "WIDTH": str(layout.width), "HEIGHT": str(layout.height)},
    )
    whole = {"HPOS": "0", "VPOS": "0", "WIDTH": str(layout.width), "HEIGHT": str(layout.height)}
    space = ET.SubElement(page, f"{ns}PrintSpace", whole)
    for region in layout.regions:
        block = ET.SubElement(space, f"{ns}TextBlock", {"ID": region.id, **_box(region.boundary)})
        ET.SubElement(
            ET.SubElement(block, f"{ns}Shape"), f"{ns}Polygon", {"POINTS": _points(region.boundary, " ")}
        )
        for line in region.lines:
            _alto_line(block, line, ns)
    return root


def write_layout(
    layout: PageLayout, image_name: str, path: Path, format: LayoutFormat = "page", made_with: str = ""
) -> None:
    """``layout`` of the scan ``image_name`` as PAGE-XML or ALTO at ``path`` (atomically); the file
    names lfhtr, its version and ``made_with`` (the segmenter, the model) as its creator, and the date."""
    creator = f"lfhtr {__version__}" + (f" ({made_with})" if made_with else "")
    tree = (_page_tree if format == "page" else _alto_tree)(layout, image_name, creator)
    ET.indent(tree)
    with atomic_path(path) as tmp:
        ET.ElementTree(tree).write(tmp, encoding="utf-8", xml_declaration=True)
