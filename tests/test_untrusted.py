"""Files from someone else and outputs typed by a careless hand: a model file, a corpus named in one, an
output path pointing at a device, a link, an input or a document. None may exhaust memory, read the
reader's files, or destroy what the path points at."""

from __future__ import annotations

import json
import os
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from lfhtr import modelfile
from lfhtr.atomic import atomic_write
from lfhtr.cli import app
from lfhtr.core import plugins
from lfhtr.errors import CheckpointError, DataError
from lfhtr.modelfile import LONGEST_WORD
from lfhtr.pages.locate import page_image
from lfhtr.pages.parse import PageDocument
from lfhtr.reading.lexicon import Lexicon
from lfhtr.reading.reader import Reader
from lfhtr.session import Session
from lfhtr.stages import export
from lfhtr.text.charset import Charset
from lfhtr.text.corpus import corpus_counts

runner = CliRunner()
TINY = {"kind": "crnn-ctc", "channels": [4, 4, 4, 4], "hidden": 8, "layers": 1, "dropout": 0.0}
CHARSET = "abcdefghijklmnopqrstuvwxyz"


def _model_file(path: Path, **meta: Any) -> Path:
    """A real, untrained model file whose metadata says ``meta`` (a stranger can write anything)."""
    options = {k: v for k, v in TINY.items() if k != "kind"}
    net = plugins.build("model", "crnn-ctc", options).build(len(CHARSET) + 1, 32)  # type: ignore[attr-defined]
    described = {"model": TINY, "charset": CHARSET, "height": 32, **meta}
    modelfile.save(path, net.state_dict(), described)
    return path


