"""Font discovery and the glyph-coverage check that keeps tofu boxes out of training images."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from fontTools import subset
from fontTools.ttLib import TTFont
from PIL import Image

from lfhtr.builtin.fonts import load_fonts
from lfhtr.builtin.renderer import FontRenderer
from lfhtr.core.interfaces import BuildContext
from lfhtr.errors import DataError
from lfhtr.text.charset import DEFAULT_CHARSET, Charset


def _subset_without_digits(source: str, target: Path) -> Path:
    font = TTFont(source)
    options = subset.Options()
    options.notdef_outline = True  # keep a visible tofu glyph, like real fonts have
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,")
    subsetter.subset(font)
    font.flavor = None
    font.save(target)
    return target


def test_coverage_check_finds_missing_glyphs(font_files: list[str], tmp_path: Path) -> None:
    partial = _subset_without_digits(font_files[0], tmp_path / "partial.ttf")
    [font] = load_fonts([partial], [], DEFAULT_CHARSET, min_coverage=0.0)
    assert font.covers("Orders.") and not font.covers("1755")
    assert set(font.missing(DEFAULT_CHARSET)) >= set("0123456789")
    assert load_fonts([partial], [], DEFAULT_CHARSET, min_coverage=0.95) == []


def test_renderer_never_draws_words_a_font_lacks(font_files: list[str], tmp_path: Path) -> None:
    partial = _subset_without_digits(font_files[0], tmp_path / "partial.ttf")
    renderer = FontRenderer(FontRenderer.Options(fonts=[str(partial)], min_coverage=0.5))
    renderer.prepare(BuildContext(Charset(DEFAULT_CHARSET), tmp_path, 0, tmp_path), 32)
    assert renderer.can_render("Fort") and not renderer.can_render("1755")
    with pytest.raises(DataError, match="no usable font draws every character"):
        renderer.render("1755", random.Random(0))
    image = renderer.render("Fort", random.Random(0))
    assert image.dtype == np.uint8 and image.shape[0] == 32 and image.min() < 128


def test_renderer_stretch_widens_the_word_and_keeps_its_height(font_files: list[str], tmp_path: Path) -> None:
    def shape(stretch: tuple[float, float]) -> tuple[int, ...]:
        options = FontRenderer.Options(
            fonts=font_files[:1], stretch=stretch, shear=(0.0, 0.0), margin=(0.0, 0.0)
        )
        renderer = FontRenderer(options)
        renderer.prepare(BuildContext(Charset(DEFAULT_CHARSET), tmp_path, 0, tmp_path), 32)
        return renderer.render("handwriting", random.Random(3)).shape

    plain, wide = shape((1.0, 1.0)), shape((2.0, 2.0))
    assert plain[0] == wide[0] == 32
    assert wide[1] == pytest.approx(2 * plain[1], abs=1)


def test_missing_and_unreadable_fonts_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="font folder not found; run scripts/install-fonts.sh"):
        load_fonts([tmp_path / "nowhere"], [], "abc", 0.5)
    (tmp_path / "broken.ttf").write_bytes(b"not a font")
    with pytest.raises(DataError, match=r"broken\.ttf: unreadable font"):
        load_fonts([tmp_path], [], "abc", 0.5)
    (tmp_path / "broken.ttf").unlink()
    renderer = FontRenderer(FontRenderer.Options(fonts=[str(tmp_path)]))
    with pytest.raises(DataError, match="no usable font"):
        renderer.prepare(BuildContext(Charset("abc"), tmp_path, 0, tmp_path), 32)


def test_fonts_drawing_lowercase_as_capitals_lose_their_lowercase(
    font_files: list[str], tmp_path: Path
) -> None:
    font = TTFont(font_files[0])
    for table in font["cmap"].tables:
        if table.isUnicode():
            for lower in "abcdefghijklmnopqrstuvwxyz":
                if ord(lower.upper()) in table.cmap:
                    table.cmap[ord(lower)] = table.cmap[ord(lower.upper())]
    font.flavor = None
    font.save(tmp_path / "caps.ttf")
    [caps] = load_fonts([tmp_path / "caps.ttf"], [], DEFAULT_CHARSET, min_coverage=0.0)
    assert caps.covers("ORDERS") and not caps.covers("Orders")
    [original] = load_fonts([Path(font_files[0])], [], DEFAULT_CHARSET, min_coverage=0.0)
    assert original.covers("Orders")


@pytest.mark.parametrize("content", ["[]", '{"x": 5, "y": [1]}', "{not json", ""])
def test_caches_of_the_wrong_shape_are_ignored_not_fatal(
    content: str, font_files: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hand-edited or foreign cache file costs the work again, never the run."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    (tmp_path / "lfhtr").mkdir()
    for name in ("font-coverage.json", "glyph-pairs.json"):
        (tmp_path / "lfhtr" / name).write_text(content, encoding="utf-8")
    renderer = FontRenderer(FontRenderer.Options(fonts=font_files))
    renderer.prepare(BuildContext(Charset(DEFAULT_CHARSET), tmp_path, 0), 32)
    assert renderer.render("hello", random.Random(0)).shape[0] == 32
    renderer.save_verdicts()
    assert json.loads((tmp_path / "lfhtr" / "glyph-pairs.json").read_text("utf-8"))  # rewritten, valid


def test_the_font_preview_names_each_font_under_its_word(spec_file: Path, tmp_path: Path) -> None:
    from lfhtr.cli.fonts import CELL, preview

    count = preview(spec_file, "and", tmp_path / "fonts.png")
    sheet = np.asarray(Image.open(tmp_path / "fonts.png"))
    assert count == 3 and sheet.shape[0] == CELL
    assert (sheet[54:68] < 128).any()  # the name's text below the 48-pixel word


def test_the_font_report_counts_the_usable_fonts_drawing_each_character(
    spec_file: Path, tmp_path: Path, font_files: list[str]
) -> None:
    from lfhtr.cli.fonts import coverage_tables

    (tmp_path / "fonts").mkdir()
    partial = _subset_without_digits(font_files[0], tmp_path / "fonts" / "partial.ttf")
    for source in font_files[1:]:
        shutil.copy(source, tmp_path / "fonts")
    data = json.loads(spec_file.read_text("utf-8"))
    data["renderer"].update(fonts=[str(partial.parent)], min_coverage=0.5)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(data), "utf-8")
    fonts, characters, _few = coverage_tables(spec)
    rows = dict(zip(characters.columns[0].cells, characters.columns[1].cells))
    usable = len(font_files)
    assert "7" in rows[str(usable - 1)] and "a" in rows[str(usable)]  # the subset lacks digits
    assert fonts.row_count == usable
