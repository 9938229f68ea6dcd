"""Model files, shipped models, `lfhtr read` and the Python API, as users call them."""

from __future__ import annotations

import json
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

import lfhtr
from lfhtr import modelfile, pretrained
from lfhtr.api import Session
from lfhtr.cli import app
from lfhtr.errors import CheckpointError
from lfhtr.pages.cut import load_page_regions
from lfhtr.pipeline import build_pipeline
from lfhtr.reading.calibration import calibration
from lfhtr.reading.metrics import edit_distance
from lfhtr.train.recognizer import Recognizer

runner = CliRunner()


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, font_files: list[str]) -> tuple[Path, Path, Path]:
    """A tiny model pretrained once and exported as a model file, and a nested folder of word images."""
    from tests.conftest import tiny_spec_data

    root = tmp_path_factory.mktemp("models")
    spec = root / "session.json"
    spec.write_text(json.dumps(tiny_spec_data(root, font_files, pretrain={"steps": 40, "val_every": 40})))
    session = Session.load(spec)
    session.pretrain()
    model = root / "tiny.lfhtr"
    result = runner.invoke(app, ["export", str(spec), "--model", str(model)])
    assert result.exit_code == 0, result.output
    words = root / "words"
    pipeline = build_pipeline(session)
    for i, name in enumerate(["p1/0001.png", "p2/0001.png", "p2/0002.png"]):
        (words / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pipeline.sample(9 * 10**9 + i)[1]).save(words / name)
    return model, session.output / "checkpoints" / "pretrain-best.pt", words


def test_a_model_file_holds_the_checkpoints_weights_in_safetensors_and_a_card(
    exported: tuple[Path, Path, Path],
) -> None:
    model, checkpoint, _ = exported
    from_file, meta = Recognizer.load(model, torch.device("cpu"))
    from_checkpoint, _ = Recognizer.load(checkpoint, torch.device("cpu"))
    for key, value in from_checkpoint.net.state_dict().items():
        assert torch.equal(value, from_file.net.state_dict()[key]), key
    assert meta["card"]["stage"] == "pretrain" and meta["corpus"]["kind"] == "wordlist"
    assert meta["preprocessing"]["height"] == 32 and meta["charset"] == from_file.charset.chars
    with zipfile.ZipFile(model) as archive:
        blob = archive.read("weights.safetensors")
    (size,) = struct.unpack("<Q", blob[:8])  # the safetensors layout any reader of that format expects
    header = json.loads(blob[8 : 8 + size])
    assert header["head.1.weight"]["dtype"] == "F32" and size % 8 == 0


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda path: torch.save({"x": Path("/")}, path), "not an lfhtr model file"),  # a pickle
        (lambda path: path.write_bytes(b"PK\x03\x04 not really a zip"), "not an lfhtr model file"),
        ("weights", "do not match their recorded hash"),
    ],
)
def test_a_damaged_or_foreign_model_file_is_refused(
    exported: tuple[Path, Path, Path], tmp_path: Path, damage: object, expected: str
) -> None:
    target = tmp_path / "bad.lfhtr"
    if damage == "weights":
        with zipfile.ZipFile(exported[0]) as source, zipfile.ZipFile(target, "w") as copy:
            copy.writestr("model.json", source.read("model.json"))
            copy.writestr("weights.safetensors", source.read("weights.safetensors")[:-4] + b"\0\0\0\0")
    else:
        damage(target)  # type: ignore[operator]
    with pytest.raises(CheckpointError, match=expected):
        Recognizer.load(target, torch.device("cpu"))


def test_the_python_api_reads_paths_pillow_images_and_arrays_alike(exported: tuple[Path, Path, Path]) -> None:
    model, _, words = exported
    reader = lfhtr.Reader.load(model)
    path = words / "p1" / "0001.png"
    image = Image.open(path)
    by_path, by_image, by_array = reader.read([path, image, np.asarray(image.convert("L"))])
    assert by_path == by_image == by_array
    assert reader.decoding == "beam (width 10) + character model (0.2) + lexicon"
    assert 0.0 <= by_path.confidence <= 1.0


