"""The built-in augmenters' fast paths do what their slower textbook versions do."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PIL import Image, ImageFilter

from lfhtr.builtin import augmenters as aug
from lfhtr.builtin import warping


def _page(seed: int = 0, shape: tuple[int, int] = (32, 90)) -> np.ndarray:
    """Paper with a few dark strokes, like a rendered word."""
    gen = np.random.default_rng(seed)
    image = np.full(shape, 220, np.uint8)
    for _ in range(12):
        y, x = gen.integers(4, shape[0] - 6), gen.integers(0, shape[1] - 10)
        image[y : y + 3, x : x + 10] = gen.integers(0, 80)
    return image


@pytest.mark.parametrize(
    ("thicken", "reference"), [(1.0, ImageFilter.MinFilter(3)), (0.0, ImageFilter.MaxFilter(3))]
)
def test_morphology_is_the_3x3_rank_filter(thicken: float, reference: ImageFilter.Filter) -> None:
    image = _page()
    out = aug.Morphology(aug.Morphology.Options(thicken=thicken)).apply(image, random.Random(0))
    assert np.array_equal(out, np.asarray(Image.fromarray(image).filter(reference)))


def test_elastic_without_strength_is_the_identity_and_with_it_a_small_warp() -> None:
    image = _page()
    still = aug.Elastic(aug.Elastic.Options(strength=0.0)).apply(image, random.Random(0))
    assert np.array_equal(still, image)
    warped = aug.Elastic(aug.Elastic.Options(strength=0.1)).apply(image, random.Random(0))
    assert warped.shape == image.shape and warped.dtype == np.uint8
    assert not np.array_equal(warped, image)
    assert abs(float(warped.mean()) - float(image.mean())) < 5  # ink moves; it is not created


def test_warp_reads_between_pixels_and_past_the_border() -> None:
    ramp = np.tile(np.arange(0, 200, 10, dtype=np.uint8), (4, 1))  # 10 grey levels a pixel
    everywhere = (0, 4), (0, 5)  # knots at the output's corners: a constant field
    between = np.array([np.full((2, 2), 2.5), np.full((2, 2), 1.25)], np.float32)
    assert np.all(warping.warp(ramp, between, *everywhere, 5) == 25)
    outside = np.array([np.full((2, 2), 99.0), np.zeros((2, 2))], np.float32)
    assert np.all(warping.warp(ramp, outside, *everywhere, 5) == ramp[0, -1])  # the border extends


def test_noise_has_the_requested_spread_and_follows_the_seed() -> None:
    flat = np.full((32, 200), 128, np.uint8)
    noise = aug.Noise(aug.Noise.Options(sigma=(6.0, 6.0)))
    out = noise.apply(flat, random.Random(1)).astype(np.float32)
    assert abs(out.mean() - 128) < 1 and 5.4 < out.std() < 6.6
    assert np.array_equal(noise.apply(flat, random.Random(1)), noise.apply(flat, random.Random(1)))
    assert not np.array_equal(noise.apply(flat, random.Random(1)), noise.apply(flat, random.Random(2)))


def test_paper_texture_darkens_smoothly_within_its_strength() -> None:
    flat = np.full((32, 160), 200, np.uint8)
    out = aug.PaperTexture(aug.PaperTexture.Options(strength=(0.3, 0.3))).apply(flat, random.Random(0))
    assert out.min() >= int(200 * 0.7) - 1 and out.max() <= 200
    assert out.std() > 2  # shaded, not a constant
    assert np.abs(np.diff(out.astype(np.int16), axis=1)).max() <= 4  # low frequency: no speckle


def test_affine_keeps_pixel_centres_and_fills_with_paper() -> None:
    image = _page()
    h, w = image.shape

    def affine(stretch: float, rotate: float) -> np.ndarray:
        options = aug.Affine.Options(stretch=(stretch, stretch), shear=0.0, rotate=rotate)
        return aug.Affine(options).apply(image, random.Random(0))

    assert np.array_equal(affine(1.0, 0.0), image)
    wide = affine(2.0, 0.0)
    reference = np.asarray(Image.fromarray(image).resize((2 * w, h), Image.Resampling.BILINEAR))
    assert wide.shape == (h, 2 * w)
    assert np.abs(wide[:, 1:-1].astype(int) - reference[:, 1:-1]).max() <= 1  # same half-pixel convention
    tilted = affine(1.0, 20.0)
    assert tilted.shape[0] == h  # scaled back to the input height
    assert abs(int(tilted[0, 0]) - 220) <= 1 and abs(int(tilted[-1, -1]) - 220) <= 1  # paper, not black


def test_blur_is_pillows_3x3_gaussian_kernel_and_blurs_the_border_too() -> None:
    image = _page()
    for radius in (0.3, 0.55, 0.8):
        out = aug.Blur(aug.Blur.Options(radius=(radius, radius))).apply(image, random.Random(0))
        taps = (float(np.exp(-0.5 / radius**2)), 1.0, float(np.exp(-0.5 / radius**2)))
        kernel = ImageFilter.Kernel((3, 3), [a * b for a in taps for b in taps], sum(taps) ** 2)
        reference = np.asarray(Image.fromarray(image).filter(kernel))
        assert np.abs(out[1:-1, 1:-1].astype(int) - reference[1:-1, 1:-1]).max() <= 1
    edge = np.full((8, 8), 200, np.uint8)
    edge[:, 0] = 0  # Pillow's 3 × 3 filter would leave this column as it is
    out = aug.Blur(aug.Blur.Options(radius=(0.8, 0.8))).apply(edge, random.Random(0))
    assert 0 < out[4, 0] < 200 and out[4, 1] < 200


def test_blur_spreads_ink_symmetrically_and_keeps_it() -> None:
    dot = np.full((9, 9), 200, np.uint8)
    dot[4, 4] = 0
    for radius in (0.5, 1.2):  # the 3 × 3 kernel and the general Gaussian
        out = aug.Blur(aug.Blur.Options(radius=(radius, radius))).apply(dot, random.Random(0)).astype(int)
        assert out[4, 4] > 0 and out[4, 3] == out[4, 5] == out[3, 4] == out[5, 4] < 200
        assert abs(out.sum() - dot.astype(int).sum()) < 30


def test_paper_level_is_the_90th_percentile() -> None:
    for seed in range(5):
        image = np.random.default_rng(seed).integers(0, 256, (32, 77), dtype=np.uint8)
        assert abs(aug._paper_level(image) - np.percentile(image, 90)) <= 1
        assert aug._paper_level(image[:, ::2]) == aug._paper_level(np.ascontiguousarray(image[:, ::2]))
