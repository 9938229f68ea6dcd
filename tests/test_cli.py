"""The CLI as a user meets it, through Typer's CliRunner."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from lfhtr import __version__
from lfhtr.api import Session
from lfhtr.cli import app
from lfhtr.stages import pretrain

runner = CliRunner()


def test_init_then_validate(tmp_path: Path) -> None:
    spec = tmp_path / "s.json"
    result = runner.invoke(app, ["init", str(spec)])
    assert result.exit_code == 0, result.output
    data = json.loads(spec.read_text())
    assert data["$schema"] == "session.schema.json"
    assert json.loads((tmp_path / "session.schema.json").read_text())["type"] == "object"
    result = runner.invoke(app, ["spec", "validate", str(spec)])
    assert result.exit_code == 0 and "valid" in result.output


def test_init_and_validate_do_not_import_torch(tmp_path: Path) -> None:
    """They load every installed plugin class to validate options; none may pull in torch for that."""
    spec = tmp_path / "s.json"
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from lfhtr.cli import app\n"
        f"for args in (['init', {str(spec)!r}], ['spec', 'validate', {str(spec)!r}]):\n"
        "    result = CliRunner().invoke(app, args)\n"
        "    assert result.exit_code == 0, result.output\n"
        "print(sorted({name.split('.')[0] for name in sys.modules} & {'torch', 'lfhtr'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['lfhtr']"


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    spec = tmp_path / "s.json"
    spec.write_text("{}")
    result = runner.invoke(app, ["init", str(spec)])
    assert result.exit_code == 2
    assert "exists; pass --force" in result.output
    assert spec.read_text() == "{}"
    assert runner.invoke(app, ["init", str(spec), "--force"]).exit_code == 0


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({"model": {"kind": "crnn-ctc", "layers": 0}}))
    result = runner.invoke(app, ["spec", "validate", str(spec)])
    assert result.exit_code == 2
    assert "model.layers: Input should be greater than or equal to 1" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_schema_and_version_and_plugins(tmp_path: Path) -> None:
    result = runner.invoke(app, ["spec", "schema", "-o", str(tmp_path / "schema.json")])
    assert result.exit_code == 0
    assert "properties" in json.loads((tmp_path / "schema.json").read_text())
    assert __version__ in runner.invoke(app, ["--version"]).output
    listing = runner.invoke(app, ["plugins"], terminal_width=200).output
    assert "crnn-ctc" in listing and "lfhtr-page-clutter" in listing


def test_run_reports_missing_spec(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "synth", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "no such spec file" in result.output


def test_init_keeps_an_existing_schema_that_differs_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "session.schema.json").write_text('{"edited": true}')
    result = runner.invoke(app, ["init", str(tmp_path / "s.json")])
    assert result.exit_code == 2 and "session.schema.json exists; pass --force" in result.output
    assert (tmp_path / "session.schema.json").read_text() == '{"edited": true}'
    assert runner.invoke(app, ["init", str(tmp_path / "s.json"), "--force"]).exit_code == 0
    assert runner.invoke(app, ["init", str(tmp_path / "t.json")]).exit_code == 0  # same schema: shared


def test_each_stage_shows_and_accepts_only_its_own_options(tmp_path: Path) -> None:
    transcribe = runner.invoke(app, ["run", "transcribe", "--help"]).output
    assert "--images" in transcribe and "--workers" not in transcribe and "--resume" not in transcribe
    assert all(option in transcribe for option in ("--set", "--device", "--quiet", "--log-file"))
    result = runner.invoke(app, ["run", "pretrain", str(tmp_path / "s.json"), "--images", "x"])
    assert result.exit_code == 2 and "No such option: --images" in result.output


def test_spec_validate_warns_of_each_missing_file_or_folder(tmp_path: Path) -> None:
    spec = tmp_path / "s.json"
    assert runner.invoke(app, ["init", str(spec)]).exit_code == 0
    data = json.loads(spec.read_text())
    (tmp_path / "scans").mkdir()
    data["adapt"]["target"] = {"images": "scans", "pages": "auto"}
    data["evaluate"]["data"] = {"images": "scans", "pages": "truth"}
    data["corpus"]["corpora"] = ["letters.txt"]
    spec.write_text(json.dumps(data))
    result = runner.invoke(app, ["spec", "validate", str(spec)])
    assert result.exit_code == 0 and "valid" in result.output
    assert f"evaluate.data.pages: {tmp_path / 'truth'} does not exist" in result.output
    assert f"corpus.corpora[0]: {tmp_path / 'letters.txt'} does not exist" in result.output
    assert "relative to the spec's folder" in result.output and "adapt.target" not in result.output


def test_help_names_values_plainly_and_flags_take_none() -> None:
    for command in (["read", "--help"], ["run", "pretrain", "--help"], ["--help"], ["fonts", "--help"]):
        shown = runner.invoke(app, command, terminal_width=160).output
        assert "<bool>" not in shown and "<str>" not in shown and "list[" not in shown, command
    read_help = runner.invoke(app, ["read", "--help"], terminal_width=160).output
    assert "MODEL" in read_help and "INTEGER" in read_help and "PATH" in read_help


def test_run_applies_set_overrides_and_keeps_a_log_file(tmp_path: Path) -> None:
    spec = tmp_path / "s.json"
    assert runner.invoke(app, ["init", str(spec)]).exit_code == 0
    log_file = tmp_path / "logs" / "run.log"
    result = runner.invoke(
        app, ["run", "evaluate", str(spec), "--set", "evaluate.batch_size=0", "--log-file", str(log_file)]
    )
    assert result.exit_code == 2 and "evaluate.batch_size: Input should be greater than or equal to 1" in (
        result.output
    )
    somewhere = 'evaluate.data={"images": "words"}'
    result = runner.invoke(
        app, ["run", "evaluate", str(spec), "-q", "--set", somewhere, "--log-file", str(log_file)]
    )
    assert result.exit_code == 2 and "run `lfhtr run pretrain` first" in result.output
    logged = log_file.read_text()
    assert "INFO device: " in logged and "device: " not in result.output  # a quiet console, a full log
    assert "ERROR no checkpoint in" in logged


def test_a_stage_start_is_recorded_and_two_specs_can_be_diffed(
    make_session: Callable[..., Session], tmp_path: Path
) -> None:
    session = make_session(pretrain={"steps": 2, "val_every": 2})
    pretrain.run(session)
    [record] = (session.output / "logs" / "runs").glob("*-pretrain.json")
    data = json.loads(record.read_text())
    assert data["stage"] == "pretrain" and data["spec"]["pretrain"]["steps"] == 2
    assert data["versions"]["lfhtr"] == __version__ and data["versions"]["torch"]
    assert data["versions"]["plugins"]["model"].startswith("crnn-ctc (lfhtr ")
    assert (session.output / "logs" / "pretrain.png").read_bytes().startswith(b"\x89PNG")  # the curve
    other = tmp_path / "other" / "s.json"
    assert runner.invoke(app, ["init", str(other), "--set", "pretrain.steps=7"]).exit_code == 0
    result = runner.invoke(app, ["spec", "diff", str(record), str(other)])
    assert result.exit_code == 0 and "pretrain.steps: 2 → 7" in result.output
    assert "fields differ" in result.output
    same = runner.invoke(app, ["spec", "diff", str(other), str(other)])
    assert "the specs are the same" in same.output


def test_init_in_a_language_sets_its_corpus_and_charset_and_names_undrawable_letters(
    tmp_path: Path, font_files: list[str]
) -> None:
    spec = tmp_path / "de.json"
    result = runner.invoke(
        app, ["init", str(spec), "--language", "de", "--set", f"renderer.fonts={json.dumps(font_files)}"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(spec.read_text())
    assert data["corpus"]["language"] == "de" and all(ch in data["charset"] for ch in "äöüßÄÖÜ")
    assert data["corpus"]["compounds"] > 0 and data["corpus"]["max_length"] > 16  # how German writes
    odd = [
        "--set",
        f"renderer.fonts={json.dumps(font_files)}",
        "--set",
        "charset=abcdefghijklmnopqrstuvwxyzʬ",
    ]
    result = runner.invoke(app, ["init", str(spec), "--force", "--language", "de", *odd])
    assert result.exit_code == 0 and "renderer: no usable font draws 'ʬ'" in result.output
    unknown = runner.invoke(app, ["init", str(tmp_path / "xx.json"), "--language", "xx"])
    assert unknown.exit_code == 2 and "--language xx: wordfreq has no word list for it" in unknown.output