def test_read_keys_nested_images_by_path_and_writes_json_with_alternatives(
    exported: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    model, _, words = exported
    result = runner.invoke(app, ["read", str(model), str(words)])
    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert [row[0] for row in rows] == ["file", "p1/0001.png", "p2/0001.png", "p2/0002.png"]
    out = tmp_path / "read.json"
    result = runner.invoke(
        app, ["read", str(model), str(words / "p2"), "--format", "json", "-o", str(out), "--no-lexicon"]
    )
    assert result.exit_code == 0, result.output
    assert [row["file"] for row in json.loads(out.read_text())] == ["0001.png", "0002.png"]
    for row in json.loads(out.read_text()):
        assert set(row) <= {"file", "text", "confidence", "alternatives", "characters"}
        assert [ch for ch, _ in row.get("characters", [])] == (list(row["text"]) if row["text"] else [])
    texts = tmp_path / "read.txt"  # the format from the suffix: the texts, one a line
    assert runner.invoke(app, ["read", str(model), str(words / "p2"), "-o", str(texts)]).exit_code == 0
    assert len(texts.read_text().splitlines()) == 2


def test_read_marks_and_lists_the_readings_to_review(
    exported: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    model, _, words = exported
    out = tmp_path / "read.tsv"
    result = runner.invoke(app, ["read", str(model), str(words), "-o", str(out), "--review-below", "1"])
    assert result.exit_code == 0, result.output
    header, *rows = out.read_text().splitlines()
    assert header == "file\ttext\tconfidence\treview" and all(row.endswith("\tyes") for row in rows)
    listed = [row.split("\t") for row in (tmp_path / "read.review.tsv").read_text().splitlines()[1:]]
    confidences = [float(row[2]) for row in listed]
    assert len(listed) == 3 and confidences == sorted(confidences)  # least confident first
    result = runner.invoke(app, ["read", str(model), str(words), "--format", "hocr"])
    assert (
        result.exit_code == 2
        and "--format hocr: word and line images are read into one of tsv, json, txt" in (result.output)
    )


def test_a_shipped_models_name_works_wherever_a_model_is_asked_for(
    exported: tuple[Path, Path, Path], make_session: Callable[..., Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    model, _, words = exported
    monkeypatch.setattr(
        pretrained, "available", lambda: {"tiny": pretrained.Shipped("tiny", model, "lfhtr-tiny-models")}
    )
    assert runner.invoke(app, ["read", "tiny", str(words)]).exit_code == 0
    assert runner.invoke(app, ["read", "TINY", str(words)]).exit_code == 0  # names in any case
    listed = runner.invoke(app, ["models"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "tiny" in listed.output and "lfhtr-tiny-models" in listed.output
    session = make_session(transcribe={"images": str(words)})
    result = runner.invoke(app, ["run", "transcribe", str(session.source), "--checkpoint", "tiny"])
    assert result.exit_code == 0, result.output
    unknown = runner.invoke(app, ["read", "tinny", str(words)])
    assert unknown.exit_code == 2 and "no shipped model of that name (tiny)" in unknown.output


GW = Path(__file__).parents[2] / "shared" / "data" / "gw-dev"


@pytest.mark.skipif(not GW.is_dir(), reason="the shared George Washington set is not beside the repository")
def test_the_shipped_english_model_reads_real_handwriting_out_of_the_box() -> None:
    assert "en" in pretrained.available()
    labels = dict(line.split("\t", 1) for line in (GW / "labels.tsv").read_text("utf-8").splitlines())
    names = sorted(name for name in labels if name.startswith("276-"))[:40]
    readings = lfhtr.Reader.load("en").read([GW / name for name in names])
    right = sum(reading.text == labels[name] for reading, name in zip(readings, names))
    assert right >= 10  # 17 of these 40 words exactly, with the corpus lexicon; an untrained model reads 0
    for reading in readings:  # the runners-up best first
        probabilities = [p for _, p in reading.alternatives]
        assert probabilities == sorted(probabilities, reverse=True), reading


@pytest.mark.skipif(not GW.is_dir(), reason="the shared George Washington set is not beside the repository")
def test_a_readings_confidence_is_the_probability_that_it_is_right() -> None:
    labels = dict(line.split("\t", 1) for line in (GW / "labels.tsv").read_text("utf-8").splitlines())
    names = sorted(name for name in labels if name[:3] in {"276", "277", "278", "279"})
    truths, files = [labels[name] for name in names], [GW / name for name in names]

    def error(reader: lfhtr.Reader) -> float:
        readings = reader.read(files)
        texts = [r.text for r in readings]
        edits = [edit_distance(t, p) for t, p in zip(truths, texts)]
        return calibration([r.confidence for r in readings], truths, texts, edits)["ece"]

    probability = error(lfhtr.Reader.load("en", lexicon=False))
    score = error(lfhtr.Reader.load("en", lexicon=False, probability=False))
    assert probability < 0.1 and score > 0.4  # 0.050 and 0.557 measured (docs/results.md)


GW_PAGES = GW.parent / "gw-pages"


@pytest.mark.skipif(
    not GW_PAGES.is_dir(), reason="the shared George Washington pages are not beside the repository"
)
def test_a_lines_confidence_is_the_share_of_its_characters_that_are_right() -> None:
    found = load_page_regions(GW_PAGES, GW_PAGES / "page-gt", 32, ["276.xml", "277.xml"], unit="line")
    names = sorted(found.texts)
    truths = [found.texts[name] for name in names]
    readings = lfhtr.Reader.load("en-line", lexicon=False).read(
        [found.found.images[found.found.names.index(n)] for n in names]
    )
    texts = [r.text for r in readings]
    edits = [edit_distance(t, p) for t, p in zip(truths, texts)]
    calibrated = calibration([r.confidence for r in readings], truths, texts, edits, lines=True)
    curve = {point["coverage"]: point["cer"] for point in calibrated["risk_coverage"]}
    assert calibrated["ece"] < 0.1  # 0.025 measured on 276-279 (docs/results.md)
    assert curve[0.5] < curve[1.0]  # the surer half of the lines holds fewer errors


DHSD = Path(__file__).parents[2] / "shared" / "data" / "dhsd-dev"


@pytest.mark.skipif(not DHSD.is_dir(), reason="the shared German set is not beside the repository")
def test_the_shipped_german_model_reads_present_day_german_hands() -> None:
    reader = lfhtr.Reader.load("de")
    assert all(ch in reader.recognizer.charset.chars for ch in "äöüßÄÖÜ")
    labels = dict(line.split("\t", 1) for line in (DHSD / "labels.tsv").read_text("utf-8").splitlines())
    names = sorted(name for name in labels if name.startswith("w13-"))[:40]
    readings = reader.read([DHSD / name for name in names])
    errors = sum(edit_distance(labels[name], r.text) for r, name in zip(readings, names))
    assert errors / sum(len(labels[name]) for name in names) < 0.5  # about 0.3; an untrained model 1.0


def test_init_from_a_model_writes_a_spec_that_adapts_it(
    exported: tuple[Path, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, _, _ = exported
    monkeypatch.setattr(
        pretrained, "available", lambda: {"tiny": pretrained.Shipped("tiny", model, "lfhtr-tiny-models")}
    )
    meta = modelfile.load_meta(model)
    for start, reference in (("tiny", "tiny"), (str(model), str(model.resolve()))):
        spec = tmp_path / f"{len(reference)}.json"
        result = runner.invoke(app, ["init", str(spec), "--from", start, "--set", "adapt.rounds=2"])
        assert result.exit_code == 0, result.output
        data = json.loads(spec.read_text())
        assert data["adapt"]["checkpoint"] == reference and data["adapt"]["rounds"] == 2
        assert (data["charset"], data["height"], data["model"]) == (
            meta["charset"],
            meta["height"],
            meta["model"],
        )
        # its corpus is a word-list file on the machine that made it: never copied into the new spec
        assert meta["corpus"]["kind"] == "wordlist" and data["corpus"]["kind"] == "frequency"
        assert "its corpus names files (path)" in " ".join(result.output.split())


def _read_with_onnx_alone(graph: Path, sidecar: dict, files: list[Path]) -> list[str]:
    """What a user without lfhtr does: prepare each image as the sidecar says, run the graph, decode."""
    import onnxruntime

    prep = sidecar["preprocessing"]
    session = onnxruntime.InferenceSession(str(graph), providers=["CPUExecutionProvider"])
    texts = []
    for file in files:
        grey = Image.open(file).convert("L")
        if np.asarray(grey).mean() < prep["invert_below"]:
            grey = Image.fromarray(255 - np.asarray(grey))
        height = prep["height"]
        grey = grey.resize(
            (max(1, round(grey.width * height / grey.height)), height), Image.Resampling.BILINEAR
        )
        pixels = np.asarray(grey).astype(np.float32)
        paper, ink = float(np.median(pixels)), float(np.percentile(pixels, prep["ink_percentile"]))
        value = np.clip((paper - pixels) / max(paper - ink, prep["min_span"]), 0, 1)
        width = max(prep["min_width"], value.shape[1])
        step = max(8, 1 << max(0, width.bit_length() - 4))  # the reading width, as the steps say
        batch = np.zeros((1, 1, height, -(-width // step) * step), np.float32)
        batch[0, 0, :, : value.shape[1]] = value
        log_probs, lengths = session.run(None, {"images": batch, "widths": np.array([width], np.int64)})
        best = log_probs[: int(lengths[0]), 0].argmax(-1)
        labels = [int(c) for i, c in enumerate(best) if c != 0 and (i == 0 or c != best[i - 1])]
        texts.append("".join(sidecar["charset"][c - 1] for c in labels))
    return texts


@pytest.mark.skipif(not GW.is_dir(), reason="the shared George Washington set is not beside the repository")
def test_the_onnx_graph_and_its_sidecar_read_real_words_like_pytorch(
    make_session: Callable[..., Session], tmp_path: Path
) -> None:
    session = make_session()
    graph = tmp_path / "en.onnx"
    result = runner.invoke(app, ["export", str(session.source), "--onnx", str(graph), "--checkpoint", "en"])
    assert result.exit_code == 0, result.output
    sidecar = json.loads(graph.with_suffix(".json").read_text())
    assert "/" not in json.dumps(sidecar["card"])  # no absolute paths: the pair can be moved anywhere
    files = sorted(GW.glob("277-*.png"))[:30]
    expected = [r.text for r in lfhtr.Reader.load("en", lexicon=False, batch_size=1).read(files)]
    assert _read_with_onnx_alone(graph, sidecar, files) == expected


def test_read_skips_an_unreadable_image_with_its_reason(
    exported: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    model, _, words = exported
    (tmp_path / "good.png").write_bytes((words / "p1" / "0001.png").read_bytes())
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    result = runner.invoke(app, ["read", str(model), str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["file", "good.png"]
    assert "skipped broken.png (UnidentifiedImageError" in result.output
