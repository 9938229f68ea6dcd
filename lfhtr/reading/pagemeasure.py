"""Page-level figures: what a reader gets from raw scans, measured against ground-truth pages.

Line CER on ground-truth lines says how well lines are read once found; a historian gets the text of
whole pages, found by a segmenter. Each page's reading (its found lines in reading order, one per text
line) is aligned as a whole with the ground truth's text, as OCR-D's dinglehopper does, so missed,
split, merged and extra lines all count; the segmentation is scored on its own by line matching
(``lfhtr.pages.match``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from lfhtr.core.interfaces import Segmenter
from lfhtr.pages.auto import segment_scans
from lfhtr.pages.cut import coordinate_factors, page_lines, scaled
from lfhtr.pages.locate import page_files, page_image
from lfhtr.pages.match import match_lines
from lfhtr.pages.parse import PageDocument, read_document
from lfhtr.reading.metrics import edit_distance
from lfhtr.reading.pagereader import LineReader


def page_text(lines: Sequence[str]) -> str:
    """A page's text: its lines in reading order, one per text line."""
    return "\n".join(lines)


def _scaled_lines(doc: PageDocument, size: tuple[int, int]) -> list[tuple[list, list]]:
    """The document's lines as (boundary, baseline) in the pixels of a scan of ``size``."""
    factor = coordinate_factors(doc, *size)
    return [(scaled(r.polygon, factor), scaled(r.baseline, factor)) for r in doc.lines if len(r.polygon) >= 3]


def _read(reader: LineReader, scan: Path, layout: Path) -> str:
    regions = page_lines(scan, layout, reader.recognizer.height)
    return page_text([r.text for r in reader.read(regions.found.images)])


def page_figures(
    reader: LineReader, images: Path, truth: Path, include: list[str], segmenter: Segmenter, cache: Path
) -> dict[str, float]:
    """Page CER and WER of reading the scans of the ground-truth pages in ``truth`` (matching
    ``include``) through ``segmenter``, and the segmentation's line and baseline precision and recall."""
    documents = [read_document(xml) for xml in page_files(truth, include)]
    scans = [page_image(doc, images) for doc in documents]
    found = segment_scans(scans, segmenter, cache)
    char_edits = chars = word_edits = words = matched = found_lines = truth_lines = 0
    baseline_p: list[float] = []
    baseline_r: list[float] = []
    for doc, scan in zip(documents, scans):
        if scan not in found:  # unreadable, and said so
            continue
        layout = found[scan]
        segmented = read_document(layout)
        with Image.open(scan) as image:
            size = image.size
        match = match_lines(_scaled_lines(segmented, size), _scaled_lines(doc, size))
        matched, found_lines, truth_lines = (
            matched + match.matched,
            found_lines + match.found,
            truth_lines + match.truth,
        )
        baseline_p.append(match.baseline_precision)
        baseline_r.append(match.baseline_recall)
        read = _read(reader, scan, layout) if segmented.lines else ""
        expected = page_text([r.text or "" for r in doc.lines])
        char_edits += edit_distance(expected, read)
        chars += len(expected)
        word_edits += edit_distance(expected.split(), read.split())
        words += len(expected.split())
    return {
        "page_cer": char_edits / max(chars, 1),
        "page_wer": word_edits / max(words, 1),
        "line_precision": matched / max(found_lines, 1),
        "line_recall": matched / max(truth_lines, 1),
        "baseline_precision": sum(baseline_p) / max(len(baseline_p), 1),
        "baseline_recall": sum(baseline_r) / max(len(baseline_r), 1),
    }
