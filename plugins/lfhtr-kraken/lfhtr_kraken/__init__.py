"""kraken's baseline segmenter (``kraken.blla``) behind lfhtr's segmenter contract.

kraken returns lines with a baseline and a boundary polygon in its reading order, and regions by type
in no particular order; they become one lfhtr region per kraken region holding the lines whose
baseline starts inside it, regions in the order of their first lines, so that the page reads in
kraken's order (a page's lower block listed first among its regions is not read first). Lines outside
every region make a region of their own at their place in that order. kraken is imported only when a
page is segmented, so listing plugins never needs it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image

from lfhtr.core.interfaces import PluginOptions, Segmenter
from lfhtr.core.layout import PageLayout, TextLine, TextRegion, page_box
from lfhtr.errors import PluginError


class KrakenOptions(PluginOptions):
    model: str | None = None
    """A kraken segmentation model file; None: the default model inside kraken."""
    device: str = "cpu"


def _field(item: Any, name: str) -> Any:
    """A field of a kraken record: an attribute (kraken 5 and later) or a key (kraken 4)."""
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _points(points: Any) -> tuple[tuple[float, float], ...]:
    return tuple((float(x), float(y)) for x, y in points or ())


def _inside(point: tuple[float, float], polygon: tuple[tuple[float, float], ...]) -> bool:
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _orientation(baseline: tuple[tuple[float, float], ...]) -> float:
    (x0, y0), (x1, y1) = baseline[0], baseline[-1]
    degrees = float(np.degrees(np.arctan2(y0 - y1, x1 - x0))) % 360
    return min((0.0, 90.0, 180.0, 270.0), key=lambda a: min(abs(degrees - a), 360 - abs(degrees - a)))


class KrakenBaselines(Segmenter[KrakenOptions]):
    """Lines and regions found by kraken's ``blla.segment``."""

    Options = KrakenOptions
    version = "1"

    def segment(self, page: np.ndarray) -> PageLayout:
        try:
            from kraken import blla
        except ImportError as exc:
            message = f"segmenter 'kraken' needs kraken installed ({exc}); see lfhtr-kraken's README."
            raise PluginError(message) from None
        kwargs: dict[str, Any] = {"device": self.options.device}
        if self.options.model:
            from kraken.lib import vgsl

            kwargs["model"] = vgsl.TorchVGSLModel.load_model(self.options.model)
        found = blla.segment(Image.fromarray(page), **kwargs)
        height, width = page.shape
        lines = [
            TextLine(f"l{i}", _points(_field(line, "baseline")), _points(_field(line, "boundary")))
            for i, line in enumerate(_field(found, "lines") or [], 1)
            if len(_field(line, "baseline") or ()) >= 2 and len(_field(line, "boundary") or ()) >= 3
        ]
        turned = [
            TextLine(line.id, line.baseline, line.boundary, _orientation(line.baseline)) for line in lines
        ]
        regions = _regions(_field(found, "regions") or {}, turned, width, height)
        return PageLayout(width, height, tuple(regions))


def _regions(found: dict[str, Any], lines: list[TextLine], width: int, height: int) -> list[TextRegion]:
    boundaries = [
        boundary
        for items in found.values()
        for item in items
        if len(boundary := _points(_field(item, "boundary"))) >= 3
    ]
    members: dict[int | None, list[TextLine]] = {}
    for line in lines:
        home = next((i for i, b in enumerate(boundaries) if _inside(line.baseline[0], b)), None)
        members.setdefault(home, []).append(line)
    return [
        TextRegion(f"r{n}", page_box(width, height) if home is None else boundaries[home], tuple(mine))
        for n, (home, mine) in enumerate(members.items(), 1)
    ]
