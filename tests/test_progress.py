"""Long work is visible wherever it runs: lines outside a terminal, rates over wall time, and run
records that say how each run ended."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner, Result

from lfhtr import progress
from lfhtr.api import Session
from lfhtr.cli import app
from lfhtr.errors import LfhtrError
from lfhtr.reading import probability, reader
from lfhtr.train.trainer import Trainer

TINY_MODEL = {"kind": "crnn-ctc", "channels": [8, 16, 16, 16], "hidden": 16, "layers": 1, "dropout": 0.0}


def _read_words(folder: Path, count: int, *options: str) -> Result:
    """`lfhtr read en` of ``count`` word-like images written into ``folder``, outside a terminal."""
    for i in range(count):
        image = np.full((40, 60 + 10 * i), 255, np.uint8)
        image[12:28, 6:50] = 0
        Image.fromarray(image).save(folder / f"w{i}.png")
    result = CliRunner().invoke(app, ["read", "en", str(folder), "-o", str(folder / "out.tsv"), *options])
    assert result.exit_code == 0, result.output
    return result


def test_outside_a_terminal_each_task_prints_lines_with_done_total_rate_and_eta(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)
    result = _read_words(tmp_path, 3)
    lines = [line for line in result.output.splitlines() if line.startswith("read: ") and "/3" in line]
    assert lines[0].startswith("read: 0/3, - img/s, eta -") and lines[-1].startswith("read: 3/3, ")
    rate = re.compile(r", (- img/s|[\d,.]+ img/s|[\d,.]+ s/img), eta ")
    assert all(rate.search(line) and line.endswith("character model (0.2) + lexicon") for line in lines)


def test_read_with_char_model_0_reads_with_the_lexicon_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)
    lines = _read_words(tmp_path, 2, "--char-model", "0").output.splitlines()
    assert any(line.startswith("read: 2/2, ") and line.endswith(", greedy + lexicon") for line in lines)


def test_a_read_counts_an_image_done_only_when_every_view_of_it_is_read_and_scored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)

    def marked(*args: object) -> object:  # says in the output where the other views have been read
        seen = probability.views(*args)  # type: ignore[arg-type]
        progress.console.print("views read")
        return seen

    monkeypatch.setattr(reader, "views", marked)
    shown = _read_words(tmp_path, 4).output.splitlines()
    lines = [line for line in shown if (line.startswith("read: ") and "/4, " in line) or line == "views read"]
    views_read = lines.index("views read")
    assert any(line.startswith(("read: 1/4", "read: 2/4", "read: 3/4")) for line in lines[:views_read])
    assert not any(line.startswith("read: 4/4") for line in lines[:views_read])
    assert lines[-1].startswith("read: 4/4, ")


def test_the_rate_is_counted_over_wall_time_from_where_the_task_resumed() -> None:
    clock = [100.0]
    bar = progress.StageProgress("step", lines=False, disable=True, get_time=lambda: clock[0])
    task = bar.add_task("pretrain", total=1000, completed=400, status="")
    clock[0] += 4.0
    bar.advance(task, 100)  # one large advance: a burst rate would be thousands a second
    assert progress.wall_rate(bar.tasks[0]) == pytest.approx(25.0)  # 100 steps in 4 s, not 500
    assert progress.describe(bar.tasks[0], "step") == "pretrain: 500/1000, 25.0 step/s, eta 0:00:20"


def test_items_slower_than_one_a_second_are_shown_in_seconds_each() -> None:
    clock = [0.0]
    bar = progress.StageProgress("page", lines=False, disable=True, get_time=lambda: clock[0])
    task = bar.add_task("segment", total=4, status="")
    clock[0] += 78.0
    bar.advance(task, 2)  # kraken's 39 s a page read 0.0 page/s
    assert progress.describe(bar.tasks[0], "page") == "segment: 2/4, 39.0 s/page, eta 0:01:18"
    assert str(progress.RateColumn("page").render(bar.tasks[0])) == "39.0 s/page"


def _records(session: Session) -> dict[str, dict]:
    """Each stage's run record (records started in one second sort by stage name, not by time)."""
    found = [json.loads(p.read_text()) for p in (session.output / "logs" / "runs").glob("*.json")]
    return {record["stage"]: record for record in found}


def test_run_records_say_when_and_how_each_run_ended(
    make_session: Callable[..., Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    session = make_session(model=TINY_MODEL, synth={"count": 4}, pretrain={"steps": 6, "val_every": 3})
    session.synth()

    def interrupted(self: Trainer, batch: object, model: object = None) -> float:
        raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "train_step", interrupted)
    with pytest.raises(LfhtrError, match="pretrain interrupted"):
        session.pretrain()
    records = _records(session)
    assert records["synth"]["exit"] == "ok" and records["pretrain"]["exit"] == "interrupted"
    for record in records.values():
        assert record["ended"] >= record["started"] and record["duration_s"] >= 0
