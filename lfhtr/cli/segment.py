"""`lfhtr segment SCANS -o OUT`: the lines of page scans as PAGE-XML or ALTO, for any tool to read."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from lfhtr import log
from lfhtr.imaging.folder import IMAGE_SUFFIXES, list_images, not_an_image
from lfhtr.outputs import guard_distinct_stems, guard_output


def segment(
    scans: Annotated[list[Path], typer.Argument(help="Page scans, and folders of them (read recursively).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write one file per scan into.")],
    format: Annotated[
        Literal["page", "alto"], typer.Option(help="page: PAGE-XML 2019; alto: ALTO 4.")
    ] = "page",
    segmenter: Annotated[
        str, typer.Option(help="The segmenter (`lfhtr plugins` lists them).")
    ] = "ink-ridges",
    force: Annotated[bool, typer.Option(help="Replace existing files of the same names.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")] = False,
) -> None:
    """Find the text regions and lines of page scans and write them, without text, as PAGE-XML (with
    its reading order) or ALTO: `<scan stem>.xml` per scan."""
    from lfhtr.pages.layout_xml import write_layout
    from lfhtr.pages.segment import build_segmenter, segment_or_skip
    from lfhtr.progress import progress

    log.configure(quiet=quiet)
    files = []
    for path in scans:
        if path.is_dir():
            files += list_images(path, ["*"], None)
        elif path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
            files.append(path)
        else:
            raise not_an_image(path)
    guard_distinct_stems(files, output)
    protected = {scan: "a page scan being segmented" for scan in files}
    targets = [output / f"{scan.stem}.xml" for scan in files]
    for target in targets:
        guard_output(target, force, protected)
    finder = build_segmenter(segmenter)
    output.mkdir(parents=True, exist_ok=True)
    lines = written = 0
    with progress("page") as bar:
        task = bar.add_task("segment", total=len(files))
        for scan, target in zip(files, targets):
            layout = segment_or_skip(finder, scan)
            if layout is not None:
                write_layout(layout, scan.name, target, format, f"segmenter {segmenter}")
                lines, written = lines + len(layout.lines()), written + 1
            bar.advance(task)
    log.log.info(f"segment: {written} scans, {lines} lines with '{segmenter}'; {output}")
