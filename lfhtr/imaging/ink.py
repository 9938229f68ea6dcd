"""Where the writing is on a page scan: ink told from paper, ruling, borders and stains.

A segmenter looks for lines of handwriting; a scan also holds uneven paper and light, ruled and squared
paper, the dark edge of a book or the scanner bed, bleed-through from the back and stamps. Each is
removed by what sets it apart from handwriting rather than by a threshold tuned to one archive: the paper
by dividing the scan by its own brightest surroundings, faint marks by a threshold between the page's
paper and its ink, ruling by runs of ink far longer than any pen stroke, and borders by ink denser than
any writing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageFilter

WORKING_SIDE = 1200
"""Pixels of the longer side a page is analysed at: lines of a page stay tens of pixels apart, and
the analysis takes a fraction of a second."""
RULE_ACROSS, RULE_DOWN = 0.25, 0.08
"""A straight run of ink across longer than the first share of the page's width, or down longer than
the second share of its height, is ruling, a border or a page's edge. Cursive joins run level along a
whole word, so only runs of a quarter of the page count across; no stroke runs down more than a line."""
DENSE_SHARE = 0.55
"""Ink covering more than this share of a small window is a border, a blot or a photo, not writing."""


@dataclass(frozen=True)
class InkMap:
    ink: np.ndarray
    """Boolean H×W at the working scale: True where handwriting (or print) is."""
    scale: float
    """Working pixels per scan pixel."""


def working_scale(width: int, height: int) -> float:
    """Working pixels per scan pixel: pages are shrunk to ``WORKING_SIDE``, small images kept."""
    return min(1.0, WORKING_SIDE / max(width, height))


def find_ink(page: np.ndarray) -> InkMap:
    """The ink of ``page`` (uint8 H×W, 0 = black) at the working scale, ruling and borders removed."""
    height, width = page.shape
    scale = working_scale(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = Image.fromarray(page).resize(size, Image.Resampling.BOX)
    darkness = _darkness(small)
    ink = darkness > _threshold(darkness)
    ink = without_ruling(ink)
    ink &= ~_dense(ink)
    return InkMap(ink, scale)


def without_ruling(ink: np.ndarray) -> np.ndarray:
    """``ink`` less its long straight runs across and down: ruling, borders, the edges of a page or a
    book. Again after the ink is turned level, since a rule on a page laid crooked runs level only then."""
    return ink & ~_straight_runs(ink)


def _darkness(page: Image.Image) -> np.ndarray:
    """0 on paper, towards 1 on ink: the page divided by the paper around each point, found as the
    brightest value nearby on a coarse copy (a stroke is thinner than the window, paper is not)."""
    coarse_size = (max(1, page.width // 8), max(1, page.height // 8))
    coarse = page.resize(coarse_size, Image.Resampling.BOX).filter(ImageFilter.MaxFilter(5))
    paper = np.asarray(coarse.resize(page.size, Image.Resampling.BILINEAR), dtype=np.float32)
    values = np.asarray(page, dtype=np.float32)
    return np.clip(1.0 - values / np.maximum(paper, 1.0), 0.0, 1.0)


def _threshold(darkness: np.ndarray) -> float:
    """Otsu's threshold between paper and ink, kept within bounds so that a nearly blank page does not
    turn its paper grain into ink, nor a page dense with writing lose its lighter strokes."""
    counts, edges = np.histogram(darkness, bins=64, range=(0.0, 1.0))
    centres = (edges[:-1] + edges[1:]) / 2
    weight_below = np.cumsum(counts)
    weight_above = weight_below[-1] - weight_below
    sum_below = np.cumsum(counts * centres)
    mean_below = sum_below / np.maximum(weight_below, 1)
    mean_above = (sum_below[-1] - sum_below) / np.maximum(weight_above, 1)
    between = weight_below * weight_above * (mean_below - mean_above) ** 2
    return float(np.clip(edges[int(np.argmax(between)) + 1], 0.12, 0.45))


def _opening(mask: torch.Tensor, kernel: tuple[int, int]) -> torch.Tensor:
    """Morphological opening of a 1×1×H×W float mask by a rectangle of ``kernel`` (rows, columns)."""
    pad = (kernel[1] // 2, kernel[1] - 1 - kernel[1] // 2, kernel[0] // 2, kernel[0] - 1 - kernel[0] // 2)
    eroded = -F.max_pool2d(F.pad(-mask, pad, value=-1.0), kernel, stride=1)
    return F.max_pool2d(F.pad(eroded, pad, value=0.0), kernel, stride=1)


def _straight_runs(ink: np.ndarray) -> np.ndarray:
    """Ink on long horizontal or vertical straight runs (ruling, page and book edges), widened by a
    pixel first, so that a rule a little off level still runs on, and after, so its fringes go too."""
    height, width = ink.shape
    mask = torch.from_numpy(ink.astype(np.float32))[None, None]
    thick = F.max_pool2d(mask, (3, 3), stride=1, padding=1)
    across = _opening(thick, (1, max(3, int(RULE_ACROSS * width))))
    down = _opening(thick, (max(3, int(RULE_DOWN * height)), 1))
    runs = torch.clamp(across + down, max=1.0)
    return F.max_pool2d(runs, 3, stride=1, padding=1)[0, 0].numpy() > 0


def _dense(ink: np.ndarray) -> np.ndarray:
    """Ink in windows it mostly fills (dark borders, blots, pictures), widened by the window."""
    window = max(5, (min(ink.shape) // 80) | 1)
    mask = torch.from_numpy(ink.astype(np.float32))[None, None]
    density = F.avg_pool2d(mask, window, stride=1, padding=window // 2, count_include_pad=False)
    dense = (density > DENSE_SHARE).float()
    return F.max_pool2d(dense, window, stride=1, padding=window // 2)[0, 0].numpy() > 0
