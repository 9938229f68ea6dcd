"""Plugin discovery: built-ins and installed distributions through one path; failures contained."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lfhtr.cli import app
from lfhtr.core import plugins
from lfhtr.core import spec as specs
from lfhtr.core.interfaces import Augmenter
from lfhtr.errors import PluginError, SpecError


def test_builtins_are_discovered_through_entry_points() -> None:
    assert {"frequency", "wordlist", "ngram"} <= set(plugins.names("sampler"))
    assert "crnn-ctc" in plugins.names("model")
    assert "self-training" in plugins.names("adapter")
    info = {i.name: i for i in plugins.available("augmenter")}
    assert info["elastic"].distribution == "lfhtr"


def test_third_party_distribution_from_plugins_folder_is_discovered() -> None:
    info = {i.name: i for i in plugins.available("augmenter")}
    assert info["neighbour-strokes"].distribution == "lfhtr-page-clutter"
    cls = plugins.load("augmenter", "neighbour-strokes")
    assert issubclass(cls, Augmenter)
    spec = specs.validate({"augmenters": [{"kind": "neighbour-strokes", "p": 0.2}]})
    assert spec.augmenters[0].kind == "neighbour-strokes"


def test_broken_plugin_is_reported_with_its_distribution_and_others_still_work(
    broken_plugin_site: None, tmp_path: Path
) -> None:
    with pytest.raises(
        PluginError, match=r"augmenter plugin 'smudge'.*broken-lfhtr-plugin 0\.1 failed to load"
    ):
        plugins.load("augmenter", "smudge")
    good, broken = plugins.loadable("augmenter")
    assert "elastic" in good and len(broken) == 1
    specs.validate({"augmenters": [{"kind": "blur"}]})  # the spec model still builds
    with pytest.raises(SpecError, match=r"augmenters\[0\]\.kind: .*broken-lfhtr-plugin"):
        specs.validate({"augmenters": [{"kind": "smudge"}]})
    with pytest.raises(PluginError, match=r"model plugin 'exits'.*failed to load: SystemExit: 0"):
        plugins.load("model", "exits")  # sys.exit() at import must not end (or "succeed") the CLI
    result = CliRunner().invoke(app, ["plugins"])
    assert result.exit_code == 0
    assert "smudge" in result.output and "broken" in result.output and "elastic" in result.output
    assert "exits" in result.output
    result = CliRunner().invoke(app, ["init", str(tmp_path / "s.json")])
    assert result.exit_code == 0 and "warning:" in result.output and "'smudge'" in result.output


def test_unknown_kind_lists_installed_and_suggests() -> None:
    with pytest.raises(
        PluginError, match=r"unknown model kind 'crnn-ct'; installed: .*crnn-ctc.*Did you mean 'crnn-ctc'"
    ):
        plugins.load("model", "crnn-ct")


def test_a_name_registered_by_two_distributions_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    original = plugins._entry_points("model")["crnn-ctc"][0]
    twin = EntryPoint("crnn-ctc", "other_package:Net", "lfhtr.models")
    monkeypatch.setitem(plugins._entry_points("model"), "crnn-ctc", [original, twin])
    real_info = plugins._info
    monkeypatch.setattr(
        plugins,
        "_info",
        lambda family, ep: (
            plugins.PluginInfo(family, ep.name, ep.value, "other-dist", "9.9")
            if ep is twin
            else real_info(family, ep)
        ),
    )
    plugins.load.cache_clear()
    with pytest.raises(PluginError, match=r"registered twice, by lfhtr .* and other-dist 9\.9"):
        plugins.load("model", "crnn-ctc")
    plugins.load.cache_clear()
