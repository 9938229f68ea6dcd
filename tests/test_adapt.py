"""Self-training: pseudo-label selection, mid-round resume, and the monitor labels' isolation."""

from __future__ import annotations

import io
import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from lfhtr.api import Session
from lfhtr.core import pseudolabels
from lfhtr.core.interfaces import Reading
from lfhtr.errors import LfhtrError
from lfhtr.pipeline import build_pipeline
from lfhtr.stages import adapt, pretrain
from lfhtr.text.charset import Charset
from lfhtr.train import checkpoint
from lfhtr.train.recognizer import Recognizer
from lfhtr.train.trainer import Trainer
from lfhtr.train.widthscale import SCALES, choose_width_scale
from tests.conftest import tiny_spec_data

TINY_MODEL = {"kind": "crnn-ctc", "channels": [16, 32, 48, 64], "hidden": 64, "layers": 1, "dropout": 0.0}


def test_keep_fraction_grows_linearly() -> None:
    assert [pseudolabels.keep_fraction(r, 4, 0.2, 0.8) for r in range(4)] == pytest.approx(
        [0.2, 0.4, 0.6, 0.8]
    )
    assert pseudolabels.keep_fraction(0, 1, 0.2, 0.8) == 0.8


def test_select_keeps_the_most_confident_usable_readings() -> None:
    charset = Charset("abc")
    readings = [
        Reading("ab", 0.9),
        Reading("", 0.99),
        Reading("ax", 0.95),
        Reading("c", 0.5),
        Reading("ba", 0.7),
        Reading("cc", 0.7),
    ]
    assert pseudolabels.select(readings, 0.5, 0.0, charset) == [0, 4, 5]  # ties broken by index
    assert pseudolabels.select(readings, 0.34, 0.0, charset) == [0, 4]
    assert pseudolabels.select(readings, 1.0, 0.6, charset) == [0, 4, 5]  # threshold and fraction together
    assert pseudolabels.select(readings, 0.0, 0.0, charset) == []


def test_changed_counts_new_and_different_labels() -> None:
    assert pseudolabels.changed({"a": "x", "b": "y"}, {"a": "x", "b": "z", "c": "w"}) == 2


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory: pytest.TempPathFactory, font_files: list[str]) -> tuple[Path, Path]:
    """A tiny model pretrained once, and a folder of 'real' images whose labels.tsv holds sentinels."""
    root = tmp_path_factory.mktemp("adapt")
    data = tiny_spec_data(
        root,
        font_files,
        model=TINY_MODEL,
        pretrain={"steps": 300, "val_every": 300, "lr": 1e-2, "batch_size": 16},
    )
    spec = root / "pretrain.json"
    spec.write_text(json.dumps(data))
    session = Session.load(spec)
    pretrain.run(session)
    real = root / "real"
    real.mkdir()
    pipeline = build_pipeline(session)
    rows = []
    for i in range(24):
        _, image = pipeline.sample(5 * 10**9 + i)
        Image.fromarray(image).save(real / f"r{i:02d}.png")
        rows.append(f"r{i:02d}.png\tSENTINEL{i}\n")
    (real / "labels.tsv").write_text("".join(rows))
    return session.output / "checkpoints" / "pretrain-best.pt", real


STRATEGY_OPTIONS = {
    "self-training": {"keep_start": 0.5, "keep_end": 1.0, "lexicon": False},
    "consistency": {"min_confidence": 0.0},
}


def _adapt_session(
    make_session: Callable[..., Session],
    pretrained: tuple[Path, Path],
    output: str,
    kind: str = "self-training",
    width_scale: str | float = "auto",
    **strategy: object,
) -> Session:
    base, real = pretrained
    options = {
        "width_scale": width_scale,
        "kind": kind,
        "checkpoint": str(base),
        "target": {"images": str(real)},
        "monitor": {"images": str(real)},
        "rounds": 2,
        "steps_per_round": 6,
        "batch_size": 8,
        "save_every": 2,
        **STRATEGY_OPTIONS[kind],
        **strategy,
    }
    return make_session(model=TINY_MODEL, output=output, adapt=options)


