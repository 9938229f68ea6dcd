"""Plugins from outside the tree, written from docs/plugins.md alone, driven by the core's loops."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from lfhtr.api import Session
from lfhtr.core import plugins
from lfhtr.errors import PluginError
from lfhtr.pipeline import build_pipeline
from lfhtr.stages import adapt, evaluate, pretrain
from lfhtr.train import checkpoint
from tests.conftest import FIXTURES

OUTSIDER = FIXTURES / "outsider-site" / "outsider_plugins.py"
DOCUMENTED = {"lfhtr.core.interfaces", "lfhtr.core.network"}
ORIGIN = "outsider-lfhtr-plugins 0.1"


def test_the_outsider_imports_only_what_the_plugin_docs_document() -> None:
    tree = ast.parse(OUTSIDER.read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {alias.name for n in ast.walk(tree) if isinstance(n, ast.Import) for alias in n.names}
    assert {m for m in imported if m.split(".")[0] == "lfhtr"} == DOCUMENTED
    docs = (Path(__file__).parents[1] / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert all(f"`{module}`" in docs for module in DOCUMENTED)


def test_a_strategy_whose_options_skip_the_core_settings_is_refused(outsider_plugin_site: None) -> None:
    with pytest.raises(PluginError, match=rf"adapter plugin 'misfit' from {ORIGIN}.*AdaptationOptions"):
        plugins.load("adapter", "misfit")


def _real_folder(session: Session, folder: Path, count: int) -> Path:
    folder.mkdir()
    pipeline = build_pipeline(session)
    rows = []
    for i in range(count):
        text, image = pipeline.sample(7 * 10**9 + i)
        Image.fromarray(image).save(folder / f"w{i:02d}.png")
        rows.append(f"w{i:02d}.png\t{text}\n")
    (folder / "labels.tsv").write_text("".join(rows), encoding="utf-8")
    return folder


def test_outsider_model_and_strategy_pretrain_adapt_and_evaluate(
    outsider_plugin_site: None,
    make_session: Callable[..., Session],
    tmp_path: Path,
    trained_texts: list[str],
) -> None:
    model = {"kind": "tiny-conv", "width": 8}
    session = make_session(model=model, pretrain={"steps": 10, "val_every": 10})
    best = pretrain.run(session)
    _, meta = checkpoint.load(best)
    assert meta["model"] == model
    assert meta["plugins"]["model"] == f"tiny-conv ({ORIGIN})"

    real = _real_folder(session, tmp_path / "real", 12)
    strategy = {
        "kind": "confident-share",
        "target": {"images": str(real)},
        "rounds": 3,
        "steps_per_round": 2,
        "batch_size": 4,
        "synthetic_share": 0.0,
        "save_every": 1,
        "share": 0.5,
        "last_round": 1,
    }
    session = make_session(
        model=model, adapt=strategy, evaluate={"data": {"images": str(real)}, "decode": {"lexicon": False}}
    )
    trained_texts.clear()  # what pretraining trained on
    adapted = adapt.run(session)

    logs = session.output / "logs"
    records = [json.loads(line) for line in (logs / "adapt.jsonl").read_text().splitlines()]
    assert [r["kept"] for r in records if not r.get("final")] == [6, 6]  # choose: half of 12, each round
    assert records[-1] == {**records[-1], "final": True, "round": 1}  # stop: after round 2's labels
    round_0 = [line.split("\t")[1] for line in (logs / "adapt-round-0.tsv").read_text().splitlines()]
    assert len(trained_texts) == 2 * 4  # one round of two steps, every image from real_batch (no synthetic)
    assert set(trained_texts) <= set(round_0)
    _, meta = checkpoint.load(adapted)
    assert meta["rounds"] == 1 and meta["plugins"]["adapt"] == f"confident-share ({ORIGIN})"

    metrics = evaluate.run(session)  # rebuilds the outsider's network from the adapted checkpoint
    assert metrics["cer"] >= 0.0 and metrics["loss"] > 0
