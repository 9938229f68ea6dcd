"""Plugins from outside the tree, written from docs/plugins.md alone, driven by the core's loops."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lfhtr.api import Session
from lfhtr.core import plugins
from lfhtr.errors import LfhtrError, PluginError
from lfhtr.pages.segment import segment_scan
from lfhtr.pipeline import build_pipeline
from lfhtr.stages import adapt, evaluate, pretrain
from lfhtr.train import checkpoint
from lfhtr.train.trainer import Trainer
from tests.conftest import FIXTURES

OUTSIDER = FIXTURES / "outsider-site" / "outsider_plugins.py"
DOCUMENTED = {"lfhtr.core.interfaces", "lfhtr.core.layout", "lfhtr.core.network"}
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
    round_1 = [line.split("\t")[1] for line in (logs / "adapt-round-1.tsv").read_text().splitlines()[1:]]
    assert len(trained_texts) == 2 * 4  # one round of two steps, every image from real_batch (no synthetic)
    assert set(trained_texts) <= set(round_1)
    _, meta = checkpoint.load(adapted)
    assert meta["rounds"] == 1 and meta["plugins"]["adapt"] == f"confident-share ({ORIGIN})"

    metrics = evaluate.run(session)  # rebuilds the outsider's network from the adapted checkpoint
    assert metrics["cer"] >= 0.0 and metrics["loss"] > 0


def _fresh_images_session(make_session: Callable[..., Session], real: Path, output: str) -> Session:
    strategy = {
        "kind": "fresh-images",
        "target": {"images": str(real)},
        "checkpoint": "pretrained.pt",
        "rounds": 3,
        "steps_per_round": 2,
        "batch_size": 4,
        "save_every": 1,
        "per_round": 3,
    }
    return make_session(model={"kind": "tiny-conv", "width": 8}, adapt=strategy, output=output)


def _round_names(session: Session) -> list[set[str]]:
    logs = session.output / "logs"
    return [
        {line.split("\t")[0] for line in (logs / f"adapt-round-{r}.tsv").read_text().splitlines()[1:]}
        for r in (1, 2, 3)
    ]


def test_a_strategys_own_state_survives_an_interrupted_adaptation(
    outsider_plugin_site: None, make_session: Callable[..., Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    base = make_session(model={"kind": "tiny-conv", "width": 8}, pretrain={"steps": 4, "val_every": 4})
    (base.base_dir / "pretrained.pt").write_bytes(pretrain.run(base).read_bytes())
    real = _real_folder(base, base.base_dir / "real", 12)
    straight = _fresh_images_session(make_session, real, "straight")
    adapt.run(straight)

    resumed = _fresh_images_session(make_session, real, "resumed")
    original, calls = Trainer.train_step, {"n": 0}

    def interrupted(self: Trainer, batch: object, model: object = None) -> float:
        calls["n"] += 1
        if calls["n"] == 4:  # round 2, second step: after round 2 chose its images
            raise KeyboardInterrupt
        return original(self, batch, model)  # type: ignore[arg-type]

    monkeypatch.setattr(Trainer, "train_step", interrupted)
    with pytest.raises(LfhtrError, match="adapt interrupted in round 2"):
        adapt.run(resumed)
    monkeypatch.undo()
    state, _ = checkpoint.load(resumed.output / "checkpoints" / "adapt-last.pt")
    assert len(state["strategy"]["kept"]) == 6  # two rounds' choices, saved with the checkpoint
    adapt.run(resumed, resume=True)

    rounds = _round_names(resumed)
    assert rounds == _round_names(straight)
    assert all(len(names) == 3 for names in rounds) and len(set.union(*rounds)) == 9  # never kept twice


def _scan(folder: Path, width: int = 120, height: int = 80) -> Path:
    page = np.full((height, width), 255, np.uint8)
    page[10:20, 10:100] = 0
    folder.mkdir(exist_ok=True)
    Image.fromarray(page).save(folder / "page.png")
    return folder / "page.png"


def test_an_outsider_segmenter_is_chosen_in_the_spec_and_its_layout_checked(
    outsider_plugin_site: None, make_session: Callable[..., Session], tmp_path: Path
) -> None:
    session = make_session(segmenter={"kind": "halves"})
    layout = segment_scan(session.build("segmenter", session.spec.segmenter), _scan(tmp_path))
    assert (layout.width, layout.height) == (120, 80)
    assert [(line.id, line.orientation) for line in layout.lines()] == [("top", 0.0), ("bottom", 90)]
    assert session.provenance()["segmenter"] == f"halves ({ORIGIN})"

    stray = make_session(segmenter={"kind": "stray"})
    unusable = r"page.png: segmenter 'stray' returned an unusable layout: line l .*outside"
    with pytest.raises(PluginError, match=unusable):
        segment_scan(stray.build("segmenter", stray.spec.segmenter), _scan(tmp_path))


def test_the_whole_page_segmenter_reads_the_whole_scan_as_one_line(
    make_session: Callable[..., Session], tmp_path: Path
) -> None:
    session = make_session(segmenter={"kind": "whole-page"})
    layout = segment_scan(session.build("segmenter", session.spec.segmenter), _scan(tmp_path))
    [line] = layout.lines()
    assert line.baseline == ((0.0, 60.0), (120.0, 60.0))
    assert line.boundary == ((0.0, 0.0), (120.0, 0.0), (120.0, 80.0), (0.0, 80.0))
