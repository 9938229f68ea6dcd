"""Training, checkpoints, decoding, evaluation and transcription on tiny models and images."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from lfhtr.api import Session
from lfhtr.cli import app
from lfhtr.errors import CheckpointError, DataError, LfhtrError, SpecError
from lfhtr.imaging.folder import load_folder
from lfhtr.pipeline import build_pipeline
from lfhtr.reading.metrics import edit_distance, error_rates
from lfhtr.reading.reader import Reader
from lfhtr.stages import evaluate, pretrain, transcribe
from lfhtr.text.charset import Charset
from lfhtr.train import checkpoint, precision
from lfhtr.train.batching import Batch, collate
from lfhtr.train.decoding import beam, decode, greedy
from lfhtr.train.recognizer import Recognizer
from lfhtr.train.trainer import Schedule, Trainer


def _write_labelled(session: Session, folder: Path, count: int, offset: int = 3 * 10**12) -> dict[str, str]:
    pipeline = build_pipeline(session)
    folder.mkdir(parents=True, exist_ok=True)
    labels = {}
    for i in range(count):
        text, image = pipeline.sample(offset + i)
        Image.fromarray(image).save(folder / f"w{i:03d}.png")
        labels[f"w{i:03d}.png"] = text
    (folder / "labels.tsv").write_text("".join(f"{k}\t{v}\n" for k, v in labels.items()))
    return labels


def _table_distance(a: list[str] | str, b: list[str] | str) -> int:
    """The edit table filled cell by cell: what the bit-parallel distance must equal."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def test_edit_distance_equals_the_edit_table_for_characters_and_words() -> None:
    rng = random.Random(0)
    for _ in range(3000):
        alphabet = "ab d."[: rng.randint(1, 5)]
        a, b = ("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 70))) for _ in range(2))
        assert edit_distance(a, b) == _table_distance(a, b), (a, b)
        assert edit_distance(a.split(), b.split()) == _table_distance(a.split(), b.split()), (a, b)


def test_metrics() -> None:
    assert edit_distance("kitten", "sitting") == 3
    rates = error_rates(["Orders,", "and"], ["orders", "and"])
    assert rates["cer"] == pytest.approx(2 / 10) and rates["wer"] == 0.5
    assert rates["cer_nocase"] == pytest.approx(1 / 10) and rates["cer_letters"] == 0.0


def test_greedy_and_beam_decoding_agree_on_a_clear_signal() -> None:
    charset = Charset("ab")
    frames = [1, 1, 0, 2, 0, 2]  # "a" (repeat merged), blank, "b", blank, "b" -> "abb"
    log_probs = torch.full((6, 1, 3), -10.0)
    for t, c in enumerate(frames):
        log_probs[t, 0, c] = 0.0
    log_probs = log_probs.log_softmax(-1)
    assert charset.decode(greedy(log_probs, torch.tensor([6]))[0]) == "abb"
    assert charset.decode(beam(log_probs[:, 0], 6, 5)) == "abb"


@pytest.mark.parametrize(
    "variant",
    [{"kind": "crnn-ctc"}, {"kind": "attention"}, {"kind": "attention", "rnn": "gru", "location": 8}],
    ids=["crnn-ctc", "attention", "attention-gru-location"],
)
def test_tiny_model_overfits_a_handful_of_words(
    make_session: Callable[..., Session], variant: dict[str, object]
) -> None:
    """The classic sanity check: a model that cannot memorise eight images has a bug, not a data problem."""
    session = make_session(
        model={**variant, "channels": [16, 32, 48, 64], "hidden": 64, "layers": 2, "dropout": 0.0}
    )
    pipeline = build_pipeline(session)
    samples = [pipeline.sample(i) for i in range(8)]
    images, texts = [img for _, img in samples], [text for text, _ in samples]
    batch = collate(images, texts, session.charset)
    torch.manual_seed(0)
    recognizer = Recognizer(session.build("model", session.spec.model), session.charset, session.spec.height)
    trainer = Trainer(recognizer, Schedule(steps=10**6, lr=3e-3, warmup=0.0), torch.device("cpu"), amp=False)
    readings: list[str] = []
    for step in range(1, 1001):  # measured: exact recall after 300-425 steps (CTC), 150-175 (attention)
        trainer.train_step(batch)
        if step % 25 == 0:
            readings = _read_as_trained(recognizer, batch)
            if readings == texts:
                break
    assert error_rates(texts, readings)["cer"] == 0.0


@torch.inference_mode()
def _read_as_trained(recognizer: Recognizer, batch: Batch) -> list[str]:
    """The batch read as it was trained, padding and all: what memorising it means."""
    recognizer.net.eval()
    own = recognizer.net.read(batch.images, batch.widths)
    if own is not None:
        texts = [recognizer.charset.decode(ids) for ids, _ in own]
    else:
        log_probs, lengths = recognizer.net(batch.images, batch.widths)
        texts = [r.text for r in decode(log_probs, lengths, recognizer.charset, "greedy", 1)]
    recognizer.net.train()
    return texts


def test_training_precision_follows_the_device_and_whether_the_cpu_has_bf16(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cpuinfo = {
        "x86 with AVX512-BF16": "processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16\n",
        "x86 with AMX": "flags : fpu avx512f amx_bf16 amx_tile\n",
        "Arm with BF16": "Features\t: fp asimd bf16 i8mm\n",
        "x86 with AVX512 only": "flags\t\t: fpu sse2 avx512f avx512bw avx512_vnni\n",
        "no flags line": "processor\t: 0\n",
    }
    found = {}
    for name, text in cpuinfo.items():
        (tmp_path / name).write_text(text)
        found[name] = precision.cpu_has_native_bf16(tmp_path / name)
    assert found == {name: " only" not in name and "no flags" not in name for name in cpuinfo}
    assert not precision.cpu_has_native_bf16(tmp_path / "absent")

    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    assert precision.autocast_dtype(cpu, amp=True) == torch.bfloat16
    assert precision.autocast_dtype(cpu, amp=False) is None
    assert precision.autocast_dtype(cuda, amp=True) == torch.float16
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    assert precision.autocast_dtype(cpu, amp=True) is None


def test_bf16_training_on_a_cpu_is_reproducible_and_keeps_fp32_weights(
    make_session: Callable[..., Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)  # emulated where it is not
    session = make_session()
    samples = [build_pipeline(session).sample(i) for i in range(8)]
    batch = collate([img for _, img in samples], [text for text, _ in samples], session.charset)
    weights = []
    for _ in range(2):
        torch.manual_seed(0)
        recognizer = Recognizer(session.build("model", session.spec.model), session.charset, 32)
        trainer = Trainer(recognizer, Schedule(steps=5, lr=3e-3), torch.device("cpu"), amp=True)
        assert trainer.dtype == torch.bfloat16
        losses = [trainer.train_step(batch) for _ in range(5)]
        assert all(np.isfinite(losses)) and losses[-1] < losses[0]
        weights.append(recognizer.net.state_dict())
    assert all(t.dtype == torch.float32 for k, t in weights[0].items() if "num_batches" not in k)
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


def test_the_large_attention_model_is_vgg19_bn_with_bigrus_and_location_aware_attention(
    make_session: Callable[..., Session], tmp_path: Path
) -> None:
    session = make_session(model={"kind": "attention-large"}, height=64)
    recognizer = Recognizer(session.build("model", session.spec.model), session.charset, 64)
    net = recognizer.net
    convolutions = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convolutions) == 16 and convolutions[-1].out_channels == 512
    assert isinstance(net.rnn, torch.nn.GRU) and net.rnn.num_layers == 2 and net.rnn.hidden_size == 256
    assert net.decoder.location is not None
    samples = [build_pipeline(session).sample(i) for i in range(2)]
    images, texts = [img for _, img in samples], [text for text, _ in samples]
    trainer = Trainer(recognizer, Schedule(steps=10, lr=1e-4), torch.device("cpu"), amp=True)
    assert np.isfinite(trainer.train_step(collate(images, texts, session.charset)))
    checkpoint.save(tmp_path / "large.pt", trainer.state_dict(), recognizer.meta())
    reloaded, _ = Recognizer.load(tmp_path / "large.pt", torch.device("cpu"))
    assert [r.text for r in reloaded.read(images)[0]] == [r.text for r in recognizer.read(images)[0]]

    too_low = make_session(model={"kind": "attention-large"}, height=16)
    with pytest.raises(SpecError, match="height: 16 px is too low for the vgg19-bn encoder.*32 or more"):
        Recognizer(too_low.build("model", too_low.spec.model), too_low.charset, 16)


def test_interrupted_pretrain_resumes_to_the_same_state(make_session: Callable[..., Session]) -> None:
    straight = make_session(output="straight")
    pretrain.run(straight)
    resumed = make_session(output="resumed", pretrain={"steps": 40, "val_every": 20})
    # simulate a kill right after the step-20 checkpoint: run to 20 with the same 40-step schedule
    import lfhtr.stages.pretrain as stage

    calls = {"n": 0}
    original = stage.Trainer.train_step

    def killed_after_20(self, batch, model=None):  # type: ignore[no-untyped-def]
        if calls["n"] == 20:
            raise KeyboardInterrupt
        calls["n"] += 1
        return original(self, batch, model)

    stage.Trainer.train_step = killed_after_20  # type: ignore[method-assign]
    try:
        with pytest.raises(LfhtrError, match="interrupted at step 20; continue with --resume"):
            pretrain.run(resumed)
    finally:
        stage.Trainer.train_step = original  # type: ignore[method-assign]
    with pytest.raises(LfhtrError, match="exists: pass --resume"):
        pretrain.run(resumed)
    pretrain.run(resumed, resume=True)
    a, _ = checkpoint.load(straight.output / "checkpoints" / "pretrain-last.pt")
    b, _ = checkpoint.load(resumed.output / "checkpoints" / "pretrain-last.pt")
    assert a["step"] == b["step"] == 40
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key


def test_truncated_checkpoint_is_a_clear_error(make_session: Callable[..., Session]) -> None:
    session = make_session(pretrain={"steps": 2, "val_every": 2})
    pretrain.run(session)
    last = session.output / "checkpoints" / "pretrain-last.pt"
    blob = last.read_bytes()
    last.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(CheckpointError, match="unreadable or truncated checkpoint"):
        checkpoint.load(last)
    result = CliRunner().invoke(app, ["run", "pretrain", str(session.source), "--resume"])
    assert result.exit_code == 2 and "truncated checkpoint" in result.output


def test_evaluate_and_transcribe_skip_bad_images_and_write_reports(
    make_session: Callable[..., Session], tmp_path: Path
) -> None:
    probe = make_session()
    labels = _write_labelled(probe, tmp_path / "real", 6)
    (tmp_path / "real" / "zero.png").write_bytes(b"")
    (tmp_path / "real" / "corrupt.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    data = {"images": str(tmp_path / "real")}
    session = make_session(
        pretrain={"steps": 4, "val_every": 4},
        evaluate={"data": data},
        transcribe={"images": str(tmp_path / "real"), "format": "json"},
    )
    pretrain.run(session)
    metrics = evaluate.run(session)
    assert set(metrics) >= {"loss", "cer", "wer", "cer_nocase", "wer_nocase", "cer_letters"}
    rows = (session.output / "evaluate" / "results.tsv").read_text().splitlines()
    assert rows[0] == "file\ttruth\tprediction\tconfidence\tedits" and len(rows) == 1 + len(labels)
    assert "<img src='data:image/png;base64," in (session.output / "evaluate" / "report.html").read_text()
    written = json.loads((session.output / "evaluate" / "metrics.json").read_text())
    assert 0 <= written["calibration"]["ece"] <= 1 and len(written["calibration"]["risk_coverage"]) == 10
    out = transcribe.run(session)
    assert sorted(r["file"] for r in json.loads(out.read_text())) == sorted(labels)
    found = load_folder(tmp_path / "real", 32, ["*"])
    assert sorted(s.split(" ")[0] for s in found.skipped) == ["corrupt.jpg", "zero.png"]


def test_empty_folder_and_no_checkpoint_are_clear_errors(
    make_session: Callable[..., Session], tmp_path: Path
) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="empty: no images matching"):
        load_folder(tmp_path / "empty", 32, ["*"])
    session = make_session(transcribe={"images": str(tmp_path / "empty")})
    with pytest.raises(LfhtrError, match="run `lfhtr run pretrain` first"):
        transcribe.run(session)


def test_huge_image_is_skipped_not_loaded(tmp_path: Path) -> None:
    folder = tmp_path / "imgs"
    folder.mkdir()
    word = np.full((32, 80), 255, np.uint8)
    word[10:20, 10:70] = 0  # some ink: a blank image is skipped for that reason
    Image.fromarray(word).save(folder / "ok.png")
    Image.new("L", (9000, 9000), 255).save(folder / "huge.png")
    found = load_folder(folder, 32, ["*"])
    assert found.names == ["ok.png"] and "huge.png" in found.skipped[0] and "too large" in found.skipped[0]


def test_a_new_pretraining_sets_an_old_adaptation_aside_and_evaluate_names_what_it_read_with(
    make_session: Callable[..., Session], tmp_path: Path
) -> None:
    labels_folder = tmp_path / "real"
    session = make_session(
        pretrain={"steps": 4, "val_every": 4}, evaluate={"data": {"images": str(labels_folder)}}
    )
    _write_labelled(session, labels_folder, 4)
    pretrain.run(session)
    checkpoints = session.output / "checkpoints"
    for suffix in (".pt", ".json"):  # an adaptation of this first model
        (checkpoints / f"adapted{suffix}").write_bytes((checkpoints / f"pretrain-best{suffix}").read_bytes())
    pretrain.run(session, restart=True)
    assert not (checkpoints / "adapted.pt").exists()
    [aside] = checkpoints.glob("superseded-*")
    assert sorted(p.name for p in aside.iterdir()) == ["adapted.json", "adapted.pt"]
    evaluate.run(session)
    metrics = json.loads((session.output / "evaluate" / "metrics.json").read_text())
    assert metrics["checkpoint"] == f"{checkpoints / 'pretrain-best.pt'} (pretrain, step 4)"
    assert metrics["decoding"] == "beam (width 10) + character model (0.2) + lexicon"
    assert "(pretrain, step 4)" in (session.output / "evaluate" / "report.html").read_text()


def test_reading_with_a_model_that_reads_nothing_warns(
    make_session: Callable[..., Session], caplog: pytest.LogCaptureFixture
) -> None:
    session = make_session()
    recognizer = Recognizer(session.build("model", session.spec.model), session.charset, session.spec.height)
    torch.nn.init.zeros_(recognizer.net.head[1].weight)
    with torch.no_grad():
        recognizer.net.head[1].bias.copy_(torch.tensor([9.0] + [0.0] * (session.charset.num_classes - 1)))
    images = [img for _, img in build_pipeline(session).samples(range(6))]
    with caplog.at_level(logging.WARNING, logger="lfhtr"):
        readings = Reader(recognizer).read(images, "transcribe")
    assert all(r.text == "" for r in readings)  # blank everywhere: an untrained model's typical output
    assert "transcribe: the model read nothing in 6 of 6 images" in caplog.text


def test_calibration_error_and_risk_coverage() -> None:
    from lfhtr.reading.calibration import calibration

    truths, predictions = ["ab", "cd", "ef", "gh"], ["ab", "cd", "xy", "g"]
    found = calibration([0.9, 0.8, 0.3, 0.2], truths, predictions, [0, 0, 2, 1])
    assert found["ece"] == pytest.approx((0.1 + 0.2 + 0.3 + 0.2) / 4)
    curve = {point["coverage"]: point for point in found["risk_coverage"]}
    assert curve[0.5] == {"coverage": 0.5, "wer": 0.0, "cer": 0.0}  # the confident half is all right
    assert curve[1.0]["wer"] == 0.5 and curve[1.0]["cer"] == pytest.approx(3 / 8)
    lines = calibration([0.9, 0.8, 0.3, 0.2], truths, predictions, [0, 0, 2, 1], lines=True)
    assert lines["ece"] == pytest.approx((0.1 + 0.2 + 0.3 + 0.3) / 4)  # against 1, 1, 0, 0.5 right
    assert lines["risk_coverage"] == found["risk_coverage"]
