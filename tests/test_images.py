"""Real word images as users have them: odd modes, rotations, FIFOs, blank and absurdly wide files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lfhtr.imaging.folder import list_images, load_folder, load_word_image


def test_a_fifo_named_like_an_image_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "word.png").write_bytes(b"\x89PNG")
    os.mkfifo(tmp_path / "pipe.png")
    assert [p.name for p in list_images(tmp_path, ["*"], None)] == ["word.png"]


def _word(width: int = 60, height: int = 20) -> np.ndarray:
    """A dark bar on light paper: enough of a 'word' to tell ink from paper."""
    image = np.full((height, width), 230, np.uint8)
    image[6:14, 10:50] = 20
    return image


def _saved_as(path: Path, make: Callable[[np.ndarray], Image.Image], **save: object) -> Path:
    make(_word()).save(path, **save)
    return path


def _rgba_on_transparent(word: np.ndarray) -> Image.Image:
    alpha = Image.fromarray(np.where(word < 128, 255, 0).astype(np.uint8))
    rgba = Image.new("RGBA", (word.shape[1], word.shape[0]), (0, 0, 0, 0))
    rgba.putalpha(alpha)
    return rgba  # black everywhere; only the alpha says where the ink is


def _sixteen_bit(word: np.ndarray) -> Image.Image:
    return Image.fromarray((word.astype(np.uint16) * 257).astype(np.uint16))


def _float(word: np.ndarray) -> Image.Image:
    return Image.fromarray(word.astype(np.float32) / 255.0)


@pytest.mark.parametrize(
    ("make", "suffix"), [(_rgba_on_transparent, ".png"), (_sixteen_bit, ".png"), (_float, ".tif")]
)
def test_common_image_modes_read_as_ink_on_paper(
    tmp_path: Path, make: Callable[[np.ndarray], Image.Image], suffix: str
) -> None:
    read = load_word_image(_saved_as(tmp_path / f"word{suffix}", make), 20)
    assert read.shape == (20, 60)
    assert read[10, 30] < 60 and read[2, 2] > 200  # ink dark, paper light, as in the synthetic data


def test_jpeg_2000_the_format_archives_keep_their_masters_in_is_listed_and_read(tmp_path: Path) -> None:
    path = _saved_as(tmp_path / "word.jp2", Image.fromarray)
    assert list_images(tmp_path, ["*"], None) == [path]
    read = load_word_image(path, 20)
    assert read[10, 30] < 60 and read[2, 2] > 200


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: shown rotated 90° clockwise
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(_word(), 1)))
    stored.save(tmp_path / "turned.jpg", exif=exif)
    assert load_word_image(tmp_path / "turned.jpg", 20).shape == (20, 60)


def test_blank_and_extremely_wide_images_are_skipped_with_a_reason(tmp_path: Path) -> None:
    Image.new("L", (40000, 1), 0).save(tmp_path / "wide.png")
    Image.new("L", (60, 20), 255).save(tmp_path / "blank.png")
    Image.fromarray(_word()).save(tmp_path / "word.png")
    found = load_folder(tmp_path, 32, ["*"])
    assert found.names == ["word.png"]
    assert sorted(found.skipped) == [
        "blank.png (DataError: " + f"{tmp_path / 'blank.png'}: blank (no ink to read))",
        "wide.png (DataError: "
        + f"{tmp_path / 'wide.png'}: 40000×1 is over 100 times as wide as high; not a word or line image)",
    ]
