"""Smooth fields and warps given on a coarse grid of knots, for the built-in augmenters.

An elastic distortion is the bilinear blend of random knot displacements, and an affine map is exactly
the bilinear blend of its values at the image's four corners, so either one's per-pixel sampling grid
is one small matrix product away from its knots. The resampling itself is torch's vectorised
``grid_sample``, several times cheaper a pixel than Pillow's affine transform or a numpy gather
(docs/benchmarks.md). Everything around it stays in numpy, since every torch call has a fixed dispatch
cost; torch is imported on first use, so validating a spec does not load it.
"""

from __future__ import annotations

import functools

import numpy as np


@functools.lru_cache(maxsize=1024)
def tent_weights(knots: tuple[int, ...], length: int) -> np.ndarray:
    """(length × knots) weights that linearly interpolate values given at ``knots`` to every pixel.

    Cached because images of one height share their row weights and widths repeat; callers must not
    write to them (left writeable so that torch can wrap them without a copy).
    """
    points = np.array(knots, np.float32)
    positions = np.arange(length, dtype=np.float32)
    index = np.clip(np.searchsorted(points, positions, side="right") - 1, 0, len(knots) - 2)
    t = (positions - points[index]) / (points[index + 1] - points[index])
    weights = np.zeros((length, len(knots)), np.float32)
    rows = np.arange(length)
    weights[rows, index] = 1 - t
    weights[rows, index + 1] = t
    return weights


def knot_field(
    values: np.ndarray, ys: tuple[int, ...], xs: tuple[int, ...], shape: tuple[int, int]
) -> np.ndarray:
    """A smooth float32 field of ``shape`` from ``values`` given at the knots ``ys`` × ``xs``, bilinearly
    (over the last two axes of ``values``; leading axes, such as x and y of a warp, are kept)."""
    return tent_weights(ys, shape[0]) @ values @ tent_weights(xs, shape[1]).T


def warp(
    image: np.ndarray,
    source: np.ndarray,
    ys: tuple[int, ...],
    xs: tuple[int, ...],
    width: int,
    fill: float | None = None,
) -> np.ndarray:
    """``image`` resampled bilinearly onto ``width`` columns of the same height.

    ``source[:, i, j]`` is the (x, y) point of ``image``, in pixel-centre coordinates, that output knot
    (``ys[i]``, ``xs[j]``) reads; every other output pixel reads the bilinear blend of its four knots'
    points. Points outside the image read ``fill``, or the nearest border pixel when it is None.
    """
    import torch
    import torch.nn.functional as F

    height, image_width = image.shape
    # grid_sample's coordinates (align_corners=False): pixel centre x lies at (2x + 1) / W - 1
    scale = np.array([2 / image_width, 2 / height], np.float32).reshape(2, 1, 1)
    grid = knot_field(
        source.astype(np.float32, copy=False) * scale + (scale / 2 - 1), ys, xs, (height, width)
    )
    pixels = torch.from_numpy(image.astype(np.float32))[None, None]  # a copy: image may be read-only
    if fill is not None:
        pixels -= fill  # grid_sample reads zeros outside the image: there, the fill
    out = F.grid_sample(
        pixels,
        torch.from_numpy(grid).permute(1, 2, 0)[None],
        mode="bilinear",
        padding_mode="border" if fill is None else "zeros",
        align_corners=False,
    )[0, 0].numpy()
    out += 0.5 if fill is None else fill + 0.5  # rounded, not truncated, by the cast
    return out.astype(np.uint8)
