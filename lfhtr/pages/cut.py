"""Cutting the word or line regions of page scans out as images the recogniser reads.

Each region becomes one image, cut out by its polygon with everything outside set to the paper's own
grey (the median inside the polygon), straightened by its baseline where the file gives one, and named
``<xml file stem>/<region id>``. White would do for a box, but polygons that hug the ink (kraken's,
eScriptorium's) leave most of their box outside: a white majority would pass for the paper when the
image is normalised (``lfhtr.train.batching.normalise``), and the real paper for faint ink. What
cannot be used is skipped with its reason, never fatal.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from lfhtr.errors import DataError
from lfhtr.imaging.folder import UNREADABLE, ImageSet, prepare_word_image
from lfhtr.imaging.scans import load_scan
from lfhtr.log import log
from lfhtr.pages.locate import page_files, page_image
from lfhtr.pages.parse import PageDocument, Region, Unit, read_document
from lfhtr.pages.straighten import Point, straighten


def cut_region(page: Image.Image, polygon: list[Point], baseline: list[Point] | None = None) -> Image.Image:
    """The polygon's bounding box from the page, paper outside the polygon, straightened by the
    ``baseline`` (page coordinates) if given: turned level, and unbent where the baseline curves."""
    cut, (left, top), paper = _cut(page, polygon)
    if not baseline:
        return cut
    return straighten(
        cut, [(x - left, y - top) for x, y in baseline], [(x - left, y - top) for x, y in polygon], paper
    )


def _cut(page: Image.Image, polygon: list[Point]) -> tuple[Image.Image, tuple[int, int], int]:
    """The polygon's bounding box from the page, paper outside the polygon, the box's top left and the
    paper's grey."""
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    left, top = max(0, int(min(xs))), max(0, int(min(ys)))
    right, bottom = min(page.width, int(max(xs)) + 1), min(page.height, int(max(ys)) + 1)
    if right - left < 2 or bottom - top < 2:
        raise DataError("the region is empty or outside the page")
    crop = page.crop((left, top, right, bottom))
    mask = Image.new("L", crop.size, 0)
    ImageDraw.Draw(mask).polygon([(x - left, y - top) for x, y in polygon], fill=255)
    inside = np.asarray(crop)[np.asarray(mask) > 0]
    paper = int(np.median(inside)) if inside.size else 255
    return Image.composite(crop, Image.new("L", crop.size, paper), mask), (left, top), paper


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
    images: Path,
    pages: Path | list[Path],
    height: int,
    include: list[str],
    limit: int | None = None,
    unit: Unit = "word",
) -> PageRegions:
    """Every word (or line) region of every matching PAGE/ALTO file in the folder ``pages`` (or of the
    files ``pages`` lists), cut from its scan in ``images`` (the first ``limit`` regions, when given)."""
    result = PageRegions(unit, ImageSet([], []), {}, [], {})
    for xml in pages if isinstance(pages, list) else page_files(pages, include):
        if limit is not None and len(result.found.images) >= limit:
            break
        try:
            doc = read_document(xml)
        except DataError as exc:  # one malformed export must not cost the other pages
            result.found.skipped.append(f"{xml.name} ({exc})")
            continue
        result.documents.append(doc)
        regions = doc.regions(unit)
        if not regions:
            log.warning(f"{xml}: no {unit} regions; the page is skipped")
            continue
        try:
            page = load_scan(page_image(doc, images))
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
                cut = cut_region(page, scaled(region.polygon, factor), scaled(region.baseline, factor))
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
        source = images if isinstance(pages, list) else pages
        raise DataError(f"{source}: no {unit} region could be cut out: {'; '.join(result.found.skipped[:3])}")
    return result


def page_lines(scan: Path, layout: Path, height: int) -> PageRegions:
    """The lines of one scan, as its PAGE/ALTO file ``layout`` gives them, cut out ``height`` high."""
    return load_page_regions(scan.parent, [layout], height, ["*"], unit="line")


def scaled(points: list[Point], factor: tuple[float, float]) -> list[Point]:
    return [(x * factor[0], y * factor[1]) for x, y in points]


def coordinate_factors(doc: PageDocument, width: int, height: int) -> tuple[float, float]:
    """Factors from the XML's coordinates to the pixels of a ``width`` × ``height`` scan (1, 1 when they
    agree or the XML gives no size)."""
    if doc.size is None or doc.size == (width, height) or 0 in doc.size:
        return 1.0, 1.0
    return width / doc.size[0], height / doc.size[1]


def _scaling(doc: PageDocument, page: Image.Image) -> tuple[float, float]:
    """``coordinate_factors`` for the loaded scan, with a warning when they are not 1."""
    factors = coordinate_factors(doc, page.width, page.height)
    if factors == (1.0, 1.0) or doc.size is None:
        return factors
    log.warning(
        f"{doc.xml}: the XML describes a {doc.size[0]:g}×{doc.size[1]:g} page, the image is "
        f"{page.width}×{page.height}; its coordinates are scaled to the image"
    )
    return factors
