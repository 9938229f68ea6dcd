"""Pages in and out: word regions of PAGE-XML and ALTO files cut from their scans, readings written back."""

from __future__ import annotations

import logging
import random
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import xmlschema
from PIL import Image

from lfhtr.api import Session
from lfhtr.core.settings import LabelledSet
from lfhtr.datasets.labels import load_labelled
from lfhtr.errors import DataError, SpecError
from lfhtr.pages.cut import load_page_regions
from lfhtr.pages.parse import read_document
from lfhtr.pages.write import fill_readings, write_document
from lfhtr.pipeline import build_pipeline
from lfhtr.stages import evaluate, pretrain, transcribe

FIXTURES = Path(__file__).parent / "fixtures" / "pages"
SCHEMAS = (Path(__file__).parent / "fixtures" / "schemas").resolve()
VERSIONS = ["page-2013", "page-2017", "page-2019", "alto-v2", "alto-v3", "alto-v4"]
WORDS = {"w1": ((18, 18, 142, 72), "Orders"), "w2": ((158, 18, 282, 72), "Fort,")}


def _draw_page(folder: Path, session: Session, size: tuple[int, int] = (320, 100)) -> None:
    """The fixtures' page: each word drawn by the session's renderer into its box, white elsewhere."""
    renderer = build_pipeline(session).renderer
    page = Image.new("L", (320, 100), 255)
    for (left, top, right, bottom), text in WORDS.values():
        word = Image.fromarray(renderer.render(text, random.Random(0)))
        word.thumbnail((right - left - 4, bottom - top - 4))
        page.paste(word, (left + 2, top + 2))
    page.resize(size).save(folder / "page.png")


@pytest.fixture
def pages(tmp_path: Path, make_session: Callable[..., Session]) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    _draw_page(folder, make_session())
    for xml in FIXTURES.glob("*.xml"):
        shutil.copy(xml, folder)
    return folder


