"""From page scans to lines and text: the built-in segmenter, `lfhtr segment`, `pages: auto`, reading
pages end to end, page-level figures, and page and word images told apart."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps
from typer.testing import CliRunner, Result

from lfhtr.api import Session
from lfhtr.builtin.segmenters import InkRidges
from lfhtr.cli import app
from lfhtr.core.layout import PageLayout, TextLine, TextRegion, page_box
from lfhtr.datasets.labels import load_labelled
from lfhtr.errors import SpecError
from lfhtr.imaging.fragments import joined
from lfhtr.imaging.orientation import crosses_level_writing
from lfhtr.imaging.reading_order import blocks_in_reading_order
from lfhtr.imaging.scans import load_scan
from lfhtr.imaging.skew import page_skew, turned_back
from lfhtr.imaging.textlines import FoundLine, Ridge, stroke_thickness, trace_line
from lfhtr.pages import auto
from lfhtr.pages.layout_xml import write_layout
from lfhtr.pages.match import match_lines
from lfhtr.pages.parse import read_document
from lfhtr.pages.segment import segment_scan
from lfhtr.pages.write import fill_readings, write_document
from lfhtr.reading.metrics import edit_distance
from lfhtr.reading.pagemeasure import page_text
from lfhtr.stages import pretrain, transcribe
from tests.test_pages import _official_schema

runner = CliRunner()
TEXTS = ["Orders from the Fort", "and the men are", "to be ready at", "dawn for the march", "with their arms"]
NOTE = "the margin"


def _truth(font: ImageFont.FreeTypeFont, draw: ImageDraw.ImageDraw, text: str, x: int, y: int) -> TextLine:
    left, top, right, bottom = draw.textbbox((x, y), text, font=font, anchor="ls")
    draw.text((x, y), text, font=font, fill=20, anchor="ls")
    box = ((left, top), (right, top), (right, bottom), (left, bottom))
    return TextLine(f"t{y}", ((float(left), float(y)), (float(right), float(y))), box)


def _page(folder: Path, font_file: str, name: str = "scan.png") -> tuple[Path, list[TextLine], TextLine]:
    """A ruled page of level lines with a note written upwards in its left margin, and the truth."""
    width, height = 1000, 1100
    page = Image.new("L", (width, height), 235)
    draw = ImageDraw.Draw(page)
    for y in range(150, height, 120):  # ruling, lighter than ink, across the whole sheet
        draw.line([(0, y + 4), (width, y + 4)], fill=170, width=2)
    font = ImageFont.truetype(font_file, 64)
    lines = [_truth(font, draw, text, 260, 150 + 120 * i) for i, text in enumerate(TEXTS)]
    note = Image.new("L", (520, 110), 255)
    note_draw = ImageDraw.Draw(note)
    left, top, right, bottom = note_draw.textbbox((10, 80), NOTE, font=font, anchor="ls")
    note_draw.text((10, 80), NOTE, font=font, fill=0, anchor="ls")
    turned = note.rotate(90, expand=True)  # written upwards: read from the bottom to the top
    page.paste(
        Image.composite(
            Image.new("L", turned.size, 20),
            page.crop((40, 150, 150, 670)),
            turned.point(lambda v: 255 if v < 128 else 0),
        ),
        (40, 150),
    )
    sideways = TextLine(
        "note",
        ((40 + 80.0, 150 + 520 - 10.0), (40 + 80.0, 150 + 520 - right)),
        (
            (40 + top, 150 + 520 - right),
            (40 + bottom, 150 + 520 - right),
            (40 + bottom, 150 + 520 - left),
            (40 + top, 150 + 520 - left),
        ),
    )
    folder.mkdir(parents=True, exist_ok=True)
    page.save(folder / name)
    return folder / name, lines, sideways


def _pairs(lines: list[TextLine]) -> list[tuple[tuple, tuple]]:
    return [(line.boundary, line.baseline) for line in lines]


@pytest.fixture
def scan(tmp_path: Path, font_files: list[str]) -> tuple[Path, list[TextLine], TextLine]:
    return _page(tmp_path / "scans", font_files[0])


def _segmenter() -> InkRidges:
    from lfhtr.core import plugins

    return plugins.build("segmenter", "ink-ridges", {})  # type: ignore[return-value]


def test_the_built_in_segmenter_finds_level_lines_across_ruling_and_a_sideways_note(
    scan: tuple[Path, list[TextLine], TextLine],
) -> None:
    path, truth, note = scan
    layout = segment_scan(_segmenter(), path)
    level = [line for line in layout.lines() if line.orientation == 0]
    sideways = [line for line in layout.lines() if line.orientation == 90]
    match = match_lines(_pairs(level), _pairs(truth))
    assert len(level) == len(TEXTS)
    assert match.baseline_recall > 0.9 and match.baseline_precision > 0.85
    ys = [np.mean([y for _, y in line.baseline]) for line in level]
    assert ys == sorted(ys)  # reading order: top to bottom
    assert len(sideways) == 1 and match_lines(_pairs(sideways), _pairs([note])).baseline_recall > 0.8
    assert sideways[0].baseline[0][1] > sideways[0].baseline[-1][1]  # it runs the way it reads: upwards
    blank = segment_scan(_segmenter(), _blank(path.parent))
    assert blank.lines() == []


CROOKED = 10.0
"""Degrees a page is laid crooked by in the tests: each line climbs more than the lines are apart."""


def test_a_page_laid_crooked_is_segmented_along_its_lines_and_they_come_back_where_they_lie(
    scan: tuple[Path, list[TextLine], TextLine],
) -> None:
    path, truth, note = scan
    with Image.open(path) as level:
        size = level.size
        crooked = level.rotate(CROOKED, Image.Resampling.BICUBIC, expand=True, fillcolor=235)
    crooked.save(path.with_name("crooked.png"))
    where = turned_back(
        PageLayout(*size, (TextRegion("r", page_box(*size), (*truth, note)),)), CROOKED, crooked.size
    )
    *truth_lines, truth_note = where.lines()
    layout = segment_scan(_segmenter(), path.with_name("crooked.png"))
    found = [line for line in layout.lines() if line.orientation == 0]
    match = match_lines(_pairs(found), _pairs(truth_lines))
    assert len(found) == len(TEXTS) and match.baseline_recall > 0.9 and match.baseline_precision > 0.85
    for line in found:  # climbing to the right as the page was turned
        (x0, y0), (x1, y1) = line.baseline[0], line.baseline[-1]
        assert math.degrees(math.atan2(y0 - y1, x1 - x0)) == pytest.approx(CROOKED, abs=1.5)
    sideways = [line for line in layout.lines() if line.orientation == 90]
    assert len(sideways) == 1 and match_lines(_pairs(sideways), _pairs([truth_note])).baseline_recall > 0.8


def test_a_pages_skew_is_where_its_rows_of_ink_gather_and_none_where_passages_slope_their_own_ways() -> None:
    def ruled(angle: float, rows: range, columns: range) -> np.ndarray:
        ink = np.zeros((900, 900), dtype=bool)
        for row in rows:
            for x in columns:
                y = round(row - (x - 450) * math.tan(math.radians(angle)))
                ink[y : y + 6, x] = x % 9 < 5  # a dashed stroke, letters along a line
        return ink

    assert page_skew(ruled(6.0, range(150, 800, 60), range(100, 800))) == pytest.approx(6.0, abs=0.2)
    assert page_skew(ruled(-4.0, range(150, 800, 60), range(100, 800))) == pytest.approx(-4.0, abs=0.2)
    assert page_skew(ruled(25.0, range(300, 650, 60), range(250, 650))) == pytest.approx(25.0, abs=0.2)
    assert page_skew(ruled(0.5, range(150, 800, 60), range(100, 800))) == 0.0  # as sharp as it gets level
    columns_each_their_way = ruled(3.0, range(150, 450, 60), range(100, 450)) | ruled(
        -3.0, range(150, 450, 60), range(500, 850)
    )
    assert page_skew(columns_each_their_way) == 0.0  # no angle gathers them much better than level
    assert page_skew(np.zeros((900, 900), dtype=bool)) == 0.0


def _blank(folder: Path) -> Path:
    Image.new("L", (900, 900), 240).save(folder / "blank.png")
    return folder / "blank.png"


def test_line_matching_counts_each_line_once_by_overlap() -> None:
    box = ((0.0, 0.0), (100.0, 0.0), (100.0, 20.0), (0.0, 20.0))
    line = (box, ((0.0, 16.0), (100.0, 16.0)))
    below = (tuple((x, y + 40) for x, y in box), ((0.0, 56.0), (100.0, 56.0)))
    same = match_lines([line, below], [line, below])
    assert (same.precision, same.recall, same.baseline_precision, same.baseline_recall) == (1, 1, 1, 1)
    twice = match_lines([line, line], [line])
    assert (twice.matched, twice.precision, twice.recall) == (1, 0.5, 1.0)
    missed = match_lines([below], [line])
    assert missed.matched == 0 and missed.baseline_recall == 0


def test_segment_writes_page_and_alto_that_validate_and_read_back(
    scan: tuple[Path, list[TextLine], TextLine], tmp_path: Path
) -> None:
    path, truth, _ = scan
    for format, schema in (("page", "page-2019"), ("alto", "alto-v4")):
        out = tmp_path / format
        result = runner.invoke(app, ["segment", str(path.parent), "-o", str(out), "--format", format])
        assert result.exit_code == 0, result.output
        written = out / "scan.xml"
        _official_schema(schema).validate(written)
        doc = read_document(written)
        assert len(doc.lines) == len(TEXTS) + 1 and doc.image_name == "scan.png"
        assert all(len(line.baseline) >= 2 for line in doc.lines)
    assert "ReadingOrder" in (tmp_path / "page" / "scan.xml").read_text("utf-8")
    before = (tmp_path / "page" / "scan.xml").read_bytes()
    again = runner.invoke(app, ["segment", str(path), "-o", str(tmp_path / "page")])
    assert again.exit_code != 0 and "exists; pass --force" in again.output
    assert (tmp_path / "page" / "scan.xml").read_bytes() == before
    unknown = runner.invoke(app, ["segment", str(path), "-o", str(tmp_path / "x"), "--segmenter", "nope"])
    assert unknown.exit_code != 0 and "nope" in unknown.output and "Traceback" not in unknown.output


def _ground_truth(path: Path, truth: list[TextLine], folder: Path) -> Path:
    """PAGE ground truth of the synthetic page: its level lines with their texts."""
    with Image.open(path) as image:
        width, height = image.size
    box = ((0.0, 0.0), (float(width), 0.0), (float(width), float(height)), (0.0, float(height)))
    target = folder / f"{path.stem}.xml"
    write_layout(PageLayout(width, height, (TextRegion("r1", box, tuple(truth)),)), path.name, target)
    doc = read_document(target)
    fill_readings(doc, {line.id: (text, 1.0) for line, text in zip(truth, TEXTS)}, "line")
    write_document(doc, target)
    return target


@pytest.fixture
def line_session(
    make_session: Callable[..., Session], scan: tuple[Path, list[TextLine], TextLine], tmp_path: Path
) -> Session:
    path, truth, _ = scan
    gt = tmp_path / "gt"
    gt.mkdir()
    _ground_truth(path, truth, gt)
    return make_session(
        unit="line",
        pretrain={"steps": 2, "val_every": 2, "batch_size": 4},
        adapt={"target": {"images": str(path.parent), "pages": "auto", "include": ["scan.png"]}},
        evaluate={"data": {"images": str(path.parent), "pages": str(gt)}},
        transcribe={"images": str(path.parent), "pages": "auto"},
    )


def test_pages_auto_segments_once_and_every_stage_reads_the_found_lines(
    line_session: Session, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pretrain.run(line_session)
    calls: list[Path] = []
    real = auto.segment_or_skip
    monkeypatch.setattr(
        auto, "segment_or_skip", lambda segmenter, scan: calls.append(scan) or real(segmenter, scan)
    )
    metrics = line_session.evaluate()
    assert "page_cer" not in capsys.readouterr().out  # the Python API returns figures, it prints none
    assert {"page_cer", "page_wer", "line_precision", "line_recall"} <= set(metrics)
    assert metrics["line_recall"] >= 0.8 and metrics["baseline_recall"] > 0.9
    assert metrics["line_precision"] < 1  # the note in the margin is a line the truth leaves out
    assert 0 < metrics["page_cer"] <= 1.5
    transcribe.run(line_session)
    written = read_document(line_session.output / "transcribe" / "pages" / "scan.xml")
    assert len(written.lines) == len(TEXTS) + 1
    assert [p.name for p in calls] == ["scan.png"]  # the layout found for evaluate was kept
    summary = json.loads((line_session.output / "evaluate" / "metrics.json").read_text("utf-8"))
    assert summary["line_recall"] == metrics["line_recall"]


def test_pages_auto_finds_a_page_its_model_reads_upside_down_again_turned_and_keeps_that_layout(
    scan: tuple[Path, list[TextLine], TextLine], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path, truth, _ = scan
    with Image.open(path) as upright:
        upright.rotate(180).save(path.with_name("turned.png"))
    asked: list[str] = []

    def upside_down(scan: Path, layout: Path) -> bool:
        asked.append(scan.name)
        return scan.name == "turned.png"

    cache = tmp_path / "cache"
    with caplog.at_level("WARNING", logger="lfhtr"):
        files = auto.segmented_pages(path.parent, ["*.png"], _segmenter(), cache, upside_down=upside_down)
    assert [file.name for file in files] == ["scan.xml", "turned.upside-down.xml"]
    assert "turned.png: its lines read far surer turned a half turn" in caplog.text
    lines = [line for line in read_document(files[1]).lines if len(line.baseline) >= 2]
    size = Image.open(path).size
    on_turned = PageLayout(*size, (TextRegion("r", page_box(*size), tuple(truth)),)).turned_back(2).lines()
    match = match_lines([(line.polygon, line.baseline) for line in lines], _pairs(on_turned))
    assert match.baseline_recall > 0.9  # the upright page's lines, where they lie on the turned scan
    across = [(line.baseline[0], line.baseline[-1]) for line in lines]
    across = [(x0, x1) for (x0, y0), (x1, y1) in across if abs(x1 - x0) > abs(y1 - y0)]
    assert len(across) == len(TEXTS) and all(x0 > x1 for x0, x1 in across)  # running right to left
    again = auto.segmented_pages(path.parent, ["*.png"], _segmenter(), cache, upside_down=upside_down)
    assert again == files and sorted(asked) == ["scan.png", "scan.png", "turned.png", "turned.png"]


def test_a_labelled_set_cannot_take_its_texts_from_pages_auto(
    make_session: Callable[..., Session], scan: tuple[Path, list[TextLine], TextLine]
) -> None:
    path, _, _ = scan
    session = make_session(unit="line", evaluate={"data": {"images": str(path.parent), "pages": "auto"}})
    with pytest.raises(SpecError, match="ground-truth PAGE/ALTO"):
        load_labelled(session.spec.evaluate.data, session.resolve, 32, "line")  # type: ignore[arg-type]


@pytest.fixture
def read_scan(
    line_session: Session, scan: tuple[Path, list[TextLine], TextLine], tmp_path: Path
) -> Callable[..., tuple[Path, Path, Path, Result]]:
    """`lfhtr read` of the synthetic scan with a line model pretrained for it, into tmp_path/read."""
    model = pretrain.run(line_session)

    def read(*options: str) -> tuple[Path, Path, Path, Result]:
        out = tmp_path / "read"
        return (
            model,
            scan[0],
            out,
            runner.invoke(app, ["read", str(model), str(scan[0]), "-o", str(out), *options]),
        )

    return read


def test_read_turns_page_scans_into_page_alto_text_and_json(
    read_scan: Callable[..., tuple[Path, Path, Path, Result]],
) -> None:
    model, path, out, result = read_scan()
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "scan.alto.xml",
        "scan.json",
        "scan.page.xml",
        "scan.txt",
    ]
    _official_schema("page-2019").validate(out / "scan.page.xml")
    _official_schema("alto-v4").validate(out / "scan.alto.xml")
    page = json.loads((out / "scan.json").read_text("utf-8"))
    assert len(page["lines"]) == len(TEXTS) + 1 and page["size"] == [1000, 1100]
    assert all(
        {"text", "confidence", "baseline", "boundary", "alternatives"} <= set(line) for line in page["lines"]
    )
    assert (out / "scan.txt").read_text("utf-8") == "".join(line["text"] + "\n" for line in page["lines"])
    again = runner.invoke(app, ["read", str(model), str(path), "-o", str(out)])
    assert again.exit_code != 0 and "pass --force" in again.output
    no_folder = runner.invoke(app, ["read", str(model), str(path)])
    assert no_folder.exit_code != 0 and "add -o FOLDER" in no_folder.output
    written = read_document(out / "scan.page.xml").root
    regions = written.findall(".//{*}TextRegion")  # the segmenter's: the level lines, then the note
    assert [len(region.findall("{*}TextLine")) for region in regions] == [len(TEXTS), 1]
    assert "orientation:90" in (regions[1].findall("{*}TextLine")[0].get("custom") or "")
    order = [ref.get("regionRef") for ref in written.findall(".//{*}RegionRefIndexed")]
    assert order == [region.get("id") for region in regions]
    creator = written.find(".//{*}Creator")
    assert (
        creator is not None
        and f"model {model}" in (creator.text or "")
        and "segmenter ink-ridges" in (creator.text or "")
    )


def test_read_writes_the_page_formats_asked_for_and_the_lines_to_review(
    read_scan: Callable[..., tuple[Path, Path, Path, Result]], tmp_path: Path
) -> None:
    model, path, out, result = read_scan("--format", "hocr,txt", "--review-below", "1")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["review.tsv", "scan.hocr", "scan.page.xml", "scan.txt"]
    hocr = ElementTree.parse(out / "scan.hocr").getroot()
    lines = [e for e in hocr.iter() if e.get("class") == "ocr_line"]
    assert len(lines) == len(TEXTS) + 1
    assert all(
        re.fullmatch(r"bbox \d+ \d+ \d+ \d+; baseline \S+ -?\d+; x_wconf \d+", e.get("title", ""))
        for e in lines
    )
    header, *listed = (out / "review.tsv").read_text("utf-8").splitlines()
    confidences = [float(row.split("\t")[2]) for row in listed]
    assert header == "file\ttext\tconfidence" and len(listed) == len(lines)
    assert confidences == sorted(confidences) and all(row.startswith("scan.png#") for row in listed)
    wrong = runner.invoke(app, ["read", str(model), str(path), "-o", str(tmp_path / "x"), "--format", "pdf"])
    assert wrong.exit_code == 2 and "page scans are written as any of page,alto,txt,json,hocr" in wrong.output


def test_a_blank_leaf_among_the_scans_gets_its_files_without_text_and_costs_no_other_page(
    read_scan: Callable[..., tuple[Path, Path, Path, Result]], scan: tuple[Path, list[TextLine], TextLine]
) -> None:
    blank = _blank(scan[0].parent)
    model, path, out, result = read_scan(str(blank))
    assert result.exit_code == 0, result.output
    assert "blank.png: no lines found; its files hold no text" in " ".join(result.output.split())
    assert (out / "blank.txt").read_text("utf-8") == ""
    assert json.loads((out / "blank.json").read_text("utf-8"))["lines"] == []
    _official_schema("page-2019").validate(out / "blank.page.xml")
    _official_schema("alto-v4").validate(out / "blank.alto.xml")
    assert len(json.loads((out / "scan.json").read_text("utf-8"))["lines"]) == len(TEXTS) + 1


GW_SCAN = Path(__file__).parents[2] / "shared" / "data" / "gw-pages" / "276.jpg"
GW_TRUTH = GW_SCAN.parent / "page-gt" / "276.xml"
needs_gw_scan = pytest.mark.skipif(
    not GW_SCAN.is_file(), reason="the shared George Washington scans are not beside the repository"
)


def test_a_page_turned_a_quarter_either_way_is_found_line_by_line_on_the_scan_as_it_lies(
    scan: tuple[Path, list[TextLine], TextLine], caplog: pytest.LogCaptureFixture
) -> None:
    """Traced as it lies, a page turned a quarter is a heap of short pieces across its lines; traced
    turned upright, its lines come whole, given on the scan as it lies."""
    path, truth, note = scan
    with Image.open(path) as level:
        size = level.size
        level.rotate(90, expand=True).save(path.with_name("upwards.png"))
        level.rotate(-90, expand=True).save(path.with_name("downwards.png"))
    level = PageLayout(*size, (TextRegion("r", page_box(*size), (*truth, note)),))
    upwards, downwards = level.turned_back(1).lines(), level.turned_back(3).lines()
    assert all(line.orientation == 90 for line in upwards[:-1])
    assert all(line.orientation == 270 for line in downwards[:-1])
    with caplog.at_level("WARNING", logger="lfhtr"):
        for name, where in (("upwards.png", upwards), ("downwards.png", downwards)):
            found = segment_scan(_segmenter(), path.with_name(name)).lines()
            match = match_lines(_pairs(found), _pairs(where))
            assert (
                len(found) == len(where) and match.baseline_recall > 0.9 and match.baseline_precision > 0.85
            )
            assert sum(line.orientation == 90 for line in found) >= len(TEXTS)  # found as written upwards
    assert caplog.text.count("most of its writing runs sideways, taken as written upwards") == 2


def test_a_table_of_narrow_columns_whose_rows_are_traced_level_is_not_turned(font_files: list[str]) -> None:
    """Two columns of numbers gather the page's ink in columns more sharply than its rows of entries do,
    as a page turned a quarter does; traced as it lies, its rows are level lines, and so it stays."""
    page = Image.new("L", (1700, 2200), 235)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(font_files[-1], 40)  # a hand whose numbers the ridges follow along the rows
    rows = range(150, 2100, 60)
    for row, y in enumerate(rows):
        for x in (80, 890):
            draw.text((x, y), str(1000 + 37 * row + x), font=font, fill=20)
    found = _segmenter().segment(np.asarray(page)).lines()
    assert len(found) >= len(rows) and all(line.orientation == 0 for line in found)


def test_a_layout_turned_back_lies_where_the_page_lay() -> None:
    line = TextLine("l", ((10.0, 20.0), (50.0, 20.0)), ((10.0, 5.0), (50.0, 5.0), (50.0, 25.0), (10.0, 25.0)))
    layout = PageLayout(100, 40, (TextRegion("r", page_box(100, 40), (line,)),))
    once = layout.turned_back(1)  # found on the page turned a quarter clockwise: it was written upwards
    assert (once.width, once.height) == (40, 100)
    assert once.lines()[0].baseline == ((20.0, 90.0), (20.0, 50.0)) and once.lines()[0].orientation == 90
    half = layout.turned_back(2)
    assert half == once.turned_back(1) and half.lines()[0].baseline == ((90.0, 20.0), (50.0, 20.0))
    assert half.lines()[0].orientation == 180 and layout.turned_back(4) == layout


@needs_gw_scan
def test_a_scan_upside_down_or_turned_a_quarter_reads_as_it_does_upright(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from lfhtr.reading.reader import Reader

    with Image.open(GW_SCAN) as upright:
        upright.save(tmp_path / "upright.png")
        upright.rotate(180).save(tmp_path / "upside-down.png")
        upright.rotate(90, expand=True).save(tmp_path / "upwards.png")
        upright.rotate(-90, expand=True).save(tmp_path / "downwards.png")
    reader = Reader.load("en-line", lexicon=False, probability=False)
    names = ["upright.png", "upside-down.png", "upwards.png", "downwards.png"]
    with caplog.at_level("WARNING", logger="lfhtr"):
        pages = reader.read_pages([tmp_path / name for name in names], tmp_path / "read")
    for name in ("upside-down.png", "downwards.png"):
        assert (
            f"{name}: its lines read far surer turned a half turn; read as a scan upside down" in caplog.text
        )
    assert "upright.png" not in caplog.text and "upwards.png: its lines read" not in caplog.text
    truth = page_text([line.text or "" for line in read_document(GW_TRUTH).lines])
    upright_cer, *turned_cers = (
        edit_distance(truth, page_text([x.text for x in page.lines])) for page in pages
    )
    assert upright_cer < 0.5 * len(truth)  # read upside down or sideways as they lay: over 0.75
    assert all(cer < upright_cer + 0.05 * len(truth) for cer in turned_cers)
    (x0, _), (x1, _) = pages[1].lines[0].baseline[0], pages[1].lines[0].baseline[-1]
    assert x0 > x1  # the upside-down scan's lines run right to left on it


@needs_gw_scan
def test_transcribe_with_pages_auto_reads_a_scan_upside_down_turned(tmp_path: Path) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    with Image.open(GW_SCAN) as upright:
        upright.rotate(180).save(scans / "276.png")
    spec = tmp_path / "s" / "session.json"
    folder = json.dumps({"images": str(scans), "pages": "auto"})
    made = runner.invoke(app, ["init", str(spec), "--from", "en-line", "--set", f"transcribe={folder}"])
    assert made.exit_code == 0, made.output
    lexicon_off = "transcribe.decode.lexicon=false"
    result = runner.invoke(
        app, ["run", "transcribe", str(spec), "--checkpoint", "en-line", "--set", lexicon_off]
    )
    assert result.exit_code == 0, result.output
    assert "276.png: its lines read far surer turned a half turn" in " ".join(result.output.split())
    written = read_document(spec.parent / "runs" / "session" / "transcribe" / "pages" / "276.upside-down.xml")
    truth = page_text([line.text or "" for line in read_document(GW_TRUTH).lines])
    read = page_text([line.text or "" for line in written.lines])
    assert edit_distance(truth, read) < 0.5 * len(truth)  # read as it lay: over 0.75


def test_damaged_scans_are_skipped_with_a_warning_and_cost_no_other_page(
    read_scan: Callable[..., tuple[Path, Path, Path, Result]], scan: tuple[Path, list[TextLine], TextLine]
) -> None:
    folder = scan[0].parent
    (folder / "garbage.png").write_bytes(b"not an image at all")
    whole = scan[0].read_bytes()
    (folder / "truncated.png").write_bytes(whole[: len(whole) // 2])  # its header says a page
    _, _, out, result = read_scan(str(folder / "garbage.png"), str(folder / "truncated.png"))
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # long paths may be folded anywhere: the phrases are checked
    assert said.count("warning: skipped") == 2
    assert "not a readable image" in said and "not a readable page scan (image file is truncated" in said
    assert sorted(p.name for p in out.iterdir()) == [
        "scan.alto.xml",
        "scan.json",
        "scan.page.xml",
        "scan.txt",
    ]


def test_pages_auto_and_segment_leave_a_damaged_scan_out_with_a_warning_and_segment_the_others(
    scan: tuple[Path, list[TextLine], TextLine], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = scan[0].parent
    (folder / "damaged.png").write_bytes(scan[0].read_bytes()[:200])
    with caplog.at_level("WARNING", logger="lfhtr"):
        layouts = auto.segmented_pages(folder, ["*.png"], _segmenter(), tmp_path / "cache")
    assert [layout.name for layout in layouts] == ["scan.xml"]
    assert len(read_document(layouts[0]).lines) == len(TEXTS) + 1
    assert "skipped" in caplog.text and "damaged.png: not a readable page scan" in caplog.text
    result = runner.invoke(app, ["segment", str(folder), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "warning: skipped" in result.output and "segment: 1 scans" in " ".join(result.output.split())
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["scan.xml"]


def test_a_negative_scan_is_segmented_as_its_positive_and_a_page_on_a_dark_ground_is_not_turned(
    scan: tuple[Path, list[TextLine], TextLine],
) -> None:
    with Image.open(scan[0]) as positive:
        ImageOps.invert(positive.convert("L")).save(scan[0].with_name("negative.png"))
    found = [
        segment_scan(_segmenter(), path).lines() for path in (scan[0], scan[0].with_name("negative.png"))
    ]
    assert [line.baseline for line in found[0]] == [line.baseline for line in found[1]]
    with Image.open(scan[0]) as page:  # a page photographed on a black ground, a third of the picture
        ground = Image.new("L", (page.width * 2, page.height * 3 // 2), 10)
        ground.paste(page, (page.width // 2, page.height // 4))
    ground.save(scan[0].with_name("on-black.png"))
    assert load_scan(scan[0].with_name("on-black.png")).getpixel((0, 0)) == 10


def test_a_file_of_several_pages_is_segmented_on_its_first_and_says_so_once(
    scan: tuple[Path, list[TextLine], TextLine], caplog: pytest.LogCaptureFixture
) -> None:
    with Image.open(scan[0]) as first:
        pages = scan[0].with_suffix(".tif")
        first.save(pages, save_all=True, append_images=[Image.new("L", first.size, 255)])
    with caplog.at_level("WARNING", logger="lfhtr"):
        layout = segment_scan(_segmenter(), pages)
        segment_scan(_segmenter(), pages)
    assert len(layout.lines()) == len(TEXTS) + 1
    assert caplog.text.count("holds 2 pages; only the first is read (save one page a file)") == 1


def test_a_pdf_given_for_scans_is_a_one_line_error_that_says_how_to_turn_it_into_images(
    tmp_path: Path,
) -> None:
    (tmp_path / "will.pdf").write_bytes(b"%PDF-1.4\n")
    for given in (tmp_path / "will.pdf", tmp_path):
        result = runner.invoke(app, ["segment", str(given), "-o", str(tmp_path / "out")])
        assert result.exit_code != 0 and "Traceback" not in result.output
        assert "pdftoppm -r 300 -png FILE.pdf page" in " ".join(result.output.split())


def test_two_scans_of_one_name_in_two_folders_are_refused_before_anything_is_written(
    tmp_path: Path, scan: tuple[Path, list[TextLine], TextLine]
) -> None:
    for volume in ("v1", "v2"):
        (tmp_path / "volumes" / volume).mkdir(parents=True)
        (tmp_path / "volumes" / volume / "0001.png").write_bytes(scan[0].read_bytes())
    result = runner.invoke(app, ["segment", str(tmp_path / "volumes"), "-o", str(tmp_path / "out")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "both would be written as" in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()


def test_page_scans_and_word_images_are_not_mixed_up(
    make_session: Callable[..., Session], scan: tuple[Path, list[TextLine], TextLine], tmp_path: Path
) -> None:
    words = make_session(pretrain={"steps": 2, "val_every": 2, "batch_size": 4})
    model = pretrain.run(words)
    path, _, _ = scan
    word = tmp_path / "word.png"
    Image.new("L", (120, 40), 255).save(word)
    page_with_word_model = runner.invoke(app, ["read", str(model), str(path), "-o", str(tmp_path / "o")])
    assert page_with_word_model.exit_code != 0
    assert "word model: use a line model" in page_with_word_model.output
    mixed = runner.invoke(app, ["read", str(model), str(path), str(word)])
    assert mixed.exit_code != 0 and "is a page scan among word or line images" in mixed.output
    assert "Traceback" not in mixed.output + page_with_word_model.output


def test_underlines_between_lines_are_not_lines_and_a_dash_filling_a_lines_end_is_not_read(
    scan: tuple[Path, list[TextLine], TextLine],
) -> None:
    path, truth, _note = scan
    page = Image.open(path)
    draw = ImageDraw.Draw(page)
    for line in truth[:4]:  # drawn by hand, off level: the ink map's removal of ruling leaves them
        y = line.baseline[0][1] + 50
        draw.line([(480, y), (940, y - 14)], fill=20, width=3)
    last = truth[-1]  # the dash a notary draws so that nothing can be added to the line
    text_end, y = max(x for x, _ in last.boundary), last.baseline[0][1] - 12
    wave = [(x, y + 6 * np.sin(x / 25)) for x in np.arange(text_end + 30, text_end + 330, 10.0)]
    draw.line(wave, fill=20, width=4)  # wavering as drawn by hand, so no ruling
    page.save(path)
    level = [line for line in segment_scan(_segmenter(), path).lines() if line.orientation == 0]
    assert len(level) == len(TEXTS)
    assert match_lines(_pairs(level), _pairs(truth)).baseline_precision > 0.85
    assert max(x for x, _ in level[-1].boundary) < text_end + 40


def _piece(start: float, end: float, baseline: float, pitch: float = 30.0) -> FoundLine:
    xs = np.arange(start, end + 1, 10.0)
    base = np.full(len(xs), baseline)
    return FoundLine(xs, base, base - 0.8 * pitch, base + 0.35 * pitch)


def test_pieces_of_a_line_are_joined_across_blanks_the_page_writes_through_but_not_across_a_gutter() -> None:
    pitch = 30.0
    above = _piece(0, 1000, 100)
    date, signature = _piece(0, 300, 130), _piece(600, 1000, 131)  # ten pitches apart
    raised = _piece(280, 330, 120)  # a superscript, a third of a pitch up
    lines = joined([signature, above, raised, date], pitch)
    assert len(lines) == 2
    whole = max(lines, key=lambda line: float(np.mean(line.baseline)))
    assert (whole.xs[0], whole.xs[-1]) == (0, 1000)
    assert np.all(np.diff(whole.xs) > 0) and whole.top.min() == pytest.approx(120 - 0.8 * pitch)
    assert np.all(np.abs(whole.baseline - 130.5) <= 10)
    columns = [_piece(start, start + 300, y) for start in (0, 600) for y in (100, 130, 160)]
    assert len(joined(columns, pitch)) == 6  # no line crosses the gutter between the columns
    near = [_piece(0, 300, 130), _piece(350, 600, 132)]  # a word space: joined whatever the page does
    assert len(joined(near, pitch)) == 1


def test_a_rule_one_stroke_thick_is_not_a_line_however_small_the_pitch() -> None:
    pitch, ink = 25.0, np.zeros((100, 400), dtype=bool)
    for x in range(20, 380, 9):  # a line of letters: stems as tall as the body, joined at the foot
        ink[34:42, x : x + 2] = True
        ink[40:42, x : x + 9] = True
    rule_xs = np.arange(20, 380)
    rule_ys = 75 + rule_xs // 60  # a rule a little off level: two strokes thick where it steps
    for x, y in zip(rule_xs, rule_ys):
        ink[y : y + 2, x] = True
    letters = Ridge(np.array([20.0, 380.0]), np.array([38.0, 38.0]))
    rule = Ridge(rule_xs.astype(np.float64), rule_ys + 1.0)
    stroke = stroke_thickness(ink)
    assert trace_line(ink, letters, pitch, stroke) is not None
    assert trace_line(ink, rule, pitch, stroke) is None
    assert trace_line(ink, rule, pitch, 0.0) is not None  # its steps rise as far as LETTER_RISE asks


def test_a_descender_reaching_across_level_lines_is_not_a_sideways_line_but_a_note_beside_them_is() -> None:
    pitch = 30.0
    level = [_piece(100, 600, 60 + pitch * i) for i in range(8)]

    def sideways(column: float, first_row: float, last_row: float) -> FoundLine:
        rows = np.arange(last_row, first_row - 1, -10.0)  # written upwards, as _upright gives it
        columns = np.full(len(rows), column)
        return FoundLine(rows, columns, columns - 0.8 * pitch, columns + 0.35 * pitch)

    assert crosses_level_writing(sideways(300, 70, 150), level, pitch)  # 2.7 pitches across the lines
    assert not crosses_level_writing(sideways(40, 40, 280), level, pitch)  # in the margin
    assert not crosses_level_writing(sideways(300, 40, 280), level, pitch)  # 8 pitches: a note, not a stroke


def test_the_two_pages_of_a_spread_are_read_one_after_the_other_not_line_by_line_across(
    tmp_path: Path, font_files: list[str]
) -> None:
    """Both pages' lines at the same heights, the gutter between them two pitches wide: blurred along the
    rows, each pair would merge into one ridge."""
    font = ImageFont.truetype(font_files[0], 64)
    left_page = [*TEXTS, "as the orders", "say they must"]
    right_page = [
        "and so it was",
        "that the men",
        "came back at",
        "night to the",
        "camp by the",
        "old river",
        "at last",
    ]
    width = max(int(ImageDraw.Draw(Image.new("L", (1, 1))).textlength(t, font=font)) for t in left_page)
    spread = Image.new("L", (2 * width + 400, 1100), 235)
    draw = ImageDraw.Draw(spread)
    for row, (left_text, right_text) in enumerate(zip(left_page, right_page)):
        draw.text((60, 150 + 120 * row), left_text, font=font, fill=20, anchor="ls")
        draw.text((width + 300, 150 + 120 * row), right_text, font=font, fill=20, anchor="ls")
    spread.save(tmp_path / "spread.png")
    layout = segment_scan(_segmenter(), tmp_path / "spread.png")
    lefts = [[min(x for x, _ in line.baseline) for line in region.lines] for region in layout.regions]
    rights = [[max(x for x, _ in line.baseline) for line in region.lines] for region in layout.regions]
    assert [len(region.lines) for region in layout.regions] == [len(left_page), len(right_page)]
    assert max(rights[0]) < width + 100 < min(lefts[1])


def _line_at(left: float, right: float, baseline: float, name: str) -> TextLine:
    box = ((left, baseline - 60), (right, baseline - 60), (right, baseline + 20), (left, baseline + 20))
    return TextLine(name, ((left, baseline), (right, baseline)), box)


def test_columns_are_read_one_after_the_other_under_a_heading_across_them_and_above_a_footnote() -> None:
    heading = _line_at(100, 1500, 100, "heading")
    left = [_line_at(100, 700, 200 + 100 * i, f"left {i}") for i in range(4)]
    right = [_line_at(900, 1500, 230 + 100 * i, f"right {i}") for i in range(4)]  # not level with the left
    footnote = _line_at(100, 1200, 700, "footnote")
    blocks = blocks_in_reading_order([footnote, *right[::-1], heading, *left])
    assert [[line.id for line in block] for block in blocks] == [
        ["heading"],
        [line.id for line in left],
        [line.id for line in right],
        ["footnote"],
    ]
    one_column = [_line_at(100, 1500, 100, "date, right"), *left, _line_at(900, 1200, 650, "signature")]
    assert blocks_in_reading_order(one_column[::-1]) == [one_column]  # lines of one column, top to bottom


def test_a_two_column_page_is_read_column_by_column_each_its_own_region(
    tmp_path: Path, font_files: list[str]
) -> None:
    page = Image.new("L", (1500, 1000), 235)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(font_files[0], 56)
    left = [_truth(font, draw, text, 60, 150 + 110 * i) for i, text in enumerate(TEXTS)]
    right = [_truth(font, draw, text, 820, 150 + 110 * i) for i, text in enumerate(TEXTS[::-1])]
    page.save(tmp_path / "columns.png")
    layout = segment_scan(_segmenter(), tmp_path / "columns.png")
    assert [len(region.lines) for region in layout.regions] == [len(left), len(right)]
    for region, column in zip(layout.regions, (left, right)):
        match = match_lines(_pairs(list(region.lines)), _pairs(column))
        assert match.matched == len(column)
        ys = [line.baseline[0][1] for line in region.lines]
        assert ys == sorted(ys)
