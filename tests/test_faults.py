"""Faults a long run must survive: kill -9 mid-stage, a full disk, and a checkpoint for another charset.

Each kill test runs the real CLI in a subprocess, SIGKILLs it once it has written some work, resumes,
and compares the result with an uninterrupted run of the same seed.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from lfhtr.api import Session
from lfhtr.cli import app
from lfhtr.core import spec as specs
from lfhtr.errors import DataError, LfhtrError
from lfhtr.pipeline import build_pipeline
from lfhtr.stages import adapt, pretrain, synth
from lfhtr.train import checkpoint
from lfhtr.train.trainer import Trainer

TINY_MODEL = {"kind": "crnn-ctc", "channels": [8, 16, 16, 16], "hidden": 16, "layers": 1, "dropout": 0.0}


def _signal_when(args: list[str], ready: Callable[[], bool], signum: int) -> tuple[int, str]:
    """Run ``lfhtr ARGS``, send it ``signum`` as soon as ``ready()``; its exit code and stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lfhtr", *args], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    deadline = time.monotonic() + 240
    while process.poll() is None and not ready() and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr


def _kill_when(args: list[str], ready: Callable[[], bool]) -> None:
    """Run ``lfhtr ARGS`` and SIGKILL it as soon as ``ready()``; fail if it finished first."""
    returncode, _ = _signal_when(args, ready, signal.SIGKILL)
    assert returncode == -signal.SIGKILL, "the stage ended before it could be killed"


def _step_in(sidecar: Path) -> int:
    try:
        return int(json.loads(sidecar.read_text())["step"])
    except (OSError, ValueError, KeyError):
        return -1


def _weights(path: Path) -> dict[str, torch.Tensor]:
    state, _ = checkpoint.load(path)
    return state["model"]


def _assert_same_weights(a: Path, b: Path) -> None:
    wa, wb = _weights(a), _weights(b)
    assert wa.keys() == wb.keys()
    for key in wa:
        assert torch.equal(wa[key], wb[key]), key


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.png"))}


def test_kill_9_during_synth_then_rerun_matches_an_uninterrupted_run(
    make_session: Callable[..., Session],
) -> None:
    reference = synth.run(make_session(synth={"count": 750, "folder": "reference"}))
    session = make_session(synth={"count": 750, "folder": "killed"})
    parts = session.output / "killed" / "parts"
    _kill_when(["run", "synth", str(session.source)], lambda: len(list(parts.glob("*.tsv"))) >= 1)
    assert len(list(parts.glob("*.tsv"))) < 3, "the kill should leave shards to do"
    synth.run(session)
    assert _digest(session.output / "killed") == _digest(reference)
    labels = (session.output / "killed" / "labels.tsv").read_text()
    assert labels == (reference / "labels.tsv").read_text()


GATED = {"kind": "gated-conv", "width": 8}


def test_kill_9_during_pretrain_then_resume_matches_an_uninterrupted_run(
    make_session: Callable[..., Session], gate_plugin_site: None, tmp_path: Path
) -> None:
    settings = {"steps": 40, "val_every": 10}
    straight = make_session(output="straight", model=GATED, pretrain=settings)
    pretrain.run(straight)
    reached = tmp_path / "reached"  # the run waits inside step 26 for ever: the kill never races its end
    gated = {**GATED, "after": 25, "reached": str(reached)}
    session = make_session(output="killed", model=gated, pretrain=settings)
    last = session.output / "checkpoints" / "pretrain-last.pt"
    _kill_when(["run", "pretrain", str(session.source)], reached.exists)
    assert checkpoint.load(last)[0]["step"] == 20  # the file a kill interrupted is whole, not torn
    last.with_suffix(".json").unlink()  # resume reads its state (early stopping too) from the checkpoint
    result = CliRunner().invoke(app, ["run", "pretrain", str(session.source), "--resume"])
    assert result.exit_code == 0, result.output
    _assert_same_weights(last, straight.output / "checkpoints" / "pretrain-last.pt")
    steps = [json.loads(line)["step"] for line in (session.output / "logs" / "pretrain.jsonl").open()]
    assert steps == list(range(10, 41, 10))  # no lost or doubled validation


