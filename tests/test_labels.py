"""Labels where users keep them, images keyed by their path in the set, and TSVs that stay TSVs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lfhtr import tsv
from lfhtr.api import Session
from lfhtr.core.settings import LabelledSet
from lfhtr.datasets.labels import LabelledImages, load_labelled, warn_unreadable
from lfhtr.errors import DataError
from lfhtr.stages import pretrain, transcribe


def _images(folder: Path, *names: str) -> None:
    for value, name in enumerate(names):
        word = np.full((20, 50), 230, np.uint8)
        word[5:15, 5 + value : 45] = 10  # a different 'word' in each file
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(word).save(folder / name)


def _load(folder: Path, **settings: object) -> LabelledImages:
    return load_labelled(LabelledSet(images=str(folder), **settings), Path, 20)  # type: ignore[arg-type]


def test_images_are_keyed_by_their_path_in_the_set(tmp_path: Path) -> None:
    _images(tmp_path, "p1/0001.png", "p2/0001.png", "p2/0002.png")
    (tmp_path / "labels.tsv").write_text("p1/0001.png\tfirst\np2/0001.png\tsecond\n0002.png\tthird\n")
    found = _load(tmp_path)
    assert dict(zip(found.names, found.texts)) == {
        "p1/0001.png": "first",
        "p2/0001.png": "second",
        "p2/0002.png": "third",  # a bare name still matches when no other image has it
    }
    assert not np.array_equal(found.images[0], found.images[1])


def test_a_bare_name_that_two_images_share_labels_neither(tmp_path: Path) -> None:
    _images(tmp_path, "p1/0001.png", "p2/0001.png", "p3/0003.png")
    (tmp_path / "labels.tsv").write_text("0001.png\tambiguous\np3/0003.png\tok\n")
    found = _load(tmp_path)
    assert found.names == ["p3/0003.png"]
    assert sorted(found.skipped) == ["p1/0001.png (no label)", "p2/0001.png (no label)"]


def test_a_byte_order_mark_and_a_repeated_name(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _images(tmp_path, "a.png", "b.png")
    (tmp_path / "labels.tsv").write_text("\ufeffa.png\tfirst\nb.png\told\nb.png\tnew\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="lfhtr"):
        found = _load(tmp_path)
    assert found.texts == ["first", "new"]
    assert "1 names are labelled twice (e.g. b.png); the last label counts" in caplog.text


@pytest.mark.parametrize(
    ("images", "files", "settings", "expected"),
    [
        (
            ["a.png", "b.png"],
            {"transcripts.txt": "a.png  Orders\nb.png\tand,\n"},
            {"format": "transcripts"},
            ["Orders", "and,"],
        ),
        (["0001_Fort.png", "0002_Washington.png"], {}, {"format": "filename"}, ["Fort", "Washington"]),
        (
            ["Fort_0001.png", "Letters_0002.png"],
            {},
            {"format": "filename", "pattern": r"(?P<text>.+)_\d+"},
            ["Fort", "Letters"],
        ),
    ],
)
def test_transcripts_files_and_labels_in_file_names(
    tmp_path: Path, images: list[str], files: dict[str, str], settings: dict[str, str], expected: list[str]
) -> None:
    _images(tmp_path, *images)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert _load(tmp_path, **settings).texts == expected


def test_a_labels_file_that_names_none_of_the_images_is_a_clear_error(tmp_path: Path) -> None:
    _images(tmp_path, "w1.png")
    (tmp_path / "labels.tsv").write_text("other.png\tx\n")
    with pytest.raises(DataError, match=r"labels.tsv: labels none of the 1 images .*'w1.png'.*'other.png'"):
        _load(tmp_path)


def test_labels_the_charset_cannot_read_are_flagged(caplog: pytest.LogCaptureFixture) -> None:
    labelled = LabelledImages(["a", "b", "c"], [], ["", "Straße", "ok"], [])
    with caplog.at_level(logging.WARNING, logger="lfhtr"):
        warn_unreadable(labelled, "abcdefghijklmnopqrstuvwxyzS", "evaluate.data")
    assert "1 labels are empty" in caplog.text and "outside the charset (ß)" in caplog.text


def test_tabs_and_line_breaks_in_names_and_texts_stay_inside_their_field() -> None:
    line = tsv.row("odd\tname\n.png", "a\\b", 0.5)
    assert line == "odd\\tname\\n.png\ta\\\\b\t0.5\n" and line.count("\t") == 2
    assert tsv.parse_row(line[:-1]) == ["odd\tname\n.png", "a\\b", "0.5"]


def test_transcribe_keys_nested_images_by_relative_path(
    make_session: Callable[..., Session], tmp_path: Path
) -> None:
    folder = tmp_path / "scans"
    _images(folder, "p1/0001.png", "p2/0001.png")
    session = make_session(pretrain={"steps": 2, "val_every": 2}, transcribe={"images": str(folder)})
    pretrain.run(session)
    rows = transcribe.run(session).read_text().splitlines()
    assert [row.split("\t")[0] for row in rows] == ["file", "p1/0001.png", "p2/0001.png"]
