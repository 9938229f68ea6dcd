"""Shared fixtures: a tiny, fast session built on a few installed handwriting fonts."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from lfhtr.api import Session
from lfhtr.builtin.fonts import FONT_SUFFIXES, default_font_dir
from lfhtr.core import plugins
from lfhtr.core import spec as specs
from lfhtr.train.batching import Batch
from lfhtr.train.trainer import Trainer

FIXTURES = Path(__file__).parent / "fixtures"
PREFERRED_FONTS = ["Kristi", "dkg", "caveat-latin-400-normal", "homemade-apple-latin-400-normal"]
WORDS = ["the", "and", "Orders", "letter", "in", "of", "Fort", "men"]


def _reset_plugin_caches() -> None:
    plugins.clear_cache()
    specs.session_model.cache_clear()


logging.getLogger("fontTools").setLevel(logging.ERROR)  # harmless font-table warnings


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))


@pytest.fixture(scope="session")
def font_files() -> list[str]:
    folder = default_font_dir()
    found = (
        sorted(p for p in folder.glob("*") if p.suffix.lower() in FONT_SUFFIXES) if folder.is_dir() else []
    )
    if not found:
        pytest.fail(f"no fonts in {folder}: run scripts/install-fonts.sh (the README's test command does)")
    chosen = [p for name in PREFERRED_FONTS for p in found if p.stem == name] or found[:3]
    return [str(p) for p in chosen[:3]]


def _installed(monkeypatch: pytest.MonkeyPatch, site: str) -> Iterator[None]:
    """The fake distributions in ``tests/fixtures/<site>`` installed for one test."""
    monkeypatch.syspath_prepend(str(FIXTURES / site))
    _reset_plugin_caches()
    yield
    monkeypatch.undo()
    _reset_plugin_caches()


@pytest.fixture
def broken_plugin_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A checked-in fake distribution whose augmenter entry point cannot be imported."""
    yield from _installed(monkeypatch, "site")


@pytest.fixture
def outsider_plugin_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A third party's strategy and model, written from docs/plugins.md alone (``outsider_plugins.py``)."""
    yield from _installed(monkeypatch, "outsider-site")


@pytest.fixture
def gate_plugin_site(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Plugins that hold a run at a point a test chooses (``gate_plugins.py``), in this process and, through
    PYTHONPATH, in the lfhtr processes it starts."""
    site = str(FIXTURES / "gate-site")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [site, os.environ.get("PYTHONPATH")])))
    yield from _installed(monkeypatch, "gate-site")


def tiny_spec_data(tmp_path: Path, font_files: list[str], **overrides: Any) -> dict[str, Any]:
    words = tmp_path / "words.txt"
    words.write_text("\n".join(WORDS) + "\n", encoding="utf-8")
    data = specs.dump(specs.default_spec())
    data.update(
        seed=7,
        output="run",
        height=32,
        corpus={
            "kind": "wordlist",
            "path": str(words),
            "capitalize": 0.0,
            "upper": 0.0,
            "punctuation": 0.0,
            "numbers": 0.0,
        },
        # little variation in the renderer, so that tiny models leave the CTC blank plateau within a test
        renderer={
            "kind": "font",
            "fonts": font_files,
            "shear": [-0.1, 0.1],
            "spacing_probability": 0.0,
            "stretch": [1.0, 1.0],
        },
        augmenters=[],
        model={"kind": "crnn-ctc", "channels": [16, 16, 32, 32], "hidden": 32, "layers": 1, "dropout": 0.0},
    )
    data["pretrain"].update(steps=40, batch_size=8, val_size=16, val_every=20, lr=3e-3)
    data["hardware"].update(threads=2, amp=False)  # fp32: the same tiny models on CPUs with and without bf16
    for key, value in overrides.items():
        current = data.get(key)
        mergeable = isinstance(value, dict) and isinstance(current, dict)
        if mergeable and value.get("kind") in (None, current.get("kind")):
            current.update(value)
        else:
            data[key] = value
    return data


@pytest.fixture
def trained_texts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts of every batch trained on from here on; the training steps themselves run as usual."""
    seen: list[str] = []
    original = Trainer.train_step

    def recording(self: Trainer, batch: Batch, model: torch.nn.Module | None = None) -> float:
        seen.extend(batch.texts)
        return original(self, batch, model)

    monkeypatch.setattr(Trainer, "train_step", recording)
    return seen


@pytest.fixture
def make_session(tmp_path: Path, font_files: list[str]) -> Callable[..., Session]:
    def make(**overrides: Any) -> Session:
        path = tmp_path / "session.json"
        path.write_text(json.dumps(tiny_spec_data(tmp_path, font_files, **overrides)), encoding="utf-8")
        return Session.load(path)

    return make


@pytest.fixture
def spec_file(tmp_path: Path, font_files: list[str]) -> Path:
    path = tmp_path / "session.json"
    path.write_text(json.dumps(tiny_spec_data(tmp_path, font_files)), encoding="utf-8")
    return path
