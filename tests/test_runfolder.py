"""The run folder: one stage at a time, files that keep their mode, no orphans, nothing clobbered."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lfhtr.api import Session
from lfhtr.atomic import atomic_write
from lfhtr.cli import app
from lfhtr.errors import LfhtrError
from lfhtr.runlock import LOCK_NAME, locked
from lfhtr.stages import pretrain

TINY_MODEL = {"kind": "crnn-ctc", "channels": [8, 16, 16, 16], "hidden": 16, "layers": 1, "dropout": 0.0}


def test_a_second_stage_on_a_locked_run_folder_is_refused_naming_the_holder(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from lfhtr.runlock import locked\n"
            f"with locked(Path({str(tmp_path)!r}), 'pretrain'):\n"
            "    print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        busy = rf"in use by another lfhtr stage \(pid {holder.pid}, lfhtr run"
        with pytest.raises(LfhtrError, match=busy), locked(tmp_path, "adapt"):
            pass
    finally:
        holder.kill()
        holder.wait()
    with locked(tmp_path, "adapt"):  # the kernel released the dead holder's lock
        assert (tmp_path / LOCK_NAME).exists()
    assert not (tmp_path / LOCK_NAME).exists()


def _dead_pid() -> int:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    return int(finished.stdout)


def test_taking_the_lock_removes_only_what_a_dead_lfhtr_writer_left_in_its_folders(tmp_path: Path) -> None:
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    dead = _dead_pid()
    orphan = checkpoints / f".pretrain-last.pt.lfhtr-{dead}-x1y2z3.tmp"
    in_flight = checkpoints / f".adapt-last.pt.lfhtr-{os.getpid()}-a1b2c3.tmp"  # a running writer's
    users = tmp_path / ".draft.tmp"  # another program's temporary file
    nested = tmp_path / "mine" / f".notes.lfhtr-{dead}-q1.tmp"  # not a folder lfhtr writes
    nested.parent.mkdir()
    for path in (orphan, in_flight, users, nested):
        path.write_bytes(b"half")
    kept = checkpoints / "pretrain-last.pt"
    kept.write_bytes(b"whole")
    with locked(tmp_path, "pretrain", [checkpoints]):
        assert not orphan.exists() and kept.read_bytes() == b"whole"
        assert in_flight.exists() and users.exists() and nested.exists()


def test_written_files_get_the_umask_mode_or_keep_their_own(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        atomic_write(tmp_path / "new.json", "{}")
        assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o644
        (tmp_path / "shared.json").write_text("{}")
        os.chmod(tmp_path / "shared.json", 0o664)
        atomic_write(tmp_path / "shared.json", "[]")
        assert stat.S_IMODE((tmp_path / "shared.json").stat().st_mode) == 0o664
    finally:
        os.umask(previous)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (lambda s: Path(s.source), "needs another suffix"),
        (lambda s: s.output / "model.json", "needs another suffix"),
        (lambda s: s.output / "checkpoints" / "pretrain-best.pt", "is the spec or a checkpoint"),
        (lambda s: s.output / "checkpoints" / "pretrain-best.onnx", "is the spec or a checkpoint"),
        (lambda s: s.output / "existing.onnx", "exists; pass --force"),
    ],
)
def test_export_never_replaces_the_spec_a_checkpoint_or_an_existing_file(
    make_session: Callable[..., Session], target: Callable[[Session], Path], expected: str
) -> None:
    session = make_session(model=TINY_MODEL, pretrain={"steps": 2, "val_every": 2})
    pretrain.run(session)
    (session.output / "existing.onnx").write_bytes(b"keep me")
    before = {p: p.read_bytes() for p in [Path(session.source), *session.output.rglob("*")] if p.is_file()}
    path = target(session)
    result = CliRunner().invoke(app, ["export", str(session.source), "--onnx", str(path)])
    assert result.exit_code == 2 and expected in result.output, result.output
    assert {p: p.read_bytes() for p in before} == before
