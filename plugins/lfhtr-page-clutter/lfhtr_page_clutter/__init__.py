"""Clutter augmenters: the parts of a page that end up inside a word's bounding box."""

from __future__ import annotations

import random

import numpy as np
from PIL import Image, ImageDraw
from pydantic import Field

from lfhtr.core.interfaces import Augmenter, AugmenterOptions


def _ink_level(image: np.ndarray) -> int:
    return int(np.percentile(image, 2))


class NeighbourStrokes(Augmenter[AugmenterOptions]):
    """Curved stroke fragments entering from the top or bottom edge, drawn in the word's own ink."""

    class Options(AugmenterOptions):
        p: float = Field(0.3, ge=0.0, le=1.0, description="Probability of applying this augmenter.")
        strokes: tuple[int, int] = Field((1, 3), description="How many fragments to draw.")
        reach: float = Field(
            0.25, gt=0, le=0.6, description="How far a fragment reaches in, in image heights."
        )
        width: float = Field(0.06, gt=0, le=0.3, description="Stroke width, in image heights.")

    options: Options

    def apply(self, image: np.ndarray, rng: random.Random) -> np.ndarray:
        o = self.options
        h, w = image.shape
        out = Image.fromarray(image)
        draw = ImageDraw.Draw(out)
        ink = _ink_level(image)
        for _ in range(rng.randint(*o.strokes)):
            from_top = rng.random() < 0.5
            x = rng.uniform(0, w)
            depth = rng.uniform(0.3, 1.0) * o.reach * h
            points = []
            for t in np.linspace(0, 1, 6):
                y = t * depth if from_top else h - 1 - t * depth
                points.append((x + rng.uniform(-0.08, 0.08) * h + t * rng.uniform(-0.3, 0.3) * h, y))
            draw.line(points, fill=ink, width=max(1, round(o.width * h)), joint="curve")
        return np.asarray(out)


class RuledLines(Augmenter[AugmenterOptions]):
    """A faint horizontal rule across the word, as on ledger or notebook paper."""

    class Options(AugmenterOptions):
        p: float = Field(0.1, ge=0.0, le=1.0, description="Probability of applying this augmenter.")
        darkness: tuple[float, float] = Field((0.15, 0.5), description="Line darkness relative to the ink.")
        position: tuple[float, float] = Field((0.7, 0.95), description="Vertical position range, in heights.")

    options: Options

    def apply(self, image: np.ndarray, rng: random.Random) -> np.ndarray:
        o = self.options
        h, w = image.shape
        y = int(rng.uniform(*o.position) * (h - 1))
        tilt = rng.uniform(-0.02, 0.02) * w
        paper = float(np.percentile(image, 90))
        level = paper - rng.uniform(*o.darkness) * (paper - _ink_level(image))
        out = Image.fromarray(image)
        ImageDraw.Draw(out).line([(0, y), (w, y + tilt)], fill=int(level), width=1)
        return np.minimum(np.asarray(out), image)
