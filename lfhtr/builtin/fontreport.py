"""`lfhtr fonts`: which fonts a session would use, what each cannot draw, and a preview grid to look at."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from PIL import Image
from rich.table import Table

from lfhtr.builtin.fonts import all_fonts, default_font_dir
from lfhtr.core import spec as specs
from lfhtr.session import Session


def _session(spec_path: Path | None) -> Session:
    return Session.load(spec_path) if spec_path else Session(specs.default_spec(), Path.cwd())


def coverage_table(spec_path: Path | None) -> Table:
    session = _session(spec_path)
    options = session.spec.renderer.model_dump()
    locations = [session.resolve(p) for p in options.get("fonts", [])] or [default_font_dir()]
    threshold = options.get("min_coverage", 0.0)
    table = Table(
        "font", "coverage", "used", "cannot draw", title=f"fonts in {', '.join(map(str, locations))}"
    )
    core = [ch for ch in session.charset.chars if ch.isalnum()]
    used = 0
    for font in all_fonts(locations, options.get("exclude", []), session.charset.chars):
        share = sum(ch in font.drawable for ch in core) / max(1, len(core))
        ok = share >= threshold
        used += ok
        table.add_row(
            font.name, f"{share:.0%}", "yes" if ok else "[red]no[/]", font.missing(session.charset.chars)
        )
    table.caption = f"{used} fonts usable (coverage of letters and digits ≥ {threshold:.0%})"
    return table


def preview(spec_path: Path | None, text: str, output: Path, columns: int = 4) -> int:
    """Each usable font writing ``text`` (no augmentation) in a grid, to check by eye."""
    from lfhtr.atomic import atomic_path

    session = _session(spec_path)
    renderer = session.build("renderer", session.spec.renderer)
    renderer.prepare(session.context(), 48)
    tiles = []
    for font in renderer.fonts:
        if font.covers(text):
            tiles.append(renderer.render_with(font, text, random.Random(0)))
    width = max(t.shape[1] for t in tiles) + 8
    rows = -(-len(tiles) // columns)
    sheet = np.full((rows * 56, columns * width), 255, np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        sheet[r * 56 + 4 : r * 56 + 52, c * width + 4 : c * width + 4 + tile.shape[1]] = tile
    with atomic_path(output) as tmp:
        Image.fromarray(sheet).save(tmp, format="PNG")
    return len(tiles)
