"""Built-in augmenters: the ways a real scan differs from a clean font rendering.

Each works on a uint8 array (0 = ink, 255 = paper) and keeps the height, since the model's input height
is fixed. They lean on Pillow's C routines and small numpy fields so that augmentation stays a small
fraction of a training step on a 2-core CPU.
"""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image, ImageFilter
from pydantic import Field

from lfhtr.core.interfaces import Augmenter, AugmenterOptions

Range = tuple[float, float]


def _np_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(64))


def _fit_height(image: Image.Image, height: int) -> Image.Image:
    if image.height == height:
        return image
    width = max(1, round(image.width * height / image.height))
    return image.resize((width, height), Image.Resampling.BILINEAR)


def _paper_level(image: np.ndarray) -> int:
    return int(np.percentile(image, 90)) if image.size else 255


class Affine(Augmenter[AugmenterOptions]):
    """Small rotation, horizontal stretch and shear: the variation of one writer's hand across a page."""

    class Options(AugmenterOptions):
        rotate: float = Field(3.0, ge=0, le=30, description="Maximum rotation, degrees.")
        stretch: Range = Field((0.8, 1.25), description="Horizontal scale range.")
        shear: float = Field(0.15, ge=0, le=1, description="Maximum extra shear factor.")

    options: Options

    def apply(self, image: np.ndarray, rng: random.Random) -> np.ndarray:
        """Stretch, slant and rotation composed into one resampling, scaled back to the input height."""
        o = self.options
        h, w = image.shape
        stretch = rng.uniform(*o.stretch)
        shear = rng.uniform(-o.shear, o.shear)
        angle = math.radians(rng.uniform(-o.rotate, o.rotate))
        cos, sin = math.cos(angle), math.sin(angle)
        forward = np.array([[cos, sin], [-sin, cos]]) @ np.array([[1.0, -shear], [0.0, 1.0]])
        forward = forward @ np.diag([stretch, 1.0])
        corners = forward @ np.array([[0.0, w, w, 0.0], [0.0, 0.0, h, h]])
        low, high = corners.min(axis=1), corners.max(axis=1)
        scale = h / max(1e-6, high[1] - low[1])
        width = max(1, round((high[0] - low[0]) * scale))
        inverse = np.linalg.inv(forward)
        matrix, offset = inverse / scale, inverse @ low
        data = (matrix[0, 0], matrix[0, 1], offset[0], matrix[1, 0], matrix[1, 1], offset[1])
        warped = Image.fromarray(image).transform(
            (width, h),
            Image.Transform.AFFINE,
            tuple(float(v) for v in data),
            resample=Image.Resampling.BILINEAR,
            fillcolor=_paper_level(image),
        )
        return np.asarray(warped)


