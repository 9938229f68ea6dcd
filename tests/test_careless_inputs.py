"""Inputs as people really hand them over: decomposed umlauts, impossible settings, 16-bit and turned
scans, one broken page among many, padded labels, odd file names, a FIFO, a stopped-up cache folder."""

from __future__ import annotations

import logging
import os
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from lfhtr.api import Session
from lfhtr.cli import app
from lfhtr.core.settings import LabelledSet
from lfhtr.datasets.labels import load_labelled
from lfhtr.errors import CheckpointError, DataError, LfhtrError
from lfhtr.imaging.folder import prepare_word_image
from lfhtr.imaging.scans import load_scan
from lfhtr.log import OneLine
from lfhtr.pages.cut import load_page_regions
from lfhtr.pages.parse import read_document
from lfhtr.reading.reader import Reader
from lfhtr.runlock import LOCK_NAME, locked
from lfhtr.stages import pretrain, synth
from lfhtr.text.corpus import corpus_counts
from lfhtr.train import checkpoint
from lfhtr.train.trainer import Trainer, labelled_loss

runner = CliRunner()
TINY_MODEL = {"kind": "crnn-ctc", "channels": [8, 16, 16, 16], "hidden": 16, "layers": 1, "dropout": 0.0}


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _word(path: Path, width: int = 90) -> Path:
    image = np.full((40, width), 255, np.uint8)
    image[12:28, 6 : width - 6] = 0
    Image.fromarray(image).save(path)
    return path


def test_decomposed_names_and_labels_match_and_read_composed(tmp_path: Path) -> None:
    _word(tmp_path / f"{nfd('Straße-München')}.png")  # a file system handing names over decomposed
    (tmp_path / "labels.tsv").write_text(f"Straße-München.png\t {nfd('München')} \n", encoding="utf-8")
    found = load_labelled(LabelledSet(images=str(tmp_path)), lambda p: Path(p), 32)
    assert found.texts == ["München"] and len(found.texts[0]) == 7  # one ü, no padding spaces


def test_page_texts_and_corpus_words_are_composed(tmp_path: Path) -> None:
    page = (Path(__file__).parent / "fixtures" / "pages" / "alto-v4-gt.xml").read_text(encoding="utf-8")
    first = read_document(Path(__file__).parent / "fixtures" / "pages" / "alto-v4-gt.xml").words[0].text
    assert first is not None
    (tmp_path / "d.xml").write_text(page.replace(f'CONTENT="{first}"', f'CONTENT="{nfd("Grüße")}"', 1))
    assert read_document(tmp_path / "d.xml").words[0].text == "Grüße"
    (tmp_path / "corpus.txt").write_text(nfd("Grüße aus Köln\n"), encoding="utf-8")
    assert set(corpus_counts([tmp_path / "corpus.txt"])) == {"Grüße", "aus", "Köln"}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("pretrain.lr=1e39", "pretrain.lr: Input should be less than or equal to 10"),
        ('corpus={"kind": "frequency", "language": "xx"}', "wordfreq has no word list for 'xx'"),
        ('evaluate.data={"images": "x", "format": "filename", "pattern": "("}', "not a regular expression"),
        ('evaluate.data={"images": "x", "format": "filename", "pattern": ".*"}', "needs a group named text"),
    ],
)
def test_impossible_settings_are_one_line_errors_naming_the_field(
    spec_file: Path, override: str, message: str
) -> None:
    result = runner.invoke(app, ["run", "evaluate", str(spec_file), "--set", override])
    assert result.exit_code == 2 and message in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output


def test_a_log_file_that_is_a_folder_is_a_one_line_error(spec_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "evaluate", str(spec_file), "--log-file", str(tmp_path)])
    assert result.exit_code == 2 and "cannot write it (Is a directory)" in " ".join(result.output.split())


def test_a_run_folder_whose_lock_cannot_be_taken_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / LOCK_NAME).mkdir()  # what a read-only or full disk does to the lock file, as root too
    with pytest.raises(LfhtrError, match="cannot take the run folder's lock"), locked(tmp_path, "adapt"):
        pass


def test_a_16_bit_page_scan_is_scaled_by_its_range_not_clipped(tmp_path: Path) -> None:
    page = np.full((200, 300), 60000, np.uint16)
    page[80:120, 50:250] = 5000
    Image.fromarray(page).save(tmp_path / "scan.png")
    grey = np.asarray(load_scan(tmp_path / "scan.png"))
    assert grey[100, 100] < 20 and grey[10, 10] > 235


def test_a_turned_photo_is_read_upright(tmp_path: Path) -> None:
    page = np.full((100, 300), 255, np.uint8)
    page[40:60, 20:280] = 0
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned; viewers rotate it back
    Image.fromarray(page).rotate(90, expand=True).save(tmp_path / "photo.jpg", exif=exif)
    assert load_scan(tmp_path / "photo.jpg").size == (300, 100)


