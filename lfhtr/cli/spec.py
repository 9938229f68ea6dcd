"""`lfhtr init` and `lfhtr spec validate|schema|diff`: writing and checking session specs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from lfhtr.atomic import atomic_write
from lfhtr.cli.options import SpecPath, absolute
from lfhtr.core import plugins
from lfhtr.core import spec as specs
from lfhtr.core.inputs import named_inputs
from lfhtr.errors import PATH_RULE
from lfhtr.outputs import guard_output
from lfhtr.session import Session
from lfhtr.stages.runrecord import ABSENT, differences, spec_of
from lfhtr.text.latin import charset_for_languages, languages_of

spec_app = typer.Typer(no_args_is_help=True, help="Validate a session spec or export its JSON Schema.")
out = Console()
err = Console(stderr=True, soft_wrap=True, highlight=False)


def _warn_undrawable(session: Session) -> None:
    """Prepare the renderer, which names the charset's characters no usable font draws (never learnt)."""
    renderer = session.build("renderer", session.spec.renderer)
    renderer.prepare(session.context(), session.spec.height)


def _warn_unwritable(session: Session, language: str, model: str) -> None:
    """A model keeps its charset; say which letters of the language it cannot write (and so which words
    its lexicon leaves out)."""
    needed = charset_for_languages(languages_of(language))
    missing = "".join(ch for ch in needed if ch.isalpha() and ch not in session.charset.chars)
    if missing:
        err.print(
            f"[yellow]warning:[/] {escape(model)} cannot write {escape(missing)}: words of {language} "
            "holding them are left out of its lexicon; `lfhtr models` lists models that write them."
        )


def _warn_broken_plugins() -> None:
    """A plugin that does not load is left out of the spec model, and a built-in it shadows with it
    (its name registered twice): say so, or init's defaults would change without a word."""
    for family in plugins.FAMILIES:
        for error in plugins.loadable(family)[1]:
            err.print(f"[yellow]warning:[/] {escape(str(error))} It is left out of the spec.")


def init(
    path: SpecPath,
    force: Annotated[bool, typer.Option(help="Overwrite an existing spec.")] = False,
    set_: Annotated[
        list[str] | None,  # noqa: UP007
        typer.Option("--set", help="Override a field: dotted.key=JSON value (e.g. pretrain.steps=1000)."),
    ] = None,
    language: Annotated[
        str | None,  # noqa: UP007
        typer.Option(
            help="Corpus language: a code from `lfhtr languages` (de, fr, la), several joined by commas "
            "(fr,la), or europe. Sets the word list, and without --from the charset."
        ),
    ] = None,
    start: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(
            "--from", help="Adapt this model (a shipped name or .lfhtr file): its charset, model, corpus."
        ),
    ] = None,
) -> None:
    """Write a complete session spec with every default, plus its JSON Schema beside it."""
    session = Session.init(path, set_, force, absolute(start), language)
    if language and start:
        _warn_unwritable(session, language, str(start))
    elif language:
        _warn_undrawable(session)
    _warn_broken_plugins()
    out.print(f"wrote {path} and {path.with_name(specs.SCHEMA_NAME)}")


@spec_app.command("validate")
def spec_validate(path: SpecPath) -> None:
    """Check a spec: JSON syntax, plugin kinds, every option value, and the files and folders it names."""
    spec = specs.load(path)
    _warn_broken_plugins()
    base = path.resolve().parent
    for field, named in named_inputs(specs.dump(spec)):
        if not (base / Path(named).expanduser()).exists():
            err.print(
                f"warning: {path}: {field}: {base / named} does not exist ({PATH_RULE})",
                markup=False,
            )
    out.print(f"{path}: valid")


@spec_app.command("schema")
def spec_schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,  # noqa: UP007
    force: Annotated[
        bool, typer.Option(help="Replace an existing --output that is not a .json file.")
    ] = False,
) -> None:
    """Print the JSON Schema of session specs (with the installed plugins' options)."""
    text = json.dumps(specs.schema(), indent=2)
    if output:
        guard_output(output, force, replaceable=[".json"])
        atomic_write(output, text)
    else:
        sys.stdout.write(text + "\n")


@spec_app.command("diff")
def spec_diff(
    first: Annotated[Path, typer.Argument(help="A spec, or a run record from logs/runs/.")],
    second: Annotated[Path, typer.Argument(help="The spec or run record to compare it with.")],
) -> None:
    """What differs between two specs (defaults filled in), one dotted field a line."""
    found = differences(spec_of(first), spec_of(second))
    for key, a, b in found:
        shown = ["(absent)" if v is ABSENT else json.dumps(v, ensure_ascii=False) for v in (a, b)]
        out.print(f"{key}: {shown[0]} → {shown[1]}", markup=False, highlight=False)
    out.print(f"{len(found)} fields differ" if found else "the specs are the same")