@pytest.mark.parametrize("kind", sorted(STRATEGY_OPTIONS))
def test_monitor_labels_never_reach_the_training_loss(
    kind: str,
    make_session: Callable[..., Session],
    pretrained: tuple[Path, Path],
    trained_texts: list[str],
) -> None:
    session = _adapt_session(make_session, pretrained, f"monitored-{kind}", kind)
    adapt.run(session)
    assert len(trained_texts) == 2 * 6 * 8
    assert not any("SENTINEL" in text for text in trained_texts)
    real_names = {f"r{i:02d}.png" for i in range(24)}
    header, *kept = (session.output / "logs" / "adapt-round-1.tsv").read_text().splitlines()
    assert header == "file\ttext\tscore"
    assert all(line.split("\t")[0] in real_names for line in kept)
    if kind == "consistency":
        assert (session.output / "checkpoints" / "adapted.pt").exists()
        return
    assert kept
    records = [json.loads(x) for x in (session.output / "logs" / "adapt.jsonl").read_text().splitlines()]
    assert records[0]["monitor"]["cer"] >= 0.9  # the monitor scores against the sentinels, as it should
    assert records[0]["kept"] == len(kept) <= 12  # keep_start 0.5 of 24 images
    assert records[1]["kept"] <= 24
    assert (session.output / "checkpoints" / "adapted.pt").exists()
    assert (session.output / "logs" / "adapt.png").read_bytes().startswith(b"\x89PNG")
    chosen = json.loads((session.output / "logs" / "adapt-width-scale.json").read_text())
    assert set(chosen["mean_score"]) == {f"{s:g}" for s in SCALES}
    _, meta = checkpoint.load(session.output / "checkpoints" / "adapted.pt")
    assert meta.get("width_scale", 1.0) == chosen["width_scale"]


def _fail_training_at(monkeypatch: pytest.MonkeyPatch, call: int, error: BaseException) -> None:
    """Make the ``call``-th training step (0-based) raise ``error``; steps before it run as usual."""
    original = Trainer.train_step
    calls = {"n": 0}

    def failing(self, batch, model=None):  # type: ignore[no-untyped-def]
        if calls["n"] == call:
            raise error
        calls["n"] += 1
        return original(self, batch, model)

    monkeypatch.setattr(Trainer, "train_step", failing)


@pytest.mark.parametrize(
    ("trainable", "share", "rounds", "steps"),
    [
        (180, 0.25, 16, 98),
        (270, 0.25, 11, 146),
        (1350, 0.25, 8, 400),
        (20, 0.25, 16, 50),
        (180, 0.5, 11, 146),
    ],
)
def test_auto_rounds_show_each_trainable_image_alike_and_small_targets_get_more_of_them(
    trainable: int, share: float, rounds: int, steps: int
) -> None:
    from lfhtr.builtin.adapters import SelfTrainingOptions
    from lfhtr.loops.roundplan import RoundPlan, plan_rounds

    options = SelfTrainingOptions(batch_size=32, synthetic_share=share)
    assert (options.rounds, options.steps_per_round) == ("auto", "auto")
    assert plan_rounds(options, trainable) == RoundPlan(rounds, steps)
    given = options.model_copy(update={"rounds": 3, "steps_per_round": 7})
    assert plan_rounds(given, trainable) == RoundPlan(3, 7)
    assert plan_rounds(options.model_copy(update={"steps_per_round": 400}), trainable) == RoundPlan(8, 400)


