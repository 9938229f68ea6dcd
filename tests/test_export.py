"""ONNX export: the graph is checked against PyTorch, and a failed export leaves nothing behind."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import onnxruntime
import pytest
import torch
from typer.testing import CliRunner

from lfhtr.api import Session
from lfhtr.cli import app
from lfhtr.pipeline import build_pipeline
from lfhtr.stages import export, pretrain
from lfhtr.train.batching import collate
from lfhtr.train.recognizer import Recognizer


@pytest.mark.parametrize("kind", ["crnn-ctc", "attention"])
def test_onnx_export_matches_pytorch(make_session: Callable[..., Session], kind: str) -> None:
    session = make_session(
        model={"kind": kind, "channels": [8, 8, 16, 16], "hidden": 16, "layers": 1, "dropout": 0.0},
        pretrain={"steps": 2, "val_every": 2},
    )
    pretrain.run(session)
    target = session.output / "model.onnx"
    result = CliRunner().invoke(app, ["export", str(session.source), "--onnx", str(target)])
    assert result.exit_code == 0, result.output
    assert ("its own decoder" in result.output) == (kind == "attention")
    sidecar = json.loads(target.with_suffix(".json").read_text())
    assert sidecar["charset"] == session.charset.chars and sidecar["max_abs_difference"] < export.TOLERANCE

    # an independent batch of another size and width, read by both runtimes
    pipeline = build_pipeline(session)
    samples = [pipeline.sample(10**9 + i) for i in range(3)]
    batch = collate([img for _, img in samples], [t for t, _ in samples], session.charset)
    recognizer, _ = Recognizer.load(session.output / "checkpoints" / "pretrain-best.pt", torch.device("cpu"))
    with torch.inference_mode():
        expected, lengths = recognizer.net.eval()(batch.images, batch.widths)
    got, got_lengths = onnxruntime.InferenceSession(str(target)).run(
        None, {"images": batch.images.numpy(), "widths": batch.widths.numpy()}
    )
    assert np.abs(got - expected.numpy()).max() < export.TOLERANCE
    assert np.array_equal(got_lengths, lengths.numpy())


def test_export_without_a_model_is_a_clear_error(make_session: Callable[..., Session]) -> None:
    session = make_session()
    target = session.output / "model.onnx"
    result = CliRunner().invoke(app, ["export", str(session.source), "--onnx", str(target)])
    assert result.exit_code == 2 and "run `lfhtr run pretrain` first" in result.output
    assert not target.exists()


def test_onnx_export_without_the_onnx_package_is_one_line(
    make_session: Callable[..., Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "onnx" else real(name, *a)
    )
    session = make_session()
    result = CliRunner().invoke(
        app, ["export", str(session.source), "--onnx", str(session.output / "m.onnx")]
    )
    assert result.exit_code == 2 and "needs the onnx package: pip install onnx onnxruntime" in result.output
    assert "Traceback" not in result.output