def _lines(stream: IO[str]) -> tuple[queue.Queue[str], threading.Thread]:
    """The stream's lines as they come, read by a thread that ends at the stream's end."""
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in stream], daemon=True)
    reader.start()
    return lines, reader


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP], ids=["ctrl-c", "hangup"])
def test_a_signal_mid_step_stops_after_that_step_and_resumes_bit_for_bit(
    make_session: Callable[..., Session], gate_plugin_site: None, tmp_path: Path, signum: int
) -> None:
    """Ctrl-C or a closed terminal inside a step (after BatchNorm's statistics moved) stops after it."""
    settings = {"steps": 30, "val_every": 10}
    straight = make_session(output="straight", model=GATED, pretrain=settings)
    pretrain.run(straight)
    reached, release = tmp_path / "reached", tmp_path / "release"
    gated = {**GATED, "after": 15, "reached": str(reached), "release": str(release)}
    session = make_session(output="stopped", model=gated, pretrain=settings)
    process = subprocess.Popen(
        [sys.executable, "-m", "lfhtr", "run", "pretrain", str(session.source)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines, reader = _lines(process.stderr)  # type: ignore[arg-type]
    deadline = time.monotonic() + 240
    while not reached.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signum)
    while "stopping after this step" not in lines.get(timeout=60):
        pass
    release.write_text("go")  # the step the signal landed in now finishes
    assert process.wait(timeout=120) == 130
    reader.join(timeout=60)  # every line the run wrote, up to its end
    shown = " ".join("".join(lines.queue).split())
    assert "pretrain interrupted at step 16; continue with --resume" in shown, shown
    last = session.output / "checkpoints" / "pretrain-last.pt"
    assert checkpoint.load(last)[0]["step"] == 16
    assert CliRunner().invoke(app, ["run", "pretrain", str(session.source), "--resume"]).exit_code == 0
    _assert_same_weights(last, straight.output / "checkpoints" / "pretrain-last.pt")


def test_sigterm_during_pretrain_saves_where_it_stopped_and_says_how_to_resume(
    make_session: Callable[..., Session],
) -> None:
    """Containers, SLURM and systemd stop jobs with SIGTERM: it must save like Ctrl-C does."""
    session = make_session(output="terminated", model=TINY_MODEL, pretrain={"steps": 5000, "val_every": 7})
    sidecar = session.output / "checkpoints" / "pretrain-last.json"
    returncode, stderr = _signal_when(
        ["run", "pretrain", str(session.source)], lambda: _step_in(sidecar) >= 7, signal.SIGTERM
    )
    assert returncode == 130, stderr
    stopped = re.search(r"pretrain interrupted at step (\d+); continue with --resume", stderr)
    assert stopped, stderr
    assert _step_in(sidecar) == int(stopped[1]) >= 7  # the checkpoint holds the step it stopped at


def test_kill_9_during_adapt_then_resume_matches_an_uninterrupted_run(
    make_session: Callable[..., Session], gate_plugin_site: None, tmp_path: Path
) -> None:
    base = make_session(output="base", model=TINY_MODEL, pretrain={"steps": 20, "val_every": 20})
    pretrain.run(base)
    real = tmp_path / "real"
    real.mkdir()
    for i in range(12):
        Image.fromarray(build_pipeline(base).sample(10**9 + i)[1]).save(real / f"r{i:02d}.png")
    options = {
        "kind": "self-training",
        "target": {"images": str(real)},
        "checkpoint": str(base.output / "checkpoints" / "pretrain-best.pt"),
        "rounds": 2,
        "steps_per_round": 30,
        "save_every": 5,
        "batch_size": 4,
        "lexicon": False,
    }
    straight = make_session(output="straight", model=TINY_MODEL, adapt=options, augmenters=[{"kind": "gate"}])
    adapt.run(straight)
    reached = tmp_path / "reached"  # four images a step: the run waits in step 38 for ever
    gate = {"kind": "gate", "after": 150, "reached": str(reached)}
    session = make_session(output="killed", model=TINY_MODEL, adapt=options, augmenters=[gate])
    last = session.output / "checkpoints" / "adapt-last.pt"
    _kill_when(["run", "adapt", str(session.source)], reached.exists)
    assert checkpoint.load(last)[0]["step"] == 35
    result = CliRunner().invoke(app, ["run", "adapt", str(session.source), "--resume"])
    assert result.exit_code == 0, result.output
    _assert_same_weights(
        session.output / "checkpoints" / "adapted.pt", straight.output / "checkpoints" / "adapted.pt"
    )


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (OSError(28, os.strerror(28)), "No space left on device"),
        # what torch's zip writer raises when the disk fills under it
        (
            RuntimeError("[enforce fail at inline_container.cc:603] . unexpected pos 6144 vs 6080"),
            "unexpected pos",
        ),
    ],
)
def test_full_disk_while_saving_keeps_the_previous_checkpoint(
    make_session: Callable[..., Session], monkeypatch: pytest.MonkeyPatch, error: Exception, shown: str
) -> None:
    session = make_session(model=TINY_MODEL, pretrain={"steps": 4, "val_every": 2})
    pretrain.run(session)
    last = session.output / "checkpoints" / "pretrain-last.pt"
    before = last.read_bytes()

    def disk_full(*_: object, **__: object) -> None:
        raise error

    monkeypatch.setattr(torch, "save", disk_full)
    with pytest.raises(DataError, match=f"{re.escape(shown)}.*the previous file is intact"):
        checkpoint.save(last, {"step": 99}, {"step": 99})
    result = CliRunner().invoke(app, ["run", "pretrain", str(session.source), "--restart"])
    assert result.exit_code == 2 and shown in result.output
    assert "Traceback" not in result.output
    assert last.read_bytes() == before
    assert not [p for p in last.parent.iterdir() if p.name.endswith(".tmp")]


