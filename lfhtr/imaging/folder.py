"""Real word images from a folder: any common format, any size, normalised like synthetic ones.

Unreadable files are listed and skipped rather than fatal, because one corrupt scan should not cost a
night of adaptation; an empty result is an error, because silently training on nothing would be worse.
"""

from __future__ import annotations

import fnmatch
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from lfhtr.errors import DataError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp", ".pgm", ".ppm"}
MAX_PIXELS = 40_000_000  # a word image larger than this is a mistake or a decompression bomb


@dataclass
class ImageSet:
    names: list[str]
    images: list[np.ndarray]
    skipped: list[str] = field(default_factory=list)


def list_images(folder: Path, include: list[str], limit: int | None) -> list[Path]:
    if not folder.is_dir():
        raise DataError(f"{folder}: image folder not found; check the path in the spec.")
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in IMAGE_SUFFIXES
        and any(fnmatch.fnmatch(p.name, pat) for pat in include)
        and p.is_file()  # a FIFO or device named like an image would block the reader forever
    )
    if not files:
        raise DataError(
            f"{folder}: no images matching {include} (formats: {', '.join(sorted(IMAGE_SUFFIXES))})."
        )
    return files[:limit] if limit else files


def load_word_image(path: Path, height: int) -> np.ndarray:
    """Greyscale, dark ink on light paper, scaled to ``height`` with the aspect ratio kept."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as img:
            if img.width * img.height > MAX_PIXELS:
                raise DataError(f"{path}: {img.width}×{img.height} is too large for a word image")
            grey = img.convert("L")
    arr = np.asarray(grey)
    if arr.size and arr.mean() < 110:  # white ink on black: a negative scan or an inverted export
        grey = Image.fromarray(255 - arr)
    width = max(1, round(grey.width * height / max(1, grey.height)))
    return np.asarray(grey.resize((width, height), Image.Resampling.BILINEAR))


def load_folder(folder: Path, height: int, include: list[str], limit: int | None = None) -> ImageSet:
    result = ImageSet([], [])
    for path in list_images(folder, include, limit):
        try:
            image = load_word_image(path, height)
        except (
            OSError,
            UnidentifiedImageError,
            ValueError,
            DataError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
        ) as exc:
            result.skipped.append(f"{path.name} ({type(exc).__name__}: {exc})")
            continue
        result.names.append(path.name)
        result.images.append(image)
    if not result.images:
        raise DataError(f"{folder}: none of the images could be read: {'; '.join(result.skipped[:3])}")
    return result
