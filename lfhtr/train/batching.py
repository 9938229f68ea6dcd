"""From word images to padded tensors, grouping similar widths so little compute goes to padding."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from lfhtr.text.charset import Charset


@dataclass
class Batch:
    images: torch.Tensor  # B, 1, H, W float: 1 = ink, 0 = paper (and padding)
    widths: torch.Tensor  # B
    texts: list[str]
    targets: torch.Tensor  # concatenated label ids
    target_lengths: torch.Tensor  # B


INK_PERCENTILE = 1
MIN_SPAN = 24.0
"""Grey levels between paper and ink at the least, so a blank crop's noise is not stretched into ink."""
MIN_WIDTH = 16
"""Narrower images are padded (with paper) to this many columns: the network needs a few frames."""


def reading_width(width: int) -> int:
    """The width an image of ``width`` columns is padded to for reading: at least ``MIN_WIDTH``, rounded
    up to a multiple of an eighth to a sixteenth of itself (at least 8 columns).

    It depends on the image alone, and only images of one reading width share a batch, so what an image
    reads as never depends on the other images read with it (the network sees the same columns, the
    same padding); the rounding lets similar widths still share batches.
    """
    width = max(MIN_WIDTH, width)
    step = max(8, 1 << max(0, width.bit_length() - 4))
    return -(-width // step) * step


def normalise(image: np.ndarray) -> np.ndarray:
    """Map paper to 0 and the ink to 1, so faded ink and grey paper look like the training data.

    Paper is the median grey, not a bright percentile: word crops are mostly paper, and many datasets
    (George Washington, IAM) blank everything outside the word polygon to pure white; a bright percentile
    would take that mask for the paper and turn the real paper into faint ink (measured on GW pages
    276-279: CER 0.644 with the 90th percentile, 0.630 with the median, same checkpoint).
    """
    paper = float(np.median(image))
    ink = float(np.percentile(image, INK_PERCENTILE))
    span = max(paper - ink, MIN_SPAN)
    return np.clip((paper - image.astype(np.float32)) / span, 0.0, 1.0)


def collate(
    images: Sequence[np.ndarray],
    texts: Sequence[str],
    charset: Charset,
    min_width: int = MIN_WIDTH,
    pad_to: int = 0,
) -> Batch:
    """Images padded with paper to the widest of them (or to ``pad_to``, if wider), normalised."""
    height = images[0].shape[0]
    widths = [max(min_width, img.shape[1]) for img in images]
    tensor = torch.zeros(len(images), 1, height, max(pad_to, *widths))
    for i, img in enumerate(images):
        tensor[i, 0, :, : img.shape[1]] = torch.from_numpy(normalise(img))
    encoded = [charset.encode(t) for t in texts]
    targets = torch.tensor([c for e in encoded for c in e], dtype=torch.long)
    return Batch(
        tensor,
        torch.tensor(widths, dtype=torch.long),
        list(texts),
        targets,
        torch.tensor([len(e) for e in encoded], dtype=torch.long),
    )


def width_batches(widths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Indices grouped into batches of similar width, the batch order shuffled."""
    order = sorted(range(len(widths)), key=lambda i: (widths[i], rng.random()))
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(batches)
    return batches