def _repacked(source: Path, target: Path, member: str, data: bytes) -> Path:
    """``source`` with ``member`` replaced by ``data``, deflated: what an attacker's zip tool makes."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            out.writestr(info.filename, data if info.filename == member else original.read(info))
    return target


@pytest.mark.parametrize("member", [modelfile.WEIGHTS, modelfile.META])
def test_a_zip_bomb_model_file_is_refused_from_its_directory_before_unpacking(
    tmp_path: Path, member: str
) -> None:
    bomb = _repacked(_model_file(tmp_path / "real.lfhtr"), tmp_path / "bomb.lfhtr", member, bytes(64 * 2**20))
    assert bomb.stat().st_size < 2**20  # 64 MiB of zeros in a few hundred kilobytes
    with pytest.raises(CheckpointError, match=rf"member {member} unpacks to 67108864 bytes .* refused"):
        Reader.load(bomb)


def test_a_model_file_of_many_members_is_refused_before_its_directory_is_parsed(tmp_path: Path) -> None:
    crowded = tmp_path / "crowded.lfhtr"
    with zipfile.ZipFile(crowded, "w") as archive:
        for i in range(500):
            archive.writestr(f"m{i}", b"")
    with pytest.raises(CheckpointError, match="500 members"):
        modelfile.load_meta(crowded)


@pytest.mark.parametrize(
    "corpus",
    [
        {"kind": "wordlist", "path": "/dev/zero"},
        {"kind": "frequency", "language": "en", "corpora": ["/etc/passwd"]},
        {"kind": "frequency", "language": "en", "extra_words": ["/etc/hostname"]},
    ],
)
def test_a_model_files_corpus_never_reads_the_readers_files(tmp_path: Path, corpus: dict[str, Any]) -> None:
    model = _model_file(tmp_path / "nosy.lfhtr", corpus=corpus)
    reader = Reader.load(model)
    assert reader.lexicon is None and reader.decoding == "greedy"


def test_init_from_a_model_file_never_copies_the_files_its_corpus_names(tmp_path: Path) -> None:
    model = _model_file(tmp_path / "nosy.lfhtr", corpus={"kind": "frequency", "corpora": ["/etc/passwd"]})
    result = runner.invoke(app, ["init", str(tmp_path / "s.json"), "--from", str(model)])
    assert result.exit_code == 0, result.output
    assert "/etc/passwd" not in (tmp_path / "s.json").read_text()


def test_a_model_file_carries_the_lexicon_its_corpus_files_gave(tmp_path: Path) -> None:
    words = {"ledger": 0.5, "letter": 0.5}
    model = _model_file(tmp_path / "m.lfhtr", corpus={"kind": "wordlist", "path": "/somewhere/words.txt"})
    meta, [weights] = modelfile.load_meta(model), [modelfile.load(model)[0]]
    modelfile.save(tmp_path / "carried.lfhtr", weights, meta, words)
    reader = Reader.load(tmp_path / "carried.lfhtr")
    assert reader.lexicon is not None and sorted(reader.lexicon.words) == sorted(words)


def test_a_carried_lexicon_with_a_word_of_probability_0_is_refused_in_one_line(tmp_path: Path) -> None:
    model = _model_file(tmp_path / "m.lfhtr", corpus={"kind": "wordlist", "path": "/somewhere/words.txt"})
    meta, [weights] = modelfile.load_meta(model), [modelfile.load(model)[0]]
    modelfile.save(tmp_path / "zero.lfhtr", weights, meta, {"ledger": 0.0, "letter": 1.0})
    Image.new("L", (60, 32), 255).save(tmp_path / "word.png")
    result = runner.invoke(app, ["read", str(tmp_path / "zero.lfhtr"), str(tmp_path / "word.png")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "lexicon.json must map words to probabilities above 0" in " ".join(result.output.split())


@pytest.mark.parametrize("name", ["fifo", "folder"])
def test_a_corpus_the_user_names_must_be_a_regular_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    os.mkfifo(path) if name == "fifo" else path.mkdir()
    with pytest.raises(DataError, match=f"{name}: not a regular file; corpus.corpora takes text files"):
        corpus_counts([path])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("height", 10**6, "height: Input should be less than or equal to 256"),
        ("charset", "x" * 820_000, "charset: String should have at most 4096 characters"),
        ("width_scale", float("nan"), "width_scale: Input should be a finite number"),
        ("width_scale", float("inf"), "width_scale: Input should be a finite number"),
        ("width_scale", 1e12, "width_scale: Input should be less than or equal to 4"),
        ("width_scale", 1e4, "width_scale: Input should be less than or equal to 4"),
        ("width_scale", -1, "width_scale: Input should be greater than or equal to 0.25"),
        ("width_scale", 0, "width_scale: Input should be greater than or equal to 0.25"),
        ("model", {"hidden": 8}, "model: Value error, needs a string 'kind'"),
    ],
)
def test_model_file_metadata_is_bounded_before_a_network_is_built(
    tmp_path: Path, field: str, value: object, message: str
) -> None:
    model = _model_file(tmp_path / "big.lfhtr", **{field: value})
    with pytest.raises(CheckpointError, match=message):
        Reader.load(model)


def test_writing_through_a_link_replaces_the_linked_file_and_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text("old")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    atomic_write(tmp_path / "link.json", "new")
    assert (tmp_path / "link.json").is_symlink() and (tmp_path / "real.json").read_text() == "new"


def test_a_device_behind_an_output_is_written_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "out").symlink_to(os.devnull)
    atomic_write(tmp_path / "out", "discarded")
    assert (tmp_path / "out").is_symlink() and Path(os.devnull).is_char_device()


def test_a_fifo_output_is_written_into_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    atomic_write(fifo, "through the pipe")
    reader.join(timeout=10)
    assert received == ["through the pipe"] and fifo.is_fifo()


def test_an_output_that_is_a_folder_is_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="is a folder; name a file to write"):
        atomic_write(tmp_path, "x")


def _word(path: Path) -> Path:
    image = np.full((40, 90), 255, np.uint8)
    image[12:28, 10:80] = 0
    Image.fromarray(image).save(path)
    return path


def test_read_never_writes_over_an_image_it_reads(tmp_path: Path) -> None:
    image = _word(tmp_path / "w.png")
    before = image.read_bytes()
    for args in (["-o", str(image)], ["-o", str(image), "--force"]):
        result = runner.invoke(app, ["read", "en", str(image), *args])
        assert result.exit_code == 2 and "is an input image" in result.output, result.output
    folder_output = runner.invoke(app, ["read", "en", str(tmp_path), "-o", str(image), "--force"])
    assert folder_output.exit_code == 2 and "inside a folder being read" in folder_output.output
    assert image.read_bytes() == before


def test_read_replaces_another_kind_of_file_only_when_forced(tmp_path: Path) -> None:
    image = _word(tmp_path / "w.png")
    document = tmp_path / "thesis.docx"
    document.write_bytes(b"chapter one")
    refused = runner.invoke(app, ["read", "en", str(image), "-o", str(document)])
    assert refused.exit_code == 2 and "exists; pass --force" in refused.output
    assert document.read_bytes() == b"chapter one"
    previous = tmp_path / "readings.tsv"
    previous.write_text("old readings")
    assert runner.invoke(app, ["read", "en", str(image), "-o", str(previous)]).exit_code == 0
    assert previous.read_text().startswith("file\ttext\tconfidence")
    assert runner.invoke(app, ["read", "en", str(image), "-o", str(document), "--force"]).exit_code == 0


def test_outputs_of_spec_commands_never_replace_what_they_should_not(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    schema = runner.invoke(app, ["spec", "schema", "-o", str(notes)])
    assert schema.exit_code == 2 and notes.read_text() == "mine"
    init = runner.invoke(app, ["init", str(tmp_path / "session.schema.json")])
    assert init.exit_code == 2 and "name the spec otherwise" in " ".join(init.output.split())
    assert json.loads(runner.invoke(app, ["spec", "schema"]).output)["title"]


def test_a_page_files_image_name_is_looked_up_by_its_name_alone(tmp_path: Path) -> None:
    outside = tmp_path / "private.png"
    _word(outside)
    scans, pages = tmp_path / "scans", tmp_path / "scans" / "page"
    pages.mkdir(parents=True)
    for named in ("../../private.png", str(outside)):
        doc = PageDocument(pages / "p.xml", None, "page", named, None)  # type: ignore[arg-type]
        with pytest.raises(DataError, match="is not in"):
            page_image(doc, scans)
    _word(scans / "private.png")
    found = PageDocument(pages / "p.xml", None, "page", str(outside), None)  # type: ignore[arg-type]
    assert page_image(found, scans) == scans / "private.png"  # the scan of that name, where scans are


def test_a_carried_lexicon_with_a_word_too_long_to_index_is_refused_in_one_line(tmp_path: Path) -> None:
    model = _model_file(tmp_path / "m.lfhtr", corpus={"kind": "wordlist", "path": "/somewhere/words.txt"})
    meta, [weights] = modelfile.load_meta(model), [modelfile.load(model)[0]]
    modelfile.save(tmp_path / "long.lfhtr", weights, meta, {"ledger": 0.5, "l" * 100_000: 0.5})
    Image.new("L", (60, 32), 255).save(tmp_path / "word.png")
    result = runner.invoke(app, ["read", str(tmp_path / "long.lfhtr"), str(tmp_path / "word.png")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "holds a word of 100000 characters" in " ".join(result.output.split())


def test_a_corpus_token_too_long_to_be_a_word_is_left_out_of_the_lexicon() -> None:
    lexicon = Lexicon({"ledger": 0.5, "a" * (LONGEST_WORD + 1): 0.5}, Charset("adegblr"))
    assert lexicon.words == ["ledger"]


def test_an_exported_model_file_carries_no_token_too_long_to_be_a_word(
    make_session: Callable[..., Session], tmp_path: Path
) -> None:
    session = make_session()
    words = tmp_path / "words.txt"  # the tiny spec's word list
    words.write_text(words.read_text(encoding="utf-8") + "x" * (LONGEST_WORD + 1) + "\n", encoding="utf-8")
    carried = export._carried_lexicon(session)
    assert carried and max(map(len, carried)) <= LONGEST_WORD
