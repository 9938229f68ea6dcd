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
from PIL import Image, ImageOps, UnidentifiedImageError

from lfhtr.errors import PATH_RULE, DataError

IMAGE_SUFFIXES = {
    ".png",
    ".jpg",
    ".jpeg",
    ".jp2",
    ".j2k",
    ".tif",
    ".tiff",
    ".bmp",
    ".gif",
    ".webp",
    ".pgm",
    ".ppm",
}
MAX_PIXELS = 40_000_000  # a word image larger than this is a mistake or a decompression bomb
MAX_ASPECT = 100
"""Widest image (a long text line), in heights: scaling a 40000×1 file to the model's height would take
gigabytes."""
INVERT_BELOW = 110
"""A word image whose mean grey is below this is light ink on dark ground, and is inverted."""
RANGE_PERCENTILES = (0.1, 99.9)
"""The grey range of a 16-bit or float image, robust to a few saturated pixels (a hot pixel at the
maximum would otherwise squeeze the page into the dark half and invert it)."""
MIN_CONTRAST = 8
"""Grey levels between the darkest and lightest pixel below which an image holds no ink to read."""


UNREADABLE = (
    OSError,
    UnidentifiedImageError,
    ValueError,
    DataError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)
"""What reading one image can raise: the image is skipped with the reason, never the whole set."""


@dataclass
class ImageSet:
    names: list[str]
    """Each image's path relative to the set's folder, with '/' separators."""
    images: list[np.ndarray]
    skipped: list[str] = field(default_factory=list)


PDF_HINT = (
    "turn each PDF into one image a page first, e.g. `pdftoppm -r 300 -png FILE.pdf page` (poppler-utils)"
)
"""What to do with a PDF, the form many archives hand scans out in: lfhtr reads images, not documents."""


def not_an_image(path: Path) -> DataError:
    """The error for a path given as an image that is neither an image lfhtr reads nor a folder."""
    hint = f"; {PDF_HINT}" if path.suffix.lower() == ".pdf" else ""
    return DataError(f"{path}: not an image file or folder ({', '.join(sorted(IMAGE_SUFFIXES))}){hint}.")


def list_images(folder: Path, include: list[str], limit: int | None) -> list[Path]:
    if not folder.is_dir():
        raise DataError(f"{folder}: image folder not found ({PATH_RULE}).")
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.suffix.lower() in IMAGE_SUFFIXES
        and any(fnmatch.fnmatch(p.name, pat) for pat in include)
        and p.is_file()  # a FIFO or device named like an image would block the reader forever
    )
    if not files:
        hint = f"; {PDF_HINT}" if any(folder.glob("*.[pP][dD][fF]")) else ""
        raise DataError(
            f"{folder}: no images matching {include} (formats: {', '.join(sorted(IMAGE_SUFFIXES))}){hint}."
        )
    return files[:limit] if limit else files


def greyscale(img: Image.Image) -> Image.Image:
    """8-bit grey as the scan shows it: upright (EXIF), transparency on white, high bit depths by range."""
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        paper.alpha_composite(rgba)
        return paper.convert("L")
    if img.mode.startswith(("I", "F")):  # 16/32-bit integer and float: stretch their own range to 0-255
        values = np.asarray(img, dtype=np.float64)
        low, high = (float(v) for v in np.percentile(values, RANGE_PERCENTILES))
        if high <= low:  # a nearly uniform image: its full range, if it has one
            low, high = float(values.min()), float(values.max())
        scaled = (values - low) * (255.0 / (high - low)) if high > low else np.zeros_like(values)
        return Image.fromarray(np.round(np.clip(scaled, 0, 255)).astype(np.uint8))
    return img.convert("L")


def load_word_image(path: Path, height: int) -> np.ndarray:
    """Greyscale, dark ink on light paper, scaled to ``height`` with the aspect ratio kept."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(path) as img:
            if img.width * img.height > MAX_PIXELS:
                raise DataError(f"{path}: {img.width}×{img.height} is too large for a word image")
            return prepare_word_image(img, height, str(path))


def prepare_word_image(img: Image.Image, height: int, source: str) -> np.ndarray:
    """An image in memory as a word the model reads; ``source`` names it in errors."""
    grey = greyscale(img)
    if grey.width > MAX_ASPECT * grey.height:
        raise DataError(
            f"{source}: {grey.width}×{grey.height} is over {MAX_ASPECT} times as wide as high; "
            "not a word or line image"
        )
    arr = np.asarray(grey)
    if arr.size == 0 or int(arr.max()) - int(arr.min()) < MIN_CONTRAST:
        raise DataError(f"{source}: blank (no ink to read)")
    if arr.mean() < INVERT_BELOW:  # white ink on black: a negative scan or an inverted export
        grey = Image.fromarray(255 - arr)
    width = max(1, round(grey.width * height / max(1, grey.height)))
    return np.asarray(grey.resize((width, height), Image.Resampling.BILINEAR))


def load_folder(folder: Path, height: int, include: list[str], limit: int | None = None) -> ImageSet:
    result = ImageSet([], [])
    for path in list_images(folder, include, limit):
        name = path.relative_to(folder).as_posix()  # p1/0001.png and p2/0001.png are two images
        try:
            image = load_word_image(path, height)
        except UNREADABLE as exc:
            result.skipped.append(f"{name} ({type(exc).__name__}: {exc})")
            continue
        result.names.append(name)
        result.images.append(image)
    if not result.images:
        raise DataError(f"{folder}: none of the images could be read: {'; '.join(result.skipped[:3])}")
    return result
