"""Line models: synthetic lines, line regions of pages, word-aligned WER, and starting from a word model."""

from __future__ import annotations

import math
import random
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from lfhtr.api import Session
from lfhtr.errors import CheckpointError, LfhtrError, SpecError
from lfhtr.pages.cut import cut_region, load_page_regions
from lfhtr.pages.parse import read_document
from lfhtr.pages.write import fill_readings, write_document
from lfhtr.pipeline import build_pipeline
from lfhtr.reading.metrics import error_rates
from lfhtr.stages import evaluate, export, pretrain, transcribe
from lfhtr.text.lines import draw_line
from lfhtr.train.batching import normalise
from lfhtr.train.recognizer import Recognizer
from lfhtr.train.warmstart import warm_start
from tests.test_pages import FIXTURES, VERSIONS, pages  # noqa: F401  (the fixture)


def test_a_line_is_words_up_to_its_drawn_length() -> None:
    rng = random.Random(3)
    words = iter(["alpha", "be", "gamma", "delta", "epsilon"] * 200)
    for _ in range(100):
        line = draw_line(lambda: next(words), rng, (8, 20))
        assert len(line) <= 20 or " " not in line
        assert "  " not in line and line == line.strip()
    assert draw_line(lambda: "antidisestablishment", rng, (3, 5)) == "antidisestablishment"


def test_a_line_session_draws_lines_of_the_corpus_the_same_for_a_seed(
    make_session: Callable[..., Session],
) -> None:
    session = make_session(unit="line", line_length=[10, 30])
    assert session.charset.reads_lines
    first, again = (build_pipeline(session).samples(range(6)) for _ in range(2))
    assert any(" " in text for text, _ in first)
    for (text, image), (text2, image2) in zip(first, again):
        assert text == text2 and np.array_equal(image, image2) and image.shape[0] == 32
        assert len(text) <= 30 or " " not in text
    words = make_session()
    assert not words.charset.reads_lines and all(
        " " not in t for t, _ in build_pipeline(words).samples(range(6))
    )


def test_synthetic_lines_show_their_neighbours_and_words_do_not(make_session: Callable[..., Session]) -> None:
    """With ``line_neighbours`` the lines above and below reach into a line's box, as on a page; a word
    is drawn the same bytes whatever it is set to."""

    def edge_ink(neighbours: float, text: str) -> tuple[float, list[np.ndarray]]:
        renderer = build_pipeline(make_session(renderer={"line_neighbours": neighbours})).renderer
        images = [renderer.render(text, random.Random(seed)) for seed in range(12)]
        edges = [np.concatenate([image[:4], image[-4:]]) for image in images]
        return float(np.mean([(edge < 128).mean() for edge in edges])), images

    line = "Orders from the Fort"
    alone, _ = edge_ink(0.0, line)
    crowded, _ = edge_ink(1.0, line)
    assert crowded > 2 * alone
    assert all(np.array_equal(a, b) for a, b in zip(edge_ink(0.0, "Orders")[1], edge_ink(1.0, "Orders")[1]))


@pytest.mark.parametrize("version", VERSIONS)
def test_line_regions_are_cut_with_their_texts(version: str, pages: Path) -> None:  # noqa: F811
    lines = load_page_regions(pages, pages, 32, [f"{version}-gt.xml"], unit="line")
    assert lines.found.names == [f"{version}-gt/l1"]
    expected = "Orders Fort," if version.startswith("page") else "Orders Fort, x"  # ALTO: its Strings
    assert lines.texts == {f"{version}-gt/l1": expected}
    assert lines.found.images[0].shape[0] == 32 and lines.found.images[0].shape[1] > 32 * 3


def test_a_slanted_line_is_turned_level_by_its_baseline() -> None:
    page = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(page).line([(20, 60), (380, 140)], fill=0, width=6)  # ink falling along the baseline
    box = [(10, 30.0), (390, 30.0), (390, 170.0), (10, 170.0)]
    as_cut = np.asarray(cut_region(page, box))
    level = np.asarray(cut_region(page, box, [(20, 60), (200, 100), (380, 140)]))
    inked_rows = [int((image < 128).any(axis=1).sum()) for image in (as_cut, level)]
    assert inked_rows[1] < 15 < inked_rows[0]


