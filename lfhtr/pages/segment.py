"""Running a segmenter on a page scan: the core's side of the segmenter contract.

The plugin only finds lines; loading the scan the way every image is loaded, refusing a layout that
does not fit the page before anything is cut from it or written, and saying when a scan looks turned,
happen here, once for every segmenter.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np

from lfhtr.core import plugins
from lfhtr.core.interfaces import Segmenter
from lfhtr.core.layout import LayoutError, PageLayout, check_layout
from lfhtr.errors import PluginError, UnreadableImage
from lfhtr.imaging.scans import load_scan
from lfhtr.log import log

MOSTLY_SIDEWAYS = 0.5
"""Above this share of a page's baseline length running sideways, the scan itself is likely turned:
margin notes written sideways are a small part of a page's writing."""


def build_segmenter(kind: str) -> Segmenter:
    """The installed segmenter ``kind`` with its default options (``plugins.build`` checks its class)."""
    return cast(Segmenter, plugins.build("segmenter", kind, {}))


def segment_page(segmenter: Segmenter, page: np.ndarray, source: str) -> PageLayout:
    """The checked layout of ``page`` (uint8 H×W, 0 = ink); ``source`` names the scan in errors."""
    layout = segmenter.segment(page)
    who = f"{source}: segmenter '{segmenter.kind}'"
    if not isinstance(layout, PageLayout):
        raise PluginError(f"{who} returned {type(layout).__name__}, not a PageLayout.")
    try:
        check_layout(layout, page.shape[1], page.shape[0])
    except LayoutError as exc:
        raise PluginError(f"{who} returned an unusable layout: {exc}.") from None
    if layout.sideways_share() > MOSTLY_SIDEWAYS:
        log.warning(
            f"{source}: most of its writing runs sideways, taken as written upwards; if the scan is "
            "turned, `lfhtr read` reads it the other way where its lines read far surer so"
        )
    return layout


def segment_scan(segmenter: Segmenter, scan: Path, upside_down: bool = False) -> PageLayout:
    """The checked layout of the page scan at ``scan``; an unreadable scan is an ``UnreadableImage``
    naming it. ``upside_down``: the scan is segmented turned a half turn, as a page that lies upside down
    is written, and its layout given on the scan as it lies."""
    try:
        page = np.asarray(load_scan(scan))
    except (OSError, ValueError) as exc:
        raise UnreadableImage(f"{scan}: not a readable page scan ({exc}).") from None
    if upside_down:
        return segment_page(segmenter, np.ascontiguousarray(np.rot90(page, 2)), str(scan)).turned_back(2)
    return segment_page(segmenter, page, str(scan))


def segment_or_skip(segmenter: Segmenter, scan: Path) -> PageLayout | None:
    """``segment_scan``, or None with a warning where the scan cannot be read: where a folder of scans
    is segmented, one damaged file must not cost the others."""
    try:
        return segment_scan(segmenter, scan)
    except UnreadableImage as exc:
        log.warning(f"skipped {exc}")
        return None
