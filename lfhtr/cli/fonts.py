"""`lfhtr fonts` and `lfhtr fonts preview`: which fonts a session would use, what each cannot draw, and a
preview grid to look at."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Annotated

import typer
from PIL import Image, ImageDraw, ImageFont
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lfhtr.builtin.fonts import all_fonts, default_font_dir
from lfhtr.core import spec as specs
from lfhtr.outputs import guard_output
from lfhtr.session import Session

fonts_app = typer.Typer(invoke_without_command=True, help="List the handwriting fonts and their coverage.")

FEW_FONTS = 10
"""A character fewer usable fonts draw than this is learnt from too few hands: `lfhtr fonts` warns."""
CELL = 72
"""Pixels per preview row: the 48-pixel word, its font's name below it, and space."""


def _session(spec_path: Path | None) -> Session:
    return Session.load(spec_path) if spec_path else Session(specs.default_spec(), Path.cwd())


def coverage_tables(spec_path: Path | None) -> tuple[Table, Table, list[str]]:
    """Each font's coverage of the charset, how many usable fonts draw each character (a letter that
    few fonts draw is learnt from few hands: Polish ł, Romanian ș), and a warning for each character
    fewer than ``FEW_FONTS`` draw, naming those that do."""
    session = _session(spec_path)
    options = session.spec.renderer.model_dump()
    locations = [session.resolve(p) for p in options.get("fonts", [])] or [default_font_dir()]
    threshold = options.get("min_coverage", 0.0)
    table = Table(
        "font", "coverage", "used", "cannot draw", title=f"fonts in {', '.join(map(str, locations))}"
    )
    core = [ch for ch in session.charset.chars if ch.isalnum()]
    usable = []
    for font in all_fonts(locations, options.get("exclude", []), session.charset.chars):
        share = sum(ch in font.drawable for ch in core) / max(1, len(core))
        ok = share >= threshold
        if ok:
            usable.append(font)
        table.add_row(
            font.name, f"{share:.0%}", "yes" if ok else "[red]no[/]", font.missing(session.charset.chars)
        )
    table.caption = f"{len(usable)} fonts usable (coverage of letters and digits ≥ {threshold:.0%})"
    by_count: dict[int, str] = {}
    warnings = []
    for ch in session.charset.chars.strip():
        drawing = [font.name for font in usable if ch in font.drawable]
        by_count[len(drawing)] = by_count.get(len(drawing), "") + ch
        if len(drawing) < FEW_FONTS:
            names = ", ".join(drawing) if drawing else "none: it is never drawn, so never learnt"
            warnings.append(f"{ch} (U+{ord(ch):04X}) is drawn by {len(drawing)} usable fonts: {names}")
    characters = Table("usable fonts", "characters they draw", title="fonts per character")
    for count in sorted(by_count):
        characters.add_row(str(count) if count else "[red]0[/]", by_count[count])
    return table, characters, warnings


def preview(spec_path: Path | None, text: str, output: Path, columns: int = 4) -> int:
    """Each usable font writing ``text`` (no augmentation) in a grid, to check by eye."""
    from lfhtr.atomic import atomic_path

    session = _session(spec_path)
    renderer = session.build("renderer", session.spec.renderer)
    renderer.prepare(session.context(), 48)
    drawn = [
        (f.name, renderer.render_with(f, text, random.Random(0))) for f in renderer.fonts if f.covers(text)
    ]
    label = ImageFont.load_default(size=12)
    width = max(max(t.shape[1] for _, t in drawn), 180) + 8
    rows = -(-len(drawn) // columns)
    sheet = Image.new("L", (columns * width, rows * CELL), 255)
    pen = ImageDraw.Draw(sheet)
    for i, (name, tile) in enumerate(drawn):
        r, c = divmod(i, columns)
        sheet.paste(Image.fromarray(tile), (c * width + 4, r * CELL + 4))
        pen.text((c * width + 4, r * CELL + 54), name, fill=90, font=label)  # which font, to exclude it
    with atomic_path(output) as tmp:
        sheet.save(tmp, format="PNG")
    return len(drawn)


@fonts_app.callback()
def fonts(
    ctx: typer.Context,
    spec: Annotated[Path | None, typer.Option(help="Use this spec's charset and fonts.")] = None,  # noqa: UP007
) -> None:
    """Fonts found for the session, what each cannot draw, and how many fonts draw each character."""
    if ctx.invoked_subcommand:
        return
    *tables, warnings = coverage_tables(spec)
    console = Console()
    for table in tables:
        console.print(table)
    for warning in warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)


@fonts_app.command("preview")
def fonts_preview(
    output: Annotated[Path, typer.Argument(help="PNG to write.")] = Path("fonts-preview.png"),
    text: Annotated[str, typer.Option(help="Word each font writes.")] = "Washington",
    spec: Annotated[Path | None, typer.Option(help="Use this spec's charset and fonts.")] = None,  # noqa: UP007
    force: Annotated[bool, typer.Option(help="Replace an existing OUTPUT that is not a .png file.")] = False,
) -> None:
    """A PNG grid of every usable font writing one word."""
    guard_output(output, force, {spec: "the spec"} if spec else None, [".png"])
    count = preview(spec, text, output)
    Console().print(f"wrote {output} ({count} fonts)")