BOX = '<Coords points="40,70 260,70 260,130 40,130"/>'
PAGE_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15">
<Page imageFilename="{{image}}" imageWidth="300" imageHeight="200">
<TextRegion id="r"><Coords points="0,0 300,0 300,200 0,200"/><TextLine id="l">{BOX}<Word id="w">{BOX}
<TextEquiv><Unicode>word</Unicode></TextEquiv></Word></TextLine></TextRegion></Page></PcGts>"""


def test_one_malformed_page_file_is_skipped_with_its_reason_and_the_rest_read(tmp_path: Path) -> None:
    page = np.full((200, 300), 60000, np.uint16)  # 16 bits: cut through the same conversion as words
    page[80:120, 50:250] = 5000
    Image.fromarray(page).save(tmp_path / "good.png")
    (tmp_path / "good.xml").write_text(PAGE_XML.format(image="good.png"), encoding="utf-8")
    (tmp_path / "broken.xml").write_text("<PcGts><Page", encoding="utf-8")
    regions = load_page_regions(tmp_path, tmp_path, 32, ["*"])
    assert regions.found.names == ["good/w"] and regions.texts == {"good/w": "word"}
    assert regions.found.images[0].min() < 50  # ink, not a clipped white page
    [skipped] = regions.found.skipped
    assert skipped.startswith("broken.xml (") and "not readable XML" in skipped


def test_weights_that_are_not_finite_are_never_saved(
    make_session: Callable[..., Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    session = make_session(model=TINY_MODEL, pretrain={"steps": 12, "val_every": 4})
    original = Trainer.train_step

    def poisoned(self, batch, model=None):  # type: ignore[no-untyped-def]
        if self.step >= 5:  # from step 6 on, a loss whose gradients are NaN: the weights go NaN
            for parameter in self.net.parameters():
                parameter.data.fill_(float("nan"))
        return original(self, batch, model)

    monkeypatch.setattr(Trainer, "train_step", poisoned)
    with pytest.raises(LfhtrError, match=r"training diverged: .* NaN or infinite weights at step 8"):
        pretrain.run(session)
    for name in ("pretrain-last.pt", "pretrain-best.pt"):
        state, _ = checkpoint.load(session.output / "checkpoints" / name)
        assert state["step"] == 4 and all(t.isfinite().all() for t in state["model"].values())


def test_a_cache_folder_that_cannot_be_written_does_not_stop_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    reader = Reader.load("en")
    assert reader.lexicon is not None
    assert reader.read([_word(tmp_path / "w.png")])[0].confidence >= 0


def test_a_label_longer_than_its_image_can_hold_is_left_out_of_the_loss(tmp_path: Path) -> None:
    recognizer = Reader.load("en", lexicon=False).recognizer
    narrow = np.full((32, 24), 255, np.uint8)
    narrow[8:24, 4:20] = 0
    wide = np.full((32, 160), 255, np.uint8)
    wide[8:24, 8:150] = 0
    alone = labelled_loss(recognizer, [wide], ["word"])
    assert labelled_loss(recognizer, [wide, narrow], ["word", "a" * 40]) == pytest.approx(alone)
    assert np.isnan(labelled_loss(recognizer, [narrow], ["a" * 40]))


def test_control_characters_in_a_message_are_shown_escaped() -> None:
    forged = "skipped evil\nwarning: forged.png"
    record = logging.LogRecord("lfhtr", logging.WARNING, "", 0, forged, None, None)
    OneLine().filter(record)
    assert record.msg == "skipped evil\\nwarning: forged.png"


def test_a_fifo_named_as_labels_is_refused_not_waited_on(tmp_path: Path) -> None:
    _word(tmp_path / "w.png")
    os.mkfifo(tmp_path / "labels.tsv")
    with pytest.raises(DataError, match="labels.tsv: not a regular file"):
        load_labelled(LabelledSet(images=str(tmp_path)), lambda p: Path(p), 32)


def test_a_smaller_synth_count_leaves_only_that_many_images(make_session: Callable[..., Session]) -> None:
    synth.run(make_session(synth={"count": 12}))
    mine = make_session(synth={"count": 5})
    (mine.output / "synth" / "keep-me.png").write_bytes(b"not lfhtr's")
    folder = synth.run(mine)
    expected = [f"{i:07d}.png" for i in range(5)] + ["keep-me.png"]
    assert sorted(p.name for p in folder.glob("*.png")) == expected


def test_a_16_bit_image_with_one_saturated_pixel_keeps_its_ink_dark() -> None:
    word = np.full((40, 120), 30000, np.uint16)
    word[12:28, 10:110] = 2000
    word[0, 0] = 65535  # one hot pixel
    prepared = prepare_word_image(Image.fromarray(word), 32, "hot.png")
    assert prepared[16, 60] < 60 and np.median(prepared) > 200


def test_a_pickled_checkpoint_is_refused_without_torchs_warning(tmp_path: Path) -> None:
    torch.save({"state": {"model": {}}, "meta": {"step": 1}, "payload": OneLine()}, tmp_path / "evil.pt")
    with warnings.catch_warnings(record=True) as caught, pytest.raises(CheckpointError, match="refused"):
        warnings.simplefilter("always")
        checkpoint.load(tmp_path / "evil.pt")
    assert not caught
