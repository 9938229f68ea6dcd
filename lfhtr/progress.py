"""Progress of every long-running stage: rich bars in a terminal, a plain line every 30 s elsewhere.

Under nohup, a scheduler or a log file a live bar cannot redraw, and rich would print it only when the
stage ends: a long pretraining would be silent for its whole length. Outside a terminal each task
therefore prints one line (done/total, rate, ETA, status) at its start, at least every ``LOG_EVERY``
seconds and when it ends. Rates are counted over wall time since the task started (or resumed), so a
task that advances in large steps does not show a burst rate.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

console = Console(stderr=True)
show_bars = True
"""Off with ``lfhtr ... --quiet``: messages at WARNING and up only, no bars."""
LOG_EVERY = 30.0
"""Seconds between two progress lines of one task outside a terminal."""


def wall_rate(task: Task) -> float | None:
    """Items per second since the task started, counting only the items done since then."""
    elapsed = task.elapsed
    done = task.completed - task.fields.get("first", 0)
    return done / elapsed if elapsed and done > 0 else None


def shown_rate(rate: float | None, unit: str) -> str:
    """Items per second, or seconds per item where an item takes longer than a second (a page
    segmented in 40 s would show as 0.0 a second)."""
    if not rate:
        return f"- {unit}/s"
    return f"{rate:,.1f} {unit}/s" if rate >= 1 else f"{1 / rate:,.1f} s/{unit}"


class RateColumn(TextColumn):
    """Items per second, because "how fast" is what a user tuning workers or batch size watches."""

    def __init__(self, unit: str) -> None:
        super().__init__("")
        self.unit = unit

    def render(self, task: Task) -> Text:
        return Text(shown_rate(wall_rate(task), self.unit))


class StageProgress(Progress):
    """Rich's Progress that remembers where each task started and, outside a terminal, prints lines."""

    def __init__(self, unit: str, *columns: Any, **options: Any) -> None:
        self.unit = unit
        self.lines = options.pop("lines")
        self._logged: dict[TaskID, float] = {}
        super().__init__(*columns, **options)

    def add_task(self, description: str, *args: Any, **fields: Any) -> TaskID:
        task = super().add_task(description, *args, first=fields.get("completed", 0), **fields)
        self._line(task, force=True)
        return task

    def update(self, task_id: TaskID, **changes: Any) -> None:
        super().update(task_id, **changes)
        self._line(task_id)

    def advance(self, task_id: TaskID, advance: float = 1) -> None:
        super().advance(task_id, advance)
        self._line(task_id)

    def _line(self, task_id: TaskID, force: bool = False) -> None:
        if not self.lines:
            return
        task, now = self._tasks[task_id], time.monotonic()
        if not (force or task.finished or now - self._logged.get(task_id, now) >= LOG_EVERY):
            return
        if task.finished and self._logged.get(task_id) == -1.0:
            return  # its last line is out
        self._logged[task_id] = -1.0 if task.finished else now
        console.print(describe(task, self.unit), markup=False, highlight=False, soft_wrap=True)


def describe(task: Task, unit: str) -> str:
    """One line for a log: description, done/total, rate, ETA and status."""
    total = int(task.total) if task.total is not None else "?"
    rate = wall_rate(task)
    left = (task.total or 0) - task.completed
    eta = str(timedelta(seconds=round(left / rate))) if rate and left > 0 else "-"
    status = task.fields.get("status", "")
    line = f"{task.description}: {int(task.completed)}/{total}, {shown_rate(rate, unit)}, eta {eta}"
    return line + (f", {status}" if status else "")


def progress(unit: str = "it") -> Progress:
    """A bar with count, rate, ETA and a status text, that fits 80 columns (no elapsed or percentage);
    outside a terminal, lines instead of a bar."""
    live = show_bars and console.is_terminal
    return StageProgress(
        unit,
        TextColumn("[bold]{task.description}"),
        BarColumn(bar_width=10),
        MofNCompleteColumn(),
        RateColumn(unit),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[status]}"),
        console=console,
        transient=False,
        disable=not live,
        lines=show_bars and not live,
    )