def test_auto_rounds_train_as_many_steps_as_the_target_asks(
    make_session: Callable[..., Session],
    pretrained: tuple[Path, Path],
    trained_texts: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    session = _adapt_session(make_session, pretrained, "auto-length", width_scale=1.0, rounds=1)
    session.spec.adapt.steps_per_round = "auto"
    with caplog.at_level(logging.INFO, logger="lfhtr"):
        adapt.run(session)
    assert "(0 held back), rounds: 1 of 52 steps" in caplog.text  # 13 passes over 24 images, 6 a batch
    assert len(trained_texts) == 52 * 8


def test_adapt_resumes_mid_round_to_the_same_model(
    make_session: Callable[..., Session], pretrained: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    straight = _adapt_session(make_session, pretrained, "straight", width_scale=1.3)
    adapt.run(straight)

    resumed = _adapt_session(make_session, pretrained, "resumed", width_scale=1.3)
    _fail_training_at(monkeypatch, 8, KeyboardInterrupt())  # round 2, step 2 (just after a mid-round save)
    with pytest.raises(LfhtrError, match="adapt interrupted in round 2 at step 2; continue with --resume"):
        adapt.run(resumed)
    monkeypatch.undo()
    adapt.run(resumed, resume=True)
    a, _ = checkpoint.load(straight.output / "checkpoints" / "adapted.pt")
    b, _ = checkpoint.load(resumed.output / "checkpoints" / "adapted.pt")
    for key in a["model"]:
        assert torch.equal(a["model"][key], b["model"][key]), key
    recognizer, _ = Recognizer.load(resumed.output / "checkpoints" / "adapted.pt", torch.device("cpu"))
    assert recognizer.width_scale == 1.3  # read as it was adapted: 1.3 times as wide
    [(_, batch)] = list(recognizer.batches([np.zeros((32, 40), np.uint8)], 1))
    assert batch.images.shape[-1] >= 52


class _Sharpest:
    """A stand-in recogniser whose confidence peaks where a hand is best read."""

    def __init__(self, peak: float, height: float, slope: float = 1.0) -> None:
        self.width_scale, self.peak, self.height, self.slope = 1.0, peak, height, slope

    def read(self, images: list[np.ndarray]) -> tuple[list[Reading], list[object]]:
        confidence = self.height - self.slope * abs(self.width_scale - self.peak)
        return [Reading("x", confidence) for _ in images], []


def test_the_width_scale_is_the_one_read_most_confidently_unless_the_gain_is_slight() -> None:
    images = [np.zeros((8, 8), np.uint8)] * 10
    scale, tried = choose_width_scale(_Sharpest(1.3, 0.9), images, 0)  # type: ignore[arg-type]
    assert scale == 1.3 and [s for s, _ in tried] == list(SCALES)
    assert choose_width_scale(_Sharpest(0.9, 0.9, 0.08), images, 0)[0] == 1.0  # 0.9 reads 0.9 % better
    narrow = _Sharpest(0.8, 0.5)
    assert choose_width_scale(narrow, images, 0)[0] == 0.8 and narrow.width_scale == 1.0


def test_adaptation_never_opens_the_targets_labels(
    make_session: Callable[..., Session],
    pretrained: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The target folder holds a labels.tsv; adapting on it (no monitor) must not open it."""
    base, real = pretrained
    target = tmp_path / "target"
    shutil.copytree(real, target)
    opened: list[str] = []
    real_open = io.open

    def watching(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", watching)
    monkeypatch.setattr("builtins.open", watching)
    strategy = {"kind": "self-training", "checkpoint": str(base), "target": {"images": str(target)}}
    strategy |= {"rounds": 1, "steps_per_round": 2, "batch_size": 4}
    adapt.run(make_session(model=TINY_MODEL, output="label-free", adapt=strategy))
    assert any(name.endswith(".png") for name in opened)  # the watch works: the images were opened
    assert not [name for name in opened if "labels" in Path(name).name]


def test_a_crash_before_a_rounds_first_save_logs_that_round_once_after_resume(
    make_session: Callable[..., Session], pretrained: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _adapt_session(make_session, pretrained, "crashed")
    _fail_training_at(monkeypatch, 6, RuntimeError("power cut"))  # round 2, step 0: nothing saved in it
    with pytest.raises(RuntimeError, match="power cut"):
        adapt.run(session)
    monkeypatch.undo()
    adapt.run(session, resume=True)
    records = [json.loads(x) for x in (session.output / "logs" / "adapt.jsonl").read_text().splitlines()]
    assert [(r["round"], bool(r.get("final"))) for r in records] == [(1, False), (2, False), (2, True)]


def test_a_round_that_keeps_no_pseudo_labels_says_so(
    make_session: Callable[..., Session], pretrained: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    base, real = pretrained
    strategy = {
        "kind": "self-training",
        "checkpoint": str(base),
        "target": {"images": str(real)},
        "rounds": 1,
    }
    strategy |= {"steps_per_round": 1, "batch_size": 4, "lexicon": False, "min_confidence": 1.0}
    session = make_session(model=TINY_MODEL, output="keeps-nothing", adapt=strategy)
    with caplog.at_level(logging.WARNING, logger="lfhtr"):
        adapt.run(session)
    assert "adapt: round 1 keeps no pseudo-labels; it trains on synthetic words only" in caplog.text


def _shifted(reading: Reading) -> Reading:
    """A reading with every lowercase letter replaced by the next: a start model's systematic error."""
    shifted = "".join(chr((ord(c) - 97 + 1) % 26 + 97) if "a" <= c <= "z" else c for c in reading.text)
    return Reading(shifted, reading.confidence, reading.alternatives)


def test_adaptation_that_learns_its_own_errors_falls_back_to_the_model_it_started_from(
    make_session: Callable[..., Session],
    pretrained: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from lfhtr.reading.measure import measure
    from lfhtr.reading.reader import Reader

    base, real = pretrained
    session = _adapt_session(make_session, pretrained, "drifting", width_scale=1.0)
    session.spec.adapt.held_back = 0.34  # 8 of the 24 images are never trained on
    session.spec.adapt.steps_per_round = 60
    read = Reader.read
    monkeypatch.setattr(Reader, "read", lambda self, *a, **k: [_shifted(r) for r in read(self, *a, **k)])
    with caplog.at_level(logging.WARNING, logger="lfhtr"):
        adapted_path = adapt.run(session)
    monkeypatch.undo()
    assert "it is learning its own errors. Keeping the model it started from" in caplog.text
    adapted, meta = checkpoint.load(adapted_path)
    start, _ = checkpoint.load(base)
    for key in start["model"]:
        assert torch.equal(adapted["model"][key], start["model"][key]), key
    assert meta["kept_round"] == 0
    records = [json.loads(x) for x in (session.output / "logs" / "adapt.jsonl").read_text().splitlines()]
    assert records[0]["held_back"]["surest_changed"] == 0.0 and records[-1]["kept_round"] == 0
    labelled = (session.output / "logs" / "adapt-round-1.tsv").read_text().splitlines()[1:]
    assert len({line.split("\t")[0] for line in labelled}) <= 24 - 8  # held-back images never labelled
    # never worse than its start on a labelled check set (the target's true words): the same model
    samples = [build_pipeline(session).sample(5 * 10**9 + i) for i in range(24)]
    images = [np.asarray(Image.open(real / f"r{i:02d}.png")) for i in range(24)]
    assert all(np.array_equal(image, drawn) for image, (_, drawn) in zip(images, samples))
    texts = [text for text, _ in samples]
    readers = [Reader(Recognizer.load(path, torch.device("cpu"))[0]) for path in (base, adapted_path)]
    start_cer, adapted_cer = (measure(reader, images, texts)[0]["cer"] for reader in readers)
    assert adapted_cer <= start_cer < 1.0


def test_the_held_back_check_trusts_corrections_of_unsure_readings_but_not_rewrites_of_sure_ones() -> None:
    from lfhtr.loops.heldback import HeldBackCheck, held_back_indices

    assert held_back_indices(50, 0.1, 0) == []  # 5 images would say nothing
    assert (
        held_back_indices(200, 0.1, 0) == held_back_indices(200, 0.1, 0)
        and len(held_back_indices(200, 0.1, 0)) == 20
    )
    start = [Reading(f"word{i}", 0.9 if i < 6 else 0.3) for i in range(20)]
    check = HeldBackCheck(list(range(20)))
    assert check.measure(start)["surest_changed"] == 0.0 and check.surest == list(range(6))
    corrected = start[:6] + [Reading("other", 0.8) for _ in range(14)]
    figures = check.measure(corrected)
    assert not check.drifting(figures) and figures["changed"] > 0.5
    rewritten = [Reading("xxxxx", 0.99) for _ in range(6)] + start[6:]
    assert check.drifting(check.measure(rewritten))


@pytest.mark.parametrize(("rank_by", "probability"), [("score", False), ("probability", True)])
def test_self_training_ranks_its_pseudo_labels_by_what_it_is_told(
    rank_by: str,
    probability: bool,
    make_session: Callable[..., Session],
    pretrained: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lfhtr.loops import adaptation

    asked: list[bool] = []

    def recorded(*args: object, probability: bool) -> object:
        asked.append(probability)
        return reader_for(*args, probability=probability)

    reader_for = adaptation.reader_for
    monkeypatch.setattr(adaptation, "reader_for", recorded)
    session = _adapt_session(make_session, pretrained, f"ranked-{rank_by}", rank_by=rank_by, held_back=0.34)
    adapt.run(session)
    assert asked == [probability]
    header, *kept = (session.output / "logs" / "adapt-round-1.tsv").read_text().splitlines()
    assert header.split("\t")[2] == rank_by
    assert kept and all(0 <= float(line.split("\t")[2]) <= 1 for line in kept)
    record = json.loads((session.output / "logs" / "adapt.jsonl").read_text().splitlines()[0])
    assert 0 <= record[f"mean_{rank_by}_kept"] <= 1 and rank_by in record["held_back"]
