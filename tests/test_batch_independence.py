"""A reading is a function of its image alone: not of the batch it is read in, nor of the batch's order.

Each image is padded to a width that depends on its own width only, and only images of one such width
share a batch, so the network sees exactly the columns it would see reading the image alone.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from lfhtr.core.interfaces import Reading
from lfhtr.imaging.folder import load_folder
from lfhtr.reading.reader import Reader
from lfhtr.train.batching import MIN_WIDTH, reading_width

GW = Path(__file__).parents[2] / "shared" / "data" / "gw-dev"
TOLERANCE = 1e-4


def _alone_and_mixed(reader: Reader, images: list[np.ndarray]) -> tuple[list[Reading], list[list[Reading]]]:
    recognizer = reader.recognizer
    alone = [recognizer.read([image], 1)[0][0] for image in images]
    mixes = [recognizer.read(images, 64)[0]]
    order = list(range(len(images)))
    random.Random(1).shuffle(order)
    shuffled = recognizer.read([images[i] for i in order], 17)[0]
    back: list[Reading] = [Reading("", 0.0)] * len(images)
    for position, index in enumerate(order):
        back[index] = shuffled[position]
    return alone, [*mixes, back]


def _assert_same(alone: list[Reading], mixes: list[list[Reading]]) -> None:
    for mixed in mixes:
        assert [r.text for r in mixed] == [r.text for r in alone]
        assert max(abs(a.confidence - b.confidence) for a, b in zip(alone, mixed)) < TOLERANCE


def test_the_reading_width_depends_on_the_width_alone_and_pads_little() -> None:
    for width in range(1, 5000):
        padded = reading_width(width)
        assert padded >= max(width, MIN_WIDTH) and padded % 8 == 0
        assert padded - max(width, MIN_WIDTH) <= max(7, max(width, MIN_WIDTH) // 8)


def test_words_of_many_widths_read_the_same_alone_and_in_any_batch() -> None:
    rng = np.random.default_rng(0)
    images = []
    for width in rng.integers(8, 400, size=60):
        image = np.full((32, int(width)), 255, np.uint8)
        image[8:24, 2 : int(width) - 2] = rng.integers(0, 200, size=(16, max(0, int(width) - 4)))
        images.append(image)
    _assert_same(*_alone_and_mixed(Reader.load("en", lexicon=False), images))


@pytest.mark.skipif(not GW.is_dir(), reason="the shared George Washington set is not beside the repository")
def test_every_gw_word_reads_the_same_alone_and_in_mixed_batches() -> None:
    reader = Reader.load("en", lexicon=False)
    images = load_folder(GW, reader.recognizer.height, ["*"]).images
    _assert_same(*_alone_and_mixed(reader, images))
