"""The `lfhtr` command: a thin Typer layer that parses, loads the session and calls a stage.

One module per command group (``run``, ``spec``, ``read``, ``segment``, ``fonts``, ``plugins``,
``export``); this one
assembles them. Stages import torch, so they are imported only when run: `lfhtr --help`, `init` and
`spec` stay quick. Every expected failure is an LfhtrError, printed as one line with a non-zero exit code.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.console import Console
from typer.core import TyperGroup

from lfhtr import log
from lfhtr.cli import export, fonts, languages, plugins, read, run, segment, spec
from lfhtr.cli.options import command
from lfhtr.cli.plain_help import name_values_plainly
from lfhtr.errors import LfhtrError
from lfhtr.version import __version__


class ErrorsAsOneLine(TyperGroup):
    """Print expected failures as one line and exit non-zero, and name option values plainly in help."""

    def invoke(self, ctx: typer.Context) -> object:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except LfhtrError as exc:
            log.log.error(str(exc))
            raise typer.Exit(exc.exit_code) from None

    def get_params(self, ctx: typer.Context) -> list:  # type: ignore[override]
        name_values_plainly(self, ctx)
        return super().get_params(ctx)


app = typer.Typer(
    cls=ErrorsAsOneLine,
    no_args_is_help=True,
    add_completion=False,
    help="Label-free handwritten text recognition.",
)
app.add_typer(spec.spec_app, name="spec")
app.add_typer(run.run_app, name="run")
app.add_typer(fonts.fonts_app, name="fonts")


def _version(value: bool) -> None:
    if value:
        Console().print(f"lfhtr {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool | None, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")  # noqa: UP007
    ] = None,
) -> None:
    """Train a word recogniser on synthetic handwriting, then adapt it to real unlabelled images."""
    log.configure()  # plain console messages; `run` and `export` reconfigure with their own flags


app.command()(spec.init)
app.command("plugins")(plugins.list_plugins)
app.command("read")(read.read)
app.command("segment")(segment.segment)
app.command("models")(read.models)
app.command("languages")(languages.languages)
command(app, "export")(export.export)


def main() -> None:
    logging.getLogger("fontTools").setLevel(logging.ERROR)  # it warns about harmless font-table quirks
    app()
