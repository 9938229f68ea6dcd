"""`lfhtr plugins`: every installed plugin, where it comes from, and whether it loads."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from lfhtr.core import plugins
from lfhtr.errors import LfhtrError


def list_plugins() -> None:
    """Every installed plugin: family, name, distribution, version, and whether it loads."""
    table = Table("family", "name", "distribution", "version", "status")
    for family in plugins.FAMILIES:
        for info in plugins.available(family):
            try:
                plugins.load(family, info.name)
                status = "[green]ok[/]"
            except LfhtrError as exc:
                status = f"[red]broken[/]: {exc}"
            table.add_row(family, info.name, info.distribution, info.version, status)
    Console().print(table)
