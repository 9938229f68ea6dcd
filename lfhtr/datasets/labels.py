"""Ground truth where users keep it: labels.tsv, IAM words.txt, a transcripts.txt, or the file names.

Labels name images by their path relative to the set's folder (``p1/0001.png``); a label naming a bare
file name also matches an image in a sub-folder when no other image has that name. Labels are read for
measuring only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

from lfhtr.core.settings import LabelledSet
from lfhtr.errors import PATH_RULE, DataError, SpecError
from lfhtr.imaging.folder import ImageSet, load_folder
from lfhtr.log import log
from lfhtr.pages.auto import AUTO
from lfhtr.pages.cut import load_page_regions
from lfhtr.pages.parse import Unit
from lfhtr.text.charset import nfc
from lfhtr.text.corpus import check_text_file

LABELS_HEADER = "file\ttext"


def _tab_separated(path: Path, number: int, line: str) -> tuple[str, str]:
    name, separator, text = line.partition("\t")
    if not separator:
        raise DataError(f"{path}:{number}: expected 'file<TAB>text', got {line[:60]!r}.")
    return name, text


def _space_separated(path: Path, number: int, line: str) -> tuple[str, str]:
    name, *text = line.split(maxsplit=1)
    return name, "".join(text).strip()


def _pairs(
    path: Path, split: Callable[[Path, int, str], tuple[str, str]], header: str | None = None
) -> dict[str, str]:
    """name → text, one pair a line (after ``header``, where the first line is it); a name given twice
    keeps its last text, with a warning."""
    labels: dict[str, str] = {}
    repeated: list[str] = []
    for number, line in _lines(path):
        if number == 1 and line.rstrip("\r") == header:
            continue
        name, text = split(path, number, line)
        name, text = nfc(name), nfc(text.strip())
        if name in labels:
            repeated.append(name)
        labels[name] = text
    if repeated:
        log.warning(
            f"{path}: {len(repeated)} names are labelled twice (e.g. {repeated[0]}); the last label counts"
        )
    return labels


def read_tsv(path: Path) -> dict[str, str]:
    """lfhtr's labels.tsv: ``file<TAB>text``, the file relative to the images folder, under an optional
    ``file<TAB>text`` header (the one `lfhtr run synth` writes)."""
    return _pairs(path, _tab_separated, header=LABELS_HEADER)


def read_transcripts(path: Path) -> dict[str, str]:
    """A transcripts.txt: ``file text`` per line, separated by a TAB or spaces."""
    return _pairs(path, _space_separated)


def read_iam(path: Path) -> dict[str, str]:
    """IAM words.txt: ``id status graylevel x y w h tag transcription``; images are ``<id>.png``."""
    labels: dict[str, str] = {}
    for number, line in _lines(path):
        if line.startswith("#"):
            continue
        parts = line.split(" ")
        if len(parts) < 9:
            raise DataError(f"{path}:{number}: not an IAM words.txt line: {line[:60]!r}.")
        labels[f"{parts[0]}.png"] = " ".join(parts[8:])
    return labels


def _lines(path: Path) -> list[tuple[int, str]]:
    """Numbered non-empty lines; a byte-order mark is not part of the first name."""
    if path.exists():
        check_text_file(path, "labels", "labels")  # a FIFO would block evaluate for ever
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"{path}: label file not found; set labels in the spec ({PATH_RULE}).") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read labels ({exc}).") from None
    return [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]


READERS: dict[str, tuple[str, Callable[[Path], dict[str, str]]]] = {
    "tsv": ("labels.tsv", read_tsv),
    "iam": ("words.txt", read_iam),
    "transcripts": ("transcripts.txt", read_transcripts),
}


@dataclass
class LabelledImages:
    names: list[str]
    images: list[np.ndarray]
    texts: list[str]
    skipped: list[str]


def _from_names(names: list[str], pattern: str) -> dict[str, str]:
    """Labels in the file names: the ``text`` group of ``pattern`` matched against each file's stem."""
    compiled = re.compile(pattern)
    found = {}
    for name in names:
        match = compiled.fullmatch(PurePosixPath(name).stem)
        if match:
            found[name] = nfc(match["text"].strip())
    return found


def _matching(labels: dict[str, str], names: list[str]) -> dict[str, str]:
    """Each image's label: by relative path, or by bare file name where that name is unique; names
    compared composed (NFC), as a file system may hand them over decomposed."""
    bases: dict[str, list[str]] = {}
    for name in names:
        bases.setdefault(nfc(PurePosixPath(name).name), []).append(name)
    matched = {}
    for name in names:
        key, base = nfc(name), nfc(PurePosixPath(name).name)
        if key in labels:
            matched[name] = labels[key]
        elif base in labels and len(bases[base]) == 1:
            matched[name] = labels[base]
    return matched


def warn_unreadable(labelled: LabelledImages, charset: str, source: str) -> None:
    """Say when labels hold what no model with ``charset`` can read: such errors are not the model's."""
    empty = sum(not text for text in labelled.texts)
    foreign = sorted({ch for text in labelled.texts for ch in text if ch not in charset})
    if empty:
        log.warning(f"{source}: {empty} labels are empty; their images count as deletions")
    if foreign:
        shown = "".join(foreign[:30])
        log.warning(f"{source}: labels hold characters outside the charset ({shown}); they count as errors")


def load_labelled(
    labelled: LabelledSet, resolve: Callable[[str], Path], height: int, unit: Unit = "word"
) -> LabelledImages:
    """Images of a labelled set with their texts (from pages: regions of ``unit``); images without a
    label are skipped and listed."""
    folder = resolve(labelled.images)
    if labelled.pages is not None:
        if labelled.pages == AUTO:
            raise SpecError(
                f"{folder}: a labelled set takes its texts from page files; `pages: auto` finds lines "
                "without texts. Set `pages` to the folder of ground-truth PAGE/ALTO files."
            )
        pages = resolve(labelled.pages)
        regions = load_page_regions(folder, pages, height, labelled.include, labelled.limit, unit)
        return _labelled(regions.found, regions.texts, str(pages), folder, "none")
    if labelled.format != "filename":  # a missing or malformed labels file fails before any image loads
        default_name, reader = READERS[labelled.format]
        path = resolve(labelled.labels) if labelled.labels else folder / default_name
        source, labels = str(path), reader(path)
    found = load_folder(folder, height, labelled.include, labelled.limit)
    if labelled.format == "filename":
        source = f"the file names in {folder} (pattern {labelled.pattern})"
        labels = _from_names(found.names, labelled.pattern)
    example = next(iter(labels), "none")
    return _labelled(found, _matching(labels, found.names), source, folder, example)


def _labelled(
    found: ImageSet, matched: dict[str, str], source: str, folder: Path, example: str
) -> LabelledImages:
    """The images of ``found`` that ``matched`` gives a text, the others listed as skipped; ``example``
    is a label to show when none matches."""
    result = LabelledImages([], [], [], found.skipped)
    for name, image in zip(found.names, found.images):
        if name in matched:
            result.names.append(name)
            result.images.append(image)
            result.texts.append(matched[name])
        else:
            result.skipped.append(f"{name} (no label)")
    if not result.images:
        raise DataError(
            f"{source}: labels none of the {len(found.names)} images in {folder} (an image: "
            f"{found.names[0]!r}; a label: {example!r}); check the labels file, format and folder."
        )
    return result
