"""Smooth fields and warps given on a coarse grid of knots, for the built-in augmenters.

An elastic distortion is the bilinear blend of random knot displacements, so its per-pixel sampling
grid is one small matrix product away from the knots, and the resampling itself is torch's vectorised
``grid_sample``: about 2 ns a pixel against 17 ns for a numpy gather. Its fixed cost (≈ 50 µs of
torch calls) is why the affine augmenter keeps Pillow's transform: an affine warp through this path
measured 0.86× Pillow's speed at 32 px, the default height (1.4× at 64 px).
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F


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
    """A smooth float32 field of ``shape`` from ``values`` given at the knots ``ys`` × ``xs``, bilinearly."""
    return tent_weights(ys, shape[0]) @ values @ tent_weights(xs, shape[1]).T


def warp(
    image: np.ndarray,
    source: np.ndarray,
    ys: tuple[int, ...],
    xs: tuple[int, ...],
    width: int,
) -> np.ndarray:
    """``image`` resampled bilinearly onto ``width`` columns of the same height.

    ``source[:, i, j]`` is the (x, y) point of ``image``, in pixel-centre coordinates, that output knot
    (``ys[i]``, ``xs[j]``) reads; every other output pixel reads the bilinear blend of its four knots'
    points. Points outside the image read the nearest border pixel.
    """
    height, image_width = image.shape
    # grid_sample's coordinates (align_corners=False): pixel centre x lies at (2x + 1) / W - 1
    scale = np.array([2 / image_width, 2 / height], np.float32).reshape(2, 1, 1)
    knots = torch.from_numpy((source * scale + (scale / 2 - 1)).astype(np.float32))
    rows = torch.matmul(torch.from_numpy(tent_weights(ys, height)), knots)  # (2, height, len(xs))
    columns = torch.from_numpy(tent_weights(xs, width))
    grid = torch.mm(rows.reshape(-1, len(xs)), columns.T).view(2, height, width)
    pixels = torch.from_numpy(image.astype(np.float32))[None, None]  # a copy: image may be read-only
    out = F.grid_sample(
        pixels, grid.permute(1, 2, 0)[None], mode="bilinear", padding_mode="border", align_corners=False
    )[0, 0].numpy()
    out += 0.5  # rounded, not truncated, by the cast
    return out.astype(np.uint8)
