"""Ground-truth readers: lfhtr's labels.tsv and the IAM words.txt format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lfhtr.core.settings import LabelledSet
from lfhtr.errors import DataError
from lfhtr.imaging.folder import load_folder


def read_tsv(path: Path) -> dict[str, str]:
    labels: dict[str, str] = {}
    for number, line in enumerate(_lines(path), 1):
        if not line.strip():
            continue
        name, sep, text = line.partition("\t")
        if not sep:
            raise DataError(f"{path}:{number}: expected 'file<TAB>text', got {line[:60]!r}.")
        labels[name] = text
    return labels


def read_iam(path: Path) -> dict[str, str]:
    """IAM words.txt: ``id status graylevel x y w h tag transcription``; images are ``<id>.png``."""
    labels: dict[str, str] = {}
    for number, line in enumerate(_lines(path), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(" ")
        if len(parts) < 9:
            raise DataError(f"{path}:{number}: not an IAM words.txt line: {line[:60]!r}.")
        labels[f"{parts[0]}.png"] = " ".join(parts[8:])
    return labels


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(f"{path}: label file not found; set labels in the spec.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read labels ({exc}).") from None


READERS = {"tsv": ("labels.tsv", read_tsv), "iam": ("words.txt", read_iam)}


def load_labelled(labelled: LabelledSet, resolve: Callable[[str], Path], height: int) -> LabelledImages:
    """Images of a labelled set with their texts; images without a label are skipped and listed."""
    folder = resolve(labelled.images)
    default_name, reader = READERS[labelled.format]
    labels = reader(resolve(labelled.labels) if labelled.labels else folder / default_name)
    found = load_folder(folder, height, labelled.include, labelled.limit)
    result = LabelledImages([], [], [], found.skipped)
    for name, image in zip(found.names, found.images):
        if name in labels:
            result.names.append(name)
            result.images.append(image)
            result.texts.append(labels[name])
        else:
            result.skipped.append(f"{name} (no label)")
    if not result.images:
        raise DataError(f"{folder}: no image has a label in the label file; check evaluate.data.labels.")
    return result


@dataclass
class LabelledImages:
    names: list[str]
    images: list[np.ndarray]
    texts: list[str]
    skipped: list[str]
