"""`lfhtr read MODEL IMAGE|FOLDER...` and `lfhtr models`: reading without a session spec.

A user with word images and no labels starts here: a shipped model's name or a model file, the images,
and readings on stdout (TSV) or as JSON or text, decoded with the corpus the model records.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    import numpy as np

    from lfhtr.reading.reader import Reader

from lfhtr import log
from lfhtr.atomic import atomic_write
from lfhtr.cli.options import Threads
from lfhtr.core.spec import DecodeSettings, DeviceSettings
from lfhtr.errors import DataError
from lfhtr.imaging.folder import IMAGE_SUFFIXES, UNREADABLE, load_folder, not_an_image
from lfhtr.outputs import guard_output
from lfhtr.reading.formats import ImageFormat, image_format, page_formats, readings_document, review_list


def _images(reader: Reader, paths: list[Path]) -> tuple[list[str], list[np.ndarray]]:
    """Every image, prepared, with its key: a file as given, a folder's images by their path inside it
    (``p1/0001.png`` and ``p2/0001.png`` stay apart). Unreadable images are skipped with their reason."""
    keys: list[str] = []
    images: list[np.ndarray] = []
    for path in paths:
        if path.is_dir():
            found = load_folder(path, reader.recognizer.height, ["*"])
            for line in found.skipped:
                log.log.warning(f"skipped {line}")
            keys += found.names
            images += found.images
        elif path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
            try:
                images.append(reader.prepared(path))
            except UNREADABLE as exc:
                log.log.warning(f"skipped {path} ({type(exc).__name__}: {exc})")
                continue
            keys.append(str(path))
        else:
            raise not_an_image(path)
    return keys, images


def _page_scans(paths: list[Path], pages: str | None) -> list[Path]:
    """The page scans among ``paths`` (files and folders' images): all of them where ``pages`` is set,
    none when none is a page; a mix is an error that says what to do."""
    from lfhtr.imaging.folder import list_images
    from lfhtr.reading.pagereader import is_page_scan

    files = [p for path in paths for p in (list_images(path, ["*"], None) if path.is_dir() else [path])]
    if pages is not None:
        return files
    kinds = {
        f: is_page_scan(f) if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES else False for f in files
    }
    readable = [f for f in files if kinds[f] is not None]  # the others are skipped, with a warning, as read
    big = [f for f in readable if kinds[f]]
    if big and len(big) < len(readable):
        raise DataError(
            f"{big[0]} is a page scan among word or line images: read the scans on their own "
            "(they go into a folder of pages with -o FOLDER), or pass --pages auto to read all as pages."
        )
    if not big:
        return []
    for unreadable in (f for f in files if kinds[f] is None):
        log.log.warning(f"skipped {unreadable}: not a readable image")
    return readable


def _inputs(model: str, images: list[Path], output: Path) -> dict[Path, str]:
    """What ``lfhtr read`` reads, which its output must never replace: the model file, the images
    named, and any image inside a folder named (as the output would be, with an image's suffix)."""
    inputs = {path: "an input image" for path in images if not path.is_dir()}
    if Path(model).is_file():
        inputs[Path(model)] = "the model being read"
    in_folder = any(output.resolve().is_relative_to(path.resolve()) for path in images if path.is_dir())
    if in_folder and output.suffix.lower() in IMAGE_SUFFIXES:
        inputs[output] = "an image inside a folder being read"
    return inputs


ModelName = Annotated[
    str, typer.Argument(help="A shipped model's name (`lfhtr models`), or a .lfhtr/.pt file.")
]
Images = Annotated[list[Path], typer.Argument(help="Image files and folders (read recursively).")]
Output = Annotated[
    Path | None,  # noqa: UP007
    typer.Option("--output", "-o", help="Write here instead of stdout."),
]
Format = Annotated[
    str | None,  # noqa: UP007
    typer.Option(
        "--format",
        help="Images: tsv, json (alternatives and each character's probability) or txt; default "
        "from -o's suffix, else tsv. Page scans: any of page,alto,txt,json,hocr (default "
        "page,alto,txt,json).",
    ),
]
ReviewBelow = Annotated[
    float | None,  # noqa: UP007
    typer.Option(
        min=0.0,
        max=1.0,
        help="Mark readings less confident than this to proofread, and list them, least confident "
        "first (beside -o as *.review.tsv, in a folder of pages as review.tsv, else on stderr).",
    ),
]
Lexicon = Annotated[
    bool, typer.Option(help="Decode with the corpus the model records (when it records one).")
]
CHAR_MODEL = DecodeSettings().char_model
CharModel = Annotated[
    float,
    typer.Option(
        min=0,
        help="Weight of the lexicon's character model in the beam search before snapping (0: the lexicon "
        "alone, for names and spellings the language does not have).",
    ),
]
Language = Annotated[
    str | None,  # noqa: UP007
    typer.Option(help="Decode with this language's word list (`lfhtr languages`; fr,la mixes two)."),
]
Force = Annotated[
    bool, typer.Option(help="Replace an existing --output that is not a TSV, JSON or text file.")
]
Pages = Annotated[
    str | None,  # noqa: UP007
    typer.Option(
        help="The images are page scans: 'auto' finds their lines, a folder gives them as PAGE/ALTO "
        "files (default: scans are told from word images by their size)."
    ),
]
SegmenterName = Annotated[str, typer.Option(help="The segmenter that finds the lines of page scans.")]


def read(
    model: ModelName,
    images: Images,
    output: Output = None,
    format: Format = None,
    review_below: ReviewBelow = None,
    lexicon: Lexicon = True,
    language: Language = None,
    char_model: CharModel = CHAR_MODEL,
    batch_size: Annotated[int, typer.Option(min=1, help="Images per batch.")] = 64,
    device: Annotated[str, typer.Option(help="cpu, cuda, cuda:1, ...")] = "cpu",
    threads: Threads = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")] = False,
    force: Force = False,
    pages: Pages = None,
    segmenter: SegmenterName = "ink-ridges",
) -> None:
    """Read word or line images (TSV, JSON or text), or page scans into a folder of PAGE-XML, ALTO, text,
    JSON or hOCR per page (-o FOLDER)."""
    from lfhtr.reading.reader import Reader
    from lfhtr.train.device import configure_threads

    log.configure(quiet=quiet)
    count, reason = configure_threads(DeviceSettings(threads=threads or 0))
    log.log.info(f"read: {count} CPU threads ({reason})")
    scans = _page_scans(images, pages)
    if output is not None and not scans:
        guard_output(output, force, _inputs(model, images, output), (".tsv", ".json", ".txt"))
        if review_below is not None:
            guard_output(_review_file(output), force, _inputs(model, images, output), (".tsv",))
    image_kind = None if scans else image_format(format, output)
    written = page_formats(format) if image_kind is None else (image_kind,)
    wants_characters = "json" in written
    reader = Reader.load(
        model,
        device,
        lexicon,
        batch_size=batch_size,
        language=language,
        characters=wants_characters,
        char_model=char_model,
    )
    if image_kind is not None:
        _read_images(reader, images, output, image_kind, review_below)
        return
    if output is None:
        raise DataError("page scans are read into a folder of files per page: add -o FOLDER.")
    layouts = None if pages in (None, "auto") else Path(pages)
    read = reader.read_pages(scans, output, segmenter, layouts, force, written, review_below)
    lines = sum(len(page.lines) for page in read)
    log.log.info(f"read: {len(read)} pages, {lines} lines with {reader.recognizer.origin}; {output}")


def _review_file(output: Path) -> Path:
    return output.with_name(f"{output.stem}.review.tsv")


def _read_images(
    reader: Reader, images: list[Path], output: Path | None, format: ImageFormat, review_below: float | None
) -> None:
    """Word or line images read into one TSV, JSON or text file, on stdout or at ``output``."""
    keys, prepared = _images(reader, images)
    if not prepared:
        raise DataError("none of the images could be read (the warnings above say why).")
    readings = reader.read(prepared, "read")
    text = readings_document(keys, readings, format, review_below)
    if output is None:
        typer.echo(text, nl=False)
    else:
        atomic_write(output, text)
        log.log.info(
            f"read: {len(readings)} images with {reader.recognizer.origin}, {reader.decoding}; {output}"
        )
    if review_below is None:
        return
    listed = review_list(keys, readings, review_below)
    count = listed.count("\n") - 1
    if output is None:
        typer.echo(listed, nl=False, err=True)
    else:
        atomic_write(_review_file(output), listed)
    log.log.info(f"read: {count} of {len(readings)} readings below {review_below:g} to review")


def models() -> None:
    """Every shipped model (lfhtr's and installed distributions'), with its card."""
    from lfhtr import modelfile, pretrained

    console = Console(highlight=False)
    shipped = pretrained.available()
    for model in shipped.values():
        meta = modelfile.load_meta(model.path)
        card = meta.get("card", {})
        console.print(f"[bold]{model.name}[/] ({model.distribution}): {model.path}")
        size = f"{meta.get('height')} px, {len(meta.get('charset', ''))} characters"
        console.print(f"  {meta['model'].get('kind')}, {size}", markup=False)
        for key in ("description", "trained", "recipe", "results", "licence"):
            if card.get(key):
                console.print(f"  {key}: {card[key]}", markup=False)
    if not shipped:
        console.print("no shipped models found (the lfhtr.pretrained entry-point group is empty)")
