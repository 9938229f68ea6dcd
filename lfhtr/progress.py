"""Rich progress bars with rate and ETA, shared by every long-running stage."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

console = Console(stderr=True)
show_bars = True
"""Off with ``lfhtr ... --quiet``: messages at WARNING and up only, no bars."""


class RateColumn(TextColumn):
    """Items per second, because "how fast" is what a user tuning workers or batch size watches."""

    def __init__(self, unit: str) -> None:
        super().__init__("")
        self.unit = unit

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.1f} {self.unit}/s" if speed else f"- {self.unit}/s")


def progress(unit: str = "it") -> Progress:
    """A bar with count, rate, ETA and a status text, that fits 80 columns (no elapsed or percentage)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(bar_width=10),
        MofNCompleteColumn(),
        RateColumn(unit),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[status]}"),
        console=console,
        transient=False,
        disable=not show_bars,
    )
