"""`lfhtr languages`: the Latin-script languages lfhtr knows, the letters each writes, where its words
come from, and how many of the installed fonts draw every one of its letters."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from lfhtr.builtin.fonts import default_font_dir, load_fonts
from lfhtr.core import spec as specs
from lfhtr.text import latin


def _wordfreq_languages() -> set[str]:
    from wordfreq import available_languages

    return set(available_languages("best"))


def language_rows(font_dir: Path) -> list[tuple[str, str, str, str, str]]:
    """Per language: code, name, letters beyond a–z, word-list source, and how many of the fonts usable
    for its charset (the default renderer's coverage threshold) draw each of its letters in both cases."""
    threshold = specs.default_spec().renderer.model_dump().get("min_coverage", 0.0)
    listed = _wordfreq_languages()
    rows = []
    for code, letters in latin.LETTERS.items():
        needed = latin.charset_of([code])
        fonts = load_fonts([font_dir], [], needed, threshold) if font_dir.is_dir() else []
        drawing = sum(all(ch in font.drawable for ch in needed if ch.isalpha()) for font in fonts)
        source = "wordfreq" if code in listed else "your text (corpus.corpora)"
        rows.append((code, latin.NAMES[code], letters or "-", source, f"{drawing} of {len(fonts)}"))
    return rows


def languages(
    font_dir: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(help="Count the fonts of this folder (default: lfhtr's installed fonts)."),
    ] = None,
) -> None:
    """The languages `lfhtr init --language` knows, their letters, and the fonts that draw them."""
    folder = font_dir or default_font_dir()
    rows = language_rows(folder)
    table = Table("code", "language", "letters beyond a-z", "word list", "fonts drawing them all")
    for row in rows:
        table.add_row(*row)
    others = ", ".join(sorted(set(latin.OTHER_LATIN) & _wordfreq_languages()))
    table.caption = f"fonts in {folder}; also Latin-script, letters read off the word list: {others}"
    Console().print(table)