class Elastic(Augmenter[AugmenterOptions]):
    """Smooth local warping, like a pen that does not draw the same letter twice."""

    class Options(AugmenterOptions):
        strength: float = Field(0.06, ge=0, le=0.5, description="Maximum displacement, in image heights.")
        cell: float = Field(1.0, gt=0, description="Warp grid cell size, in image heights.")

    options: Options

    def apply(self, image: np.ndarray, rng: random.Random) -> np.ndarray:
        o = self.options
        h, w = image.shape
        step = max(4, int(o.cell * h))
        amp = o.strength * h
        xs = list(range(0, w, step)) + [w]
        ys = [0, h // 2, h]
        gen = _np_rng(rng)
        jitter = gen.uniform(-amp, amp, size=(len(ys), len(xs), 2))
        jitter[[0, -1], :, 1] = 0  # keep top and bottom rows on the border so no paper edge shows
        jitter[:, [0, -1], 0] = 0
        src = np.stack(np.meshgrid(xs, ys), axis=-1).astype(np.float64) + jitter
        mesh = []
        for j in range(len(ys) - 1):
            for i in range(len(xs) - 1):
                box = (xs[i], ys[j], xs[i + 1], ys[j + 1])
                quad = (*src[j, i], *src[j + 1, i], *src[j + 1, i + 1], *src[j, i + 1])
                mesh.append((box, tuple(float(v) for v in quad)))
        img = Image.fromarray(image).transform(
            (w, h),
            Image.Transform.MESH,
            mesh,
            resample=Image.Resampling.BILINEAR,
            fillcolor=_paper_level(image),
        )
        return np.asarray(img)


class Blur(Augmenter[AugmenterOptions]):
    """Gaussian blur: scanner focus and ink bleeding into paper."""

    class Options(AugmenterOptions):
        p: float = Field(0.3, ge=0.0, le=1.0, description="Probability of applying this augmenter.")
        radius: Range = Field((0.3, 0.8), description="Gaussian radius range, pixels.")

    options: Options

    def apply(self, image: np.ndarray, rng: random.Random) -> np.ndarray:
        radius = rng.uniform(*self.options.radius)
        return np.asarray(Image.fromarray(image).filter(ImageFilter.GaussianBlur(radius)))


class Noise(Augmenter[AugmenterOptions]):
    """Additive Gaussian pixel noise: sensor noise and paper grain."""

    class Options(AugmenterOptions):
        p: float = Field(0.3, ge=0.0, le=1.0, description="Probability of applying this augmenter.")
        sigma: Range = Field((2.0, 10.0), description="Noise standard deviation range, grey levels.")

    options: Options

    def apply(self, image: np.ndarray, rng: random.Random) -> np.ndarray:
        sigma = rng.uniform(*self.options.sigma)
        noisy = image.astype(np.float32) + _np_rng(rng).normal(0, sigma, image.shape).astype(np.float32)
        return np.clip(noisy, 0, 255).astype(np.uint8)


class Morphology(Augmenter[AugmenterOptions]):
    """Thicker or thinner strokes: pen width and pressure."""

    class Options(AugmenterOptions):
        p: float = Field(0.15, ge=0.0, le=1.0, description="Probability of applying this augmenter.")
        thicken: float = Field(0.5, ge=0, le=1, description="Share of applications that thicken, not thin.")

    options: Options

    def apply(self, image: np.ndarray, rng: random.Random) -> np.ndarray:
        thicken = rng.random() < self.options.thicken
        size_filter = ImageFilter.MinFilter(3) if thicken else ImageFilter.MaxFilter(3)
        return np.asarray(Image.fromarray(image).filter(size_filter))


class Contrast(Augmenter[AugmenterOptions]):
    """Ink and paper levels plus gamma: faded ink, dark paper, different scanners."""

    class Options(AugmenterOptions):
        gamma: Range = Field((0.6, 1.6), description="Gamma range.")
        span: Range = Field((0.5, 1.0), description="Range of the output dynamic range kept.")

    options: Options

    def apply(self, image: np.ndarray, rng: random.Random) -> np.ndarray:
        o = self.options
        span = rng.uniform(*o.span) * 255
        low = rng.uniform(0, 255 - span)
        lut = (np.linspace(0, 1, 256) ** rng.uniform(*o.gamma)) * span + low
        return lut.astype(np.uint8)[image]


class PaperTexture(Augmenter[AugmenterOptions]):
    """Low-frequency shading and stains multiplied into the page, as on old or unevenly lit paper."""

    class Options(AugmenterOptions):
        strength: Range = Field((0.05, 0.3), description="Depth of the shading, as a share of paper level.")
        scale: float = Field(0.5, gt=0, description="Texture feature size, in image heights.")

    options: Options

    def apply(self, image: np.ndarray, rng: random.Random) -> np.ndarray:
        o = self.options
        h, w = image.shape
        cell = max(2, int(o.scale * h))
        gen = _np_rng(rng)
        coarse = gen.random((h // cell + 2, w // cell + 2)).astype(np.float32)
        field = Image.fromarray(coarse).resize((w + 2 * cell, h + 2 * cell), Image.Resampling.BICUBIC)
        shade = np.asarray(field, dtype=np.float32)[cell : cell + h, cell : cell + w]
        factor = 1.0 - rng.uniform(*o.strength) * np.clip(shade, 0, 1)
        return np.clip(image.astype(np.float32) * factor, 0, 255).astype(np.uint8)