def test_checkpoint_for_another_charset_is_a_clear_error(make_session: Callable[..., Session]) -> None:
    session = make_session(model=TINY_MODEL, pretrain={"steps": 2, "val_every": 2})
    pretrain.run(session)
    other = make_session(model=TINY_MODEL, charset="abcdefghijklmnopqrstuvwxyz")
    result = CliRunner().invoke(
        app, ["run", "transcribe", str(other.source), "--images", str(session.output)]
    )
    assert result.exit_code == 2
    assert (
        "trained for charset" in result.output and "use the spec the model was trained with" in result.output
    )


def test_shipped_model_for_another_charset_names_the_spec_that_reads_it(
    make_session: Callable[..., Session],
) -> None:
    """`init --language de` writes a longer charset than the shipped `de` was trained for: the error
    says how to write a spec that reads it instead of a bare refusal."""
    session = make_session(charset="abcdefghijklmnopqrstuvwxyz")
    result = CliRunner().invoke(
        app, ["run", "transcribe", str(session.source), "--checkpoint", "DE", "--images", str(session.output)]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "lfhtr init SPEC --from de" in " ".join(result.output.split())


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _bad_spec_json(session: Session, tmp_path: Path) -> list[str]:
    Path(session.source).write_text('{"seed": 1,\n "output": }')
    return ["run", "pretrain", "--resume"]


def _wrong_type(session: Session, tmp_path: Path) -> list[str]:
    data = json.loads(Path(session.source).read_text())
    data["pretrain"]["steps"] = "many"
    Path(session.source).write_text(json.dumps(data))
    return ["run", "pretrain", "--resume"]


def _missing_fonts(session: Session, tmp_path: Path) -> list[str]:
    data = json.loads(Path(session.source).read_text())
    data["renderer"]["fonts"] = [str(tmp_path / "no-fonts-here")]
    Path(session.source).write_text(json.dumps(data))
    return ["run", "pretrain", "--resume"]


def _fonts_lacking_glyphs(session: Session, tmp_path: Path) -> list[str]:
    data = json.loads(Path(session.source).read_text())
    data["charset"] = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"  # no default test font draws Cyrillic
    (tmp_path / "slova.txt").write_text("слово\nперо\nчернила\n", encoding="utf-8")
    data["corpus"] = {"kind": "wordlist", "path": str(tmp_path / "slova.txt")}
    Path(session.source).write_text(json.dumps(data))
    return ["run", "synth"]


def _only_bad_images(session: Session, tmp_path: Path) -> list[str]:
    folder = tmp_path / "bad-images"
    folder.mkdir()
    (folder / "zero.png").write_bytes(b"")
    (folder / "corrupt.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    return ["run", "transcribe", "--images", str(folder)]


def _empty_folder(session: Session, tmp_path: Path) -> list[str]:
    (tmp_path / "empty").mkdir()
    return ["run", "transcribe", "--images", str(tmp_path / "empty")]


def _other_charset(session: Session, tmp_path: Path) -> list[str]:
    data = json.loads(Path(session.source).read_text())
    data["charset"] = "abcdefghijklmnopqrstuvwxyz"
    Path(session.source).write_text(json.dumps(data))
    return ["run", "transcribe", "--images", str(tmp_path)]


def _with(session: Session, **changes: object) -> None:
    """Rewrite the session's spec with dotted-key changes."""
    data = json.loads(Path(session.source).read_text())
    specs.apply_overrides(data, [f"{key.replace('__', '.')}={json.dumps(v)}" for key, v in changes.items()])
    Path(session.source).write_text(json.dumps(data))


def _infinite_lr(session: Session, tmp_path: Path) -> list[str]:
    _with(session, pretrain__lr=float("inf"))
    return ["run", "pretrain", "--restart"]


def _no_channels(session: Session, tmp_path: Path) -> list[str]:
    _with(session, model__channels=[])
    return ["run", "pretrain", "--restart"]


def _huge_model(session: Session, tmp_path: Path) -> list[str]:
    _with(session, model__hidden=1_000_000)
    return ["run", "pretrain", "--restart"]


def _unsupported_device(session: Session, tmp_path: Path) -> list[str]:
    return ["run", "pretrain", "--restart", "--device", "mps"]


def _output_inside_a_file(session: Session, tmp_path: Path) -> list[str]:
    return ["run", "pretrain", "--set", 'output="/dev/null/run"']


def _changed_model_then_resume(session: Session, tmp_path: Path) -> list[str]:
    _with(session, model__hidden=24)
    return ["run", "pretrain", "--resume"]


def _hostile_checkpoint(session: Session, tmp_path: Path) -> list[str]:
    state, meta = checkpoint.load(session.output / "checkpoints" / "pretrain-best.pt")
    meta["model"]["hidden"] = 30_000  # would allocate tens of GB if it were believed
    torch.save({"state": state, "meta": meta}, tmp_path / "hostile.pt")
    return ["run", "transcribe", "--images", str(tmp_path), "--checkpoint", str(tmp_path / "hostile.pt")]


def _pickled_checkpoint(session: Session, tmp_path: Path) -> list[str]:
    torch.save({"state": {}, "meta": Path("/")}, tmp_path / "pickled.pt")  # a Python object, not tensors
    return ["run", "transcribe", "--images", str(tmp_path), "--checkpoint", str(tmp_path / "pickled.pt")]


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (_bad_spec_json, "invalid JSON at line 2 column"),
        (_wrong_type, "pretrain.steps: Input should be a valid integer"),
        (_missing_fonts, "font folder not found; run scripts/install-fonts.sh"),
        (_fonts_lacking_glyphs, "no usable font"),
        (_only_bad_images, "none of the images could be read"),
        (_empty_folder, "empty: no images matching"),
        (_other_charset, "trained for charset"),
        (_infinite_lr, "pretrain.lr: Input should be a finite number"),
        (_no_channels, "model.channels: List should have at least 4 items"),
        (_huge_model, "model.hidden: Input should be less than or equal to 1024"),
        (_unsupported_device, "hardware.device: 'mps' is not supported"),
        (_output_inside_a_file, "/dev/null/run: cannot create the run folder"),
        (_changed_model_then_resume, "was trained with another model than the spec now sets"),
        (_hostile_checkpoint, "hostile.pt: does not hold a compatible model"),
        (_pickled_checkpoint, "pickled.pt: contains Python objects, not an lfhtr checkpoint; refused"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else "",
)
def test_bad_input_is_one_line_and_leaves_the_run_intact(
    make_session: Callable[..., Session],
    tmp_path: Path,
    break_it: Callable[[Session, Path], list[str]],
    expected: str,
) -> None:
    session = make_session(model=TINY_MODEL, pretrain={"steps": 2, "val_every": 2})
    pretrain.run(session)
    before = _snapshot(session.output)
    args = break_it(session, tmp_path)
    result = CliRunner().invoke(app, [*args[:2], str(Path(session.source)), *args[2:]])
    assert result.exit_code == 2, result.output
    [error] = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert expected in error and "Traceback" not in result.output
    assert _snapshot(session.output) == before


def test_ctrl_c_mid_chunk_then_resume_matches_an_uninterrupted_run_with_dropout(
    make_session: Callable[..., Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dropout draws from the global generator, which resume restores: nothing else may draw from it."""
    model = {**TINY_MODEL, "layers": 2, "dropout": 0.3}
    settings = {"steps": 30, "val_every": 15}
    straight = make_session(output="straight", model=model, pretrain=settings)
    pretrain.run(straight)
    session = make_session(output="interrupted", model=model, pretrain=settings)
    original = Trainer.train_step

    def interrupted(self, batch, model=None):  # type: ignore[no-untyped-def]
        if self.step == 11:  # inside the second chunk of eight batches, between validations
            raise KeyboardInterrupt
        return original(self, batch, model)

    monkeypatch.setattr(Trainer, "train_step", interrupted)
    with pytest.raises(LfhtrError, match="pretrain interrupted at step 11"):
        pretrain.run(session)
    monkeypatch.undo()
    pretrain.run(session, resume=True)
    last = "checkpoints/pretrain-last.pt"
    _assert_same_weights(session.output / last, straight.output / last)


def test_a_loss_that_stays_non_finite_ends_the_run_before_anything_is_saved(
    make_session: Callable[..., Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    session = make_session(model=TINY_MODEL, pretrain={"steps": 100, "val_every": 50})
    monkeypatch.setattr(
        "lfhtr.train.trainer.batch_loss", lambda *_: torch.tensor(float("nan"), requires_grad=True)
    )
    with pytest.raises(LfhtrError, match=r"training diverged: .* 20 steps in a row \(step 20\)"):
        pretrain.run(session)
    assert not (session.output / "checkpoints").exists()