@pytest.mark.parametrize("version", VERSIONS)
def test_word_regions_are_cut_from_the_scan_with_their_texts(
    version: str, pages: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lfhtr"):
        words = load_page_regions(pages, pages, 32, [f"{version}-gt.xml"])
    assert words.found.names == [f"{version}-gt/w1", f"{version}-gt/w2"]
    assert words.texts == {f"{version}-gt/w1": "Orders", f"{version}-gt/w2": "Fort,"}
    assert all(image.shape[0] == 32 and image.min() < 100 for image in words.found.images)  # ink in each
    assert f"{version}-gt.xml: region w3 has no coordinates; skipped" in caplog.text


def test_malformed_coordinates_and_2010_point_lists(pages: Path, caplog: pytest.LogCaptureFixture) -> None:
    source = (FIXTURES / "page-2013-gt.xml").read_text()
    points = source.replace(
        '<Coords points="18,18 142,18 142,72 18,72"/>',
        "<Coords>"
        + "".join(f'<Point x="{x}" y="{y}"/>' for x, y in [(18, 18), (142, 18), (142, 72), (18, 72)])
        + "</Coords>",
    ).replace('points="158,18 282,18 282,72 158,72"', 'points="158,18 282,x"')
    (pages / "odd.xml").write_text(points)
    with caplog.at_level(logging.WARNING, logger="lfhtr"):
        words = load_page_regions(pages, pages, 32, ["odd.xml"])
    assert words.found.names == ["odd/w1"] and words.texts == {"odd/w1": "Orders"}
    assert "odd.xml: region w2 has no coordinates; skipped" in caplog.text


def test_outside_the_polygon_is_paper(tmp_path: Path) -> None:
    page = Image.new("L", (320, 100), 180)  # grey paper with one dark stroke across the word's box
    page.paste(0, (18, 40, 142, 44))
    page.save(tmp_path / "page.png")
    triangle = (
        (FIXTURES / "page-2019.xml")
        .read_text()
        .replace('points="18,18 142,18 142,72 18,72"', 'points="18,18 142,18 18,72"')
    )
    (tmp_path / "triangle.xml").write_text(triangle)
    shutil.copy(FIXTURES / "page-2019.xml", tmp_path)
    full, cut = (
        load_page_regions(tmp_path, tmp_path, 54, [name]).found.images[0]
        for name in ("page-2019.xml", "triangle.xml")
    )
    assert full.shape == cut.shape and full.shape[0] == 54
    lower_right = (slice(-8, None), slice(-20, None))
    assert (cut[lower_right] == 180).all() and (full[lower_right] == 180).all()  # the paper's grey
    stroke_outside = (slice(23, 25), slice(90, 120))  # the stroke beyond the triangle's long side
    assert (full[stroke_outside] < 100).all() and (cut[stroke_outside] == 180).all()


def test_a_scan_of_another_size_is_read_with_scaled_coordinates(
    tmp_path: Path, make_session: Callable[..., Session], caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    _draw_page(folder, make_session(), size=(640, 200))
    shutil.copy(FIXTURES / "page-2019-gt.xml", folder)
    with caplog.at_level(logging.WARNING, logger="lfhtr"):
        words = load_page_regions(folder, folder, 32, ["*"])
    assert "describes a 320×100 page, the image is 640×200; its coordinates are scaled" in caplog.text
    assert len(words.found.images) == 2


def test_files_that_are_not_pages_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "notes.xml").write_text("<notes><note/></notes>")
    with pytest.raises(DataError, match=r"notes\.xml: root element 'notes' is neither PAGE"):
        read_document(tmp_path / "notes.xml")
    (tmp_path / "broken.xml").write_text("<PcGts")
    with pytest.raises(DataError, match=r"broken\.xml: not readable XML"):
        read_document(tmp_path / "broken.xml")
    with pytest.raises(DataError, match="no PAGE-XML or ALTO files matching"):
        load_page_regions(tmp_path, tmp_path, 32, ["*.page.xml"])


def _without_readings(root: ET.Element) -> list[tuple[str, dict[str, str], str]]:
    """Every element with its attributes and text, except what filling readings writes."""
    kept = []
    for node in root.iter():
        local = node.tag.rsplit("}", 1)[-1]
        if local in ("TextEquiv", "Unicode"):
            continue
        attributes = {k: v for k, v in node.attrib.items() if k not in ("CONTENT", "WC")}
        kept.append((node.tag, attributes, (node.text or "").strip()))
    return kept


@pytest.mark.parametrize("version", VERSIONS)
def test_readings_written_back_keep_everything_else(version: str, pages: Path, tmp_path: Path) -> None:
    source = pages / f"{version}-gt.xml"
    before = ET.parse(source).getroot()
    doc = read_document(source)
    fill_readings(doc, {"w1": ("Orlers", 0.5), "w2": ("Fort.", 0.9)})
    write_document(doc, tmp_path / "out" / source.name)
    written = (tmp_path / "out" / source.name).read_text("utf-8")
    assert "ns0:" not in written and written.startswith("<?xml")
    after = read_document(tmp_path / "out" / source.name)
    assert _without_readings(after.root) == _without_readings(before)
    assert {w.id: w.text for w in after.words if w.id != "w3"} == {"w1": "Orlers", "w2": "Fort."}
    if version.startswith("page"):
        line = next(e for e in after.root.iter() if e.tag.endswith("TextLine"))
        equiv = [e for e in line if e.tag.endswith("TextEquiv")]
        assert len(equiv) == 1 and equiv[0].get("conf") == "0.7000"
        assert equiv[0][0].text == "Orlers Fort."
        assert [e.tag.rsplit("}", 1)[-1] for e in line][
            -1
        ] == "TextEquiv"  # after the words, as the schema says
    else:
        strings = [e for e in after.root.iter() if e.tag.endswith("String")]
        assert strings[0].get("WC") == "0.5000"


def test_evaluate_and_transcribe_read_pages_and_write_them_back(
    pages: Path, make_session: Callable[..., Session]
) -> None:
    base = make_session(pretrain={"steps": 2, "val_every": 2, "batch_size": 4})
    pretrain.run(base)
    session = make_session(
        evaluate={"data": {"images": str(pages), "pages": str(pages), "include": ["page-2019-gt.xml"]}},
        transcribe={"images": str(pages), "pages": str(pages), "decode": {"lexicon": False}},
    )
    data = load_labelled(
        LabelledSet(images=str(pages), pages=str(pages), include=["alto-v3-gt.xml"]), Path, 32
    )
    assert data.texts == ["Orders", "Fort,"]
    evaluate.run(session)
    results = (session.output / "evaluate" / "results.tsv").read_text("utf-8").splitlines()
    assert [line.split("\t")[:2] for line in results[1:]] == [
        ["page-2019-gt/w1", "Orders"],
        ["page-2019-gt/w2", "Fort,"],
    ]
    transcribe.run(session)
    out = session.output / "transcribe" / "pages"
    assert sorted(p.name for p in out.glob("*.xml")) == sorted(p.name for p in FIXTURES.glob("*.xml"))
    for xml in out.glob("*.xml"):
        assert _without_readings(ET.parse(xml).getroot()) == _without_readings(
            ET.parse(pages / xml.name).getroot()
        )
    assert (pages / "page-2019.xml").read_bytes() == (
        FIXTURES / "page-2019.xml"
    ).read_bytes()  # input untouched
    assert np.asarray(Image.open(pages / "page.png")).shape == (100, 320)
    written = (out / "page-2019.xml").read_bytes()
    again = make_session(transcribe={"images": str(pages), "pages": str(out), "decode": {"lexicon": False}})
    with pytest.raises(SpecError, match=r"\.xml: transcribe would overwrite its input; move transcribe"):
        transcribe.run(again)
    assert (out / "page-2019.xml").read_bytes() == written


@cache
def _official_schema(version: str) -> xmlschema.XMLSchema:
    """The PAGE or ALTO schema of ``version``, read from the fixtures only (ALTO's XLink import included)."""
    xlink = {"http://www.w3.org/1999/xlink": str(SCHEMAS / "xlink.xsd")}
    return xmlschema.XMLSchema(str(SCHEMAS / f"{version}.xsd"), locations=xlink, allow="local")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    ("unit", "readings"),
    [
        ("word", {"w1": ("Orlers", 0.5), "w2": ("Fort.", 0.9), "w3": ("", 0.1)}),
        ("line", {"l1": ("Orlers Fort.", 0.7)}),
        ("line", {"l1": ("", 0.2)}),
    ],
)
def test_written_pages_validate_against_the_official_schemas(
    version: str, unit: str, readings: dict[str, tuple[str, float]], tmp_path: Path
) -> None:
    schema = _official_schema(version)
    source = tmp_path / f"{version}.xml"
    text = (FIXTURES / f"{version}.xml").read_text("utf-8")  # w3's empty points are the one deliberate fault
    text = text.replace('points=""', 'points="290,18 300,18 300,72 290,72"')
    if version.startswith("alto"):  # a hyphen mark ends the line: Strings must stay before it
        last = '<String ID="w3" CONTENT="x"/>'
        text = text.replace(last, last + '<HYP CONTENT="-"/>')
    source.write_text(text, "utf-8")
    schema.validate(source)
    doc = read_document(source)
    fill_readings(doc, readings, unit)  # type: ignore[arg-type]
    write_document(doc, tmp_path / "out" / source.name)
    schema.validate(tmp_path / "out" / source.name)
    after = read_document(tmp_path / "out" / source.name)
    read_back = after.lines if unit == "line" else after.words
    assert {r.id: r.text for r in read_back} == {key: text for key, (text, _) in readings.items()}
