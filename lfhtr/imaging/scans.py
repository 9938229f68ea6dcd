"""Page scans as lfhtr reads them: upright, greyscale, at their own size.

Through the same conversion as word images (``greyscale``): a photo's EXIF orientation is applied, a
16-bit scan is scaled by its range rather than clipped, transparency lies on white paper. A negative
(light writing on dark paper, as microfilm gives) is turned positive.
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from lfhtr.errors import DataError
from lfhtr.imaging.folder import greyscale
from lfhtr.log import log

LIGHT_SHARE = 0.2
"""Below this share of light pixels a scan is a negative: its light parts are the writing. A page
photographed on a dark ground is a large light part, a negative's strokes are thin ones."""
MAX_SCAN_PIXELS = 200_000_000
"""Larger than an A2 sheet scanned at 600 dpi: a bigger file is a mistake or a decompression bomb."""


def load_scan(path: Path) -> Image.Image:
    """The scan at ``path`` as an 8-bit greyscale image (mode L), upright; errors name the file."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as img:
            if img.width * img.height > MAX_SCAN_PIXELS:
                raise DataError(f"{path}: {img.width}×{img.height} is too large for a page scan")
            if (frames := getattr(img, "n_frames", 1)) > 1:
                _warn_once(f"{path}: holds {frames} pages; only the first is read (save one page a file)")
            grey = greyscale(img)
            grey.load()
    light = np.asarray(grey.reduce(8)) >= 128
    if light.mean() < LIGHT_SHARE:  # a negative: a microfilm, an inverted export
        return ImageOps.invert(grey)
    return grey


@cache
def _warn_once(message: str) -> None:
    """A scan is loaded to be segmented and again to be cut: one warning is enough."""
    log.warning(message)