def test_a_polygon_that_hugs_the_ink_is_cut_out_on_its_own_paper() -> None:
    """kraken's and eScriptorium's polygons leave most of their box outside: filled white, that
    majority would be taken for the paper when the line is normalised, and the grey paper for ink."""
    page = Image.new("L", (400, 200), 170)
    draw = ImageDraw.Draw(page)
    draw.line([(40, 100), (360, 100)], fill=20, width=5)
    hugging = [(30.0, 90.0), (370.0, 90.0), (370.0, 110.0), (200.0, 170.0), (30.0, 110.0), (30.0, 30.0)]
    for baseline in (None, [(40.0, 100.0), (200.0, 110.0), (360.0, 130.0)]):
        cut = np.asarray(cut_region(page, hugging, baseline))
        assert (cut > 150).mean() > 0.8 and not (cut > 200).any()  # paper grey everywhere, none white
        assert (normalise(cut) > 0.5).mean() < 0.2  # only the ink reads as ink


@pytest.mark.parametrize("version", VERSIONS)
def test_line_readings_are_written_back_as_the_format_wants(
    version: str,
    pages: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    source = pages / f"{version}-gt.xml"
    doc = read_document(source)
    fill_readings(doc, {"l1": ("Orlers Fort.", 0.6)}, "line")
    write_document(doc, tmp_path / source.name)
    after = read_document(tmp_path / source.name)
    assert after.lines[0].text == "Orlers Fort."
    if version.startswith("page"):
        assert [w.text for w in after.words] == [w.text for w in read_document(source).words]  # untouched
        assert after.lines[0].element.find("{*}TextEquiv").get("conf") == "0.6000"  # type: ignore[union-attr]
    else:
        children = [e.tag.rsplit("}", 1)[-1] for e in after.lines[0].element]
        assert children == ["String", "SP", "String"]
        assert [w.get("WC") for w in after.lines[0].element.findall("{*}String")] == ["0.6000"] * 2


def test_wer_aligns_a_lines_words_and_stays_the_share_of_wrong_words_for_word_images() -> None:
    assert error_rates(["the house of"], ["the hose of"])["wer"] == pytest.approx(1 / 3)
    assert error_rates(["the house of"], ["thehouse of"])["wer"] == pytest.approx(2 / 3)
    assert error_rates(["a", "b", "c"], ["a", "x", ""])["wer"] == pytest.approx(2 / 3)


def test_a_line_model_starts_from_a_word_models_weights(make_session: Callable[..., Session]) -> None:
    words = make_session(pretrain={"steps": 2, "val_every": 2, "batch_size": 4})
    best = pretrain.run(words)
    source, _ = Recognizer.load(best, torch.device("cpu"))
    lines = make_session(unit="line")
    recognizer = Recognizer(lines.build("model", lines.spec.model), lines.charset, 32)
    warm_start(recognizer, best)
    old, new = source.net.state_dict(), recognizer.net.state_dict()
    head = [name for name in new if new[name].shape != old[name].shape]
    assert head == ["head.1.weight", "head.1.bias"]
    assert all(torch.equal(new[n], old[n]) for n in new if n not in head)
    space = lines.charset.encode(" ")[0]
    assert torch.equal(new["head.1.weight"][:space], old["head.1.weight"])  # every old character's row
    shuffled = make_session(charset=words.spec.charset[::-1])  # the same characters in another order
    reordered = Recognizer(shuffled.build("model", shuffled.spec.model), shuffled.charset, 32)
    warm_start(reordered, best)
    for ch in "aZ7":
        new_row, old_row = shuffled.charset.encode(ch)[0], words.charset.encode(ch)[0]
        assert torch.equal(
            reordered.net.state_dict()["head.1.weight"][new_row], old["head.1.weight"][old_row]
        )
    other = make_session(model={"kind": "crnn-ctc", "channels": [8, 8, 16, 16]})
    with pytest.raises(CheckpointError, match="pretrain.init needs the spec's model and height"):
        warm_start(Recognizer(other.build("model", other.spec.model), other.charset, 32), best)


def test_lines_of_pages_are_pretrained_evaluated_and_transcribed(
    pages: Path,  # noqa: F811
    make_session: Callable[..., Session],
) -> None:
    words = make_session(output="words", pretrain={"steps": 2, "val_every": 2, "batch_size": 4})
    best = pretrain.run(words)
    gt = {"images": str(pages), "pages": str(pages), "include": ["page-2019-gt.xml", "alto-v4-gt.xml"]}
    session = make_session(
        unit="line",
        pretrain={"steps": 2, "val_every": 2, "batch_size": 4, "init": str(best), "real_val": gt},
        evaluate={"data": gt},
        transcribe={"images": str(pages), "pages": str(pages), "decode": {"lexicon": True}},
    )
    pretrain.run(session)
    metrics = evaluate.run(session)
    assert {"cer", "wer"} <= set(metrics)
    results = (session.output / "evaluate" / "results.tsv").read_text("utf-8").splitlines()
    assert [row.split("\t")[:2] for row in results[1:]] == [
        ["alto-v4-gt/l1", "Orders Fort, x"],
        ["page-2019-gt/l1", "Orders Fort,"],
    ]
    transcribe.run(session)
    written = ET.parse(session.output / "transcribe" / "pages" / "page-2019.xml").getroot()
    line = next(e for e in written.iter() if e.tag.endswith("TextLine"))
    assert line.find("{*}TextEquiv") is not None
    model = session.output / "lines.lfhtr"
    export.run(session, model=model)
    again = Session.init(session.output / "again.json", start=str(model))
    assert again.spec.unit == "line" and again.charset == session.charset  # the space comes from the unit


def test_a_bad_line_length_or_starting_model_is_a_one_line_error(
    make_session: Callable[..., Session], tmp_path: Path
) -> None:
    with pytest.raises(SpecError, match=r"line_length: .*the first value is the low end"):
        make_session(unit="line", line_length=[40, 10])
    with pytest.raises(SpecError, match="charset: holds a space; remove it and set unit to line"):
        make_session(charset="ab c")
    session = make_session(pretrain={"init": "no-such-model"})
    with pytest.raises(LfhtrError, match="no-such-model: no such checkpoint or model file"):
        pretrain.run(session)
    assert not (session.output / "checkpoints" / "pretrain-last.pt").exists()


def test_a_turned_line_keeps_only_its_own_band() -> None:
    """A slanted line whose polygon hugs it (as kraken draws them) comes out as tall as the band, not as
    tall as the turned bounding box, so the writing keeps its size at the model's height."""
    page = Image.new("L", (600, 300), 255)
    ImageDraw.Draw(page).line([(30, 70), (570, 146)], fill=0, width=12)
    band = [(20.0, 40.0), (580.0, 120.0), (580.0, 160.0), (20.0, 80.0)]  # 40 px thick along the line
    straightened = cut_region(page, band, [(20, 80), (580, 160)])
    assert straightened.height < 50 and straightened.width > 540
    assert int((np.asarray(straightened) < 128).any(axis=1).sum()) < 20


def test_a_line_is_turned_the_way_its_baseline_runs_upside_down_and_sideways_too(
    font_files: list[str],
) -> None:
    """An exported line's baseline runs as the writing does: right to left where it is upside down (a
    postscript written along the top of a page turned round), upwards or downwards where it runs up or
    down a margin. The line comes out upright, however its points slope."""
    from PIL import ImageFont

    word = Image.new("L", (300, 80), 255)
    ImageDraw.Draw(word).text(
        (10, 60), "Ordres", font=ImageFont.truetype(font_files[0], 56), fill=0, anchor="ls"
    )
    upright = np.asarray(word, dtype=np.float32)
    for degrees, first, last in [
        (0, (50, 160), (350, 161)),
        (180, (350, 140), (50, 141)),
        (90, (160, 350), (161, 50)),
        (270, (140, 50), (141, 350)),
    ]:
        page = Image.new("L", (400, 400), 255)
        turned = word.rotate(degrees, expand=True)
        page.paste(turned, (200 - turned.width // 2, 200 - turned.height // 2))
        box = [
            (200 - turned.width / 2, 200 - turned.height / 2),
            (200 + turned.width / 2, 200 - turned.height / 2),
            (200 + turned.width / 2, 200 + turned.height / 2),
            (200 - turned.width / 2, 200 + turned.height / 2),
        ]
        cut = np.asarray(cut_region(page, box, [first, last]).resize(word.size), dtype=np.float32)
        assert np.abs(cut - upright).mean() < np.abs(cut - upright[::-1, ::-1]).mean(), degrees


def test_a_curved_line_is_unbent_by_its_baseline() -> None:
    """A line sloping and bending along its baseline comes out level: its ink in a narrow band of rows."""
    page = Image.new("L", (420, 260), 255)
    curve = [(20.0 + 20 * i, 60 + 5 * i + 30 * math.sin(i / 3)) for i in range(20)]
    ImageDraw.Draw(page).line(curve, fill=0, width=6)
    box = [(10, 20.0), (410, 20.0), (410, 250.0), (10, 250.0)]
    as_cut = np.asarray(cut_region(page, box))
    turned_only = np.asarray(cut_region(page, box, [curve[0], curve[-1]]))
    unbent = np.asarray(cut_region(page, box, curve))
    inked_rows = [int((image < 128).any(axis=1).sum()) for image in (as_cut, turned_only, unbent)]
    assert inked_rows[2] < 15 < inked_rows[1] <= inked_rows[0]
    assert (unbent < 128).sum() >= 0.9 * (as_cut < 128).sum()  # no ink cut off
