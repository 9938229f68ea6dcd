"""The `lfhtr` command: a thin Typer layer that parses, loads the session and calls a stage.

Stages import torch, so they are imported only when run: `lfhtr --help`, `init` and `spec` stay quick.
Every expected failure is an LfhtrError, printed as one line with a non-zero exit code.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from lfhtr import __version__, log, readcmd, runcli
from lfhtr.atomic import atomic_write
from lfhtr.core import plugins
from lfhtr.core import spec as specs
from lfhtr.errors import LfhtrError
from lfhtr.session import Session


class ErrorsAsOneLine(TyperGroup):
    """Print expected failures as one line and exit non-zero, for the real CLI and CliRunner alike."""

    def invoke(self, ctx: typer.Context) -> object:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except LfhtrError as exc:
            log.log.error(str(exc))
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=ErrorsAsOneLine,
    no_args_is_help=True,
    add_completion=False,
    help="Label-free handwritten text recognition.",
)
spec_app = typer.Typer(no_args_is_help=True, help="Validate a session spec or export its JSON Schema.")
fonts_app = typer.Typer(invoke_without_command=True, help="List the handwriting fonts and their coverage.")
app.add_typer(spec_app, name="spec")
app.add_typer(runcli.run_app, name="run")
app.add_typer(fonts_app, name="fonts")
out = Console()
err = Console(stderr=True, soft_wrap=True, highlight=False)
SpecPath = runcli.SpecPath


def _version(value: bool) -> None:
    if value:
        out.print(f"lfhtr {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool | None, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")  # noqa: UP007
    ] = None,
) -> None:
    """Train a word recogniser on synthetic handwriting, then adapt it to real unlabelled images."""
    log.configure()  # plain console messages; `run` and `export` reconfigure with their own flags


def _warn_undrawable(session: Session) -> None:
    """Prepare the renderer, which names the charset's characters no usable font draws (never learnt)."""
    renderer = session.build("renderer", session.spec.renderer)
    renderer.prepare(session.context(), session.spec.height)


def _warn_broken_plugins() -> None:
    """A plugin that does not load is left out of the spec model, and a built-in it shadows with it
    (its name registered twice): say so, or init's defaults would change without a word."""
    for family in plugins.FAMILIES:
        for error in plugins.loadable(family)[1]:
            err.print(f"[yellow]warning:[/] {escape(str(error))} It is left out of the spec.")


@app.command()
def init(
    path: SpecPath,
    force: Annotated[bool, typer.Option(help="Overwrite an existing spec.")] = False,
    set_: Annotated[
        list[str] | None,  # noqa: UP007
        typer.Option("--set", help="Override a field: dotted.key=JSON value (e.g. pretrain.steps=1000)."),
    ] = None,
    language: Annotated[
        str | None,  # noqa: UP007
        typer.Option(help="Corpus language (wordfreq code, e.g. de, fr): sets the corpus and the charset."),
    ] = None,
    start: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(
            "--from", help="Adapt this model (a shipped name or .lfhtr file): its charset, model, corpus."
        ),
    ] = None,
) -> None:
    """Write a complete session spec with every default, plus its JSON Schema beside it."""
    session = Session.init(path, set_, force, runcli.absolute(start), language)
    if language:
        _warn_undrawable(session)
    _warn_broken_plugins()
    out.print(f"wrote {path} and {path.with_name(specs.SCHEMA_NAME)}")


@spec_app.command("validate")
def spec_validate(path: SpecPath) -> None:
    """Check a spec: JSON syntax, plugin kinds, every option value."""
    specs.load(path)
    _warn_broken_plugins()
    out.print(f"{path}: valid")


@spec_app.command("schema")
def spec_schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,  # noqa: UP007
) -> None:
    """Print the JSON Schema of session specs (with the installed plugins' options)."""
    text = json.dumps(specs.schema(), indent=2)
    if output:
        atomic_write(output, text)
    else:
        sys.stdout.write(text + "\n")


@spec_app.command("diff")
def spec_diff(
    first: Annotated[Path, typer.Argument(help="A spec, or a run record from logs/runs/.")],
    second: Annotated[Path, typer.Argument(help="The spec or run record to compare it with.")],
) -> None:
    """What differs between two specs (defaults filled in), one dotted field a line."""
    from lfhtr.runrecord import ABSENT, differences, spec_of

    found = differences(spec_of(first), spec_of(second))
    for key, a, b in found:
        shown = ["(absent)" if v is ABSENT else json.dumps(v, ensure_ascii=False) for v in (a, b)]
        out.print(f"{key}: {shown[0]} → {shown[1]}", markup=False, highlight=False)
    out.print(f"{len(found)} fields differ" if found else "the specs are the same")


@app.command("plugins")
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
    out.print(table)


@fonts_app.callback()
def fonts(
    ctx: typer.Context,
    spec: Annotated[Path | None, typer.Option(help="Use this spec's charset and fonts.")] = None,  # noqa: UP007
) -> None:
    """Fonts found for the session, what each cannot draw, and how many fonts draw each character."""
    if ctx.invoked_subcommand:
        return
    from lfhtr.builtin.fontreport import coverage_tables

    for table in coverage_tables(spec):
        out.print(table)


@fonts_app.command("preview")
def fonts_preview(
    output: Annotated[Path, typer.Argument(help="PNG to write.")] = Path("fonts-preview.png"),
    text: Annotated[str, typer.Option(help="Word each font writes.")] = "Washington",
    spec: Annotated[Path | None, typer.Option(help="Use this spec's charset and fonts.")] = None,  # noqa: UP007
) -> None:
    """A PNG grid of every usable font writing one word."""
    from lfhtr.builtin.fontreport import preview

    count = preview(spec, text, output)
    out.print(f"wrote {output} ({count} fonts)")


@runcli.command(app, "export")
def export(
    session: Session,
    onnx: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(help="ONNX file to write (a .json sidecar with the preprocessing goes beside it)."),
    ] = None,
    model: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(help="Model file to write (.lfhtr): what `lfhtr read` and --checkpoint take."),
    ] = None,
    checkpoint: runcli.Checkpoint = None,
    force: Annotated[bool, typer.Option(help="Replace an existing ONNX file and its sidecar.")] = False,
    card: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(help="JSON object added to the model file's card (description, recipe, figures)."),
    ] = None,
) -> None:
    """Export the session's recogniser (adapted, else best pretrained) as a model file and/or ONNX."""
    from lfhtr.stages import export as stage

    stage.run(
        session,
        onnx.resolve() if onnx else None,
        model.resolve() if model else None,
        runcli.absolute(checkpoint),
        force,
        _card(card) if card else None,
    )


def _card(path: Path) -> dict[str, object]:
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LfhtrError(f"{path}: cannot read the card ({exc}).") from None
    if not isinstance(card, dict):
        raise LfhtrError(f"{path}: the card must be a JSON object.")
    return card


app.command("read")(readcmd.read)
app.command("models")(readcmd.models)


def main() -> None:
    logging.getLogger("fontTools").setLevel(logging.ERROR)  # it warns about harmless font-table quirks
    app()
