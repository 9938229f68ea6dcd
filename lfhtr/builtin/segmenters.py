"""The built-in segmenter: the whole scan as one text line.

What an image that already holds one line needs (a line cut by another tool, a strip photographed on its
own), and the reference that shows the segmenter contract end to end; page scans of many lines need a
segmenter that finds them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lfhtr.core.interfaces import PluginOptions, Segmenter
from lfhtr.core.layout import PageLayout, TextLine, TextRegion

if TYPE_CHECKING:
    import numpy as np

BASELINE_AT = 0.75
"""Where the baseline of a line that fills its image lies, as a share of the height from the top: below
the x-height, above the descenders."""


class WholePage(Segmenter[PluginOptions]):
    """One region holding one level line, both the whole image."""

    def segment(self, page: np.ndarray) -> PageLayout:
        height, width = page.shape
        box = ((0.0, 0.0), (float(width), 0.0), (float(width), float(height)), (0.0, float(height)))
        y = BASELINE_AT * height
        line = TextLine("l1", ((0.0, y), (float(width), y)), box)
        return PageLayout(width, height, (TextRegion("r1", box, (line,)),))
