"""The glyph atlas composes words the way the font's shaper draws them, and keeps samples pure."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from lfhtr.api import Session
from lfhtr.builtin import glyphs, renderer, verdicts
from lfhtr.builtin.fonts import load_fonts
from lfhtr.builtin.glyphs import GlyphAtlas, _draw, _overlap
from lfhtr.pipeline import build_pipeline
from lfhtr.text.charset import DEFAULT_CHARSET
from tests.conftest import WORDS
from tests.test_synth import ALL_AUGMENTERS

CONTEXT_PROBES = ["The", "the", "fifth", "office", "order", "most", "took"]


def _atlases(font_files: list[str]) -> list[GlyphAtlas]:
    fonts = load_fonts([Path(p) for p in font_files], [], DEFAULT_CHARSET, 0.5)
    return [GlyphAtlas(ImageFont.truetype(str(f.path), 48), f.drawable) for f in fonts]


def _shaped(atlas: GlyphAtlas, word: str) -> np.ndarray:
    return _draw(atlas.face, word, 0)[0]


def test_drawing_is_what_imagedraw_draws_on_a_blank_canvas(font_files: list[str]) -> None:
    """The atlas reads FreeType's mask directly; these are the bytes ImageDraw.text would have drawn."""
    for path in font_files:
        face = ImageFont.truetype(path, 48)
        for text, stroke in [("a", 0), ("fi", 0), ("Th", 1), ("order", 2), ("g,", 1), ("-", 0)]:
            left, top, right, bottom = (int(v) for v in face.getbbox(text, anchor="ls", stroke_width=stroke))
            canvas = Image.new("L", (right - left, bottom - top), 0)
            ImageDraw.Draw(canvas).text(
                (-left, -top), text, font=face, fill=255, anchor="ls", stroke_width=stroke, stroke_fill=255
            )
            bitmap, x, y = _draw(face, text, stroke)
            assert (x, y) == (left, top) and np.array_equal(bitmap, np.asarray(canvas)), (path, text, stroke)


def test_composed_words_match_the_shapers_rendering(font_files: list[str]) -> None:
    """Pairs are checked, longer contexts are not: a word may differ a little (Kristi's "letter": 0.90)."""
    for atlas in _atlases(font_files):
        # both bitmaps start at the word's ink box, so they share a frame
        overlaps = [
            _overlap((atlas.word(word, 0)[0], 0, 0), (_shaped(atlas, word), 0, 0))
            for word in WORDS + CONTEXT_PROBES
        ]
        assert min(overlaps) > 0.85 and np.mean(overlaps) > 0.98, f"{atlas.face.getname()}: {overlaps}"


def test_pairs_drawn_in_context_go_to_the_shaper_as_runs(font_files: list[str]) -> None:
    found = []
    for atlas in _atlases(font_files):
        for word in CONTEXT_PROBES:
            runs = atlas.shaped_runs(word)
            assert "".join(run for run, _ in runs) == word
            found += [run for run, _ in runs if len(run) > 1]
            for run, _ in runs:
                for left, right in zip(run, run[1:]):
                    assert atlas.kerning(left + right) is None, (
                        "a run is cut only between independent letters"
                    )
    if not found:
        pytest.skip("none of the test fonts shapes these pairs in context")
    assert any(run in ("Th", "th") for run in found) or found


def test_fonts_with_longer_contexts_shape_whole_words(font_files: list[str]) -> None:
    atlases = _atlases(font_files)
    for atlas in atlases:
        if atlas.shapes_words:
            assert np.array_equal(atlas.word("letter", 1)[0], _draw(atlas.face, "letter", 1)[0])
    if all(a.shapes_words for a in atlases) or not any(a.shapes_words for a in atlases):
        pytest.skip("the test fonts do not include both kinds")


def test_letter_by_letter_words_follow_their_baselines(font_files: list[str]) -> None:
    atlas = _atlases(font_files)[0]
    flat = atlas.word("men", 0, spacing=0.0, baselines=[0.0, 0.0, 0.0])[0]
    lowered = atlas.word("men", 0, spacing=0.0, baselines=[0.0, 6.0, 0.0])[0]
    wide = atlas.word("men", 0, spacing=10.0, baselines=[0.0, 0.0, 0.0])[0]
    assert flat.shape[0] < lowered.shape[0] <= flat.shape[0] + 6 and lowered.shape[1] == flat.shape[1]
    assert wide.shape[1] == pytest.approx(flat.shape[1] + 20, abs=1)


def test_a_sample_does_not_depend_on_what_was_drawn_before(make_session: Callable[..., Session]) -> None:
    """The atlas fills its caches in drawing order; the images must not notice."""
    augmenters = [{**a, "p": 1.0} for a in ALL_AUGMENTERS]
    options = {"spacing_probability": 0.5}
    fresh = build_pipeline(make_session(augmenters=augmenters, renderer=options))
    used = build_pipeline(make_session(augmenters=augmenters, renderer=options))
    for index in range(60):
        used.sample(index)
    for index in (7, 33, 59):
        text, image = fresh.sample(index)
        again_text, again_image = used.sample(index)
        assert text == again_text and np.array_equal(image, again_image)


def test_a_later_run_reuses_the_pair_verdicts_and_draws_the_same_images(
    make_session: Callable[..., Session], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(renderer, "SAVE_EVERY", 10)
    monkeypatch.setattr(verdicts, "SAVE_GROWTH", 0.0)
    options = {"spacing_probability": 0.5}
    first = build_pipeline(make_session(renderer=options))
    drawn = [first.sample(index) for index in range(40)]  # the 40th render saves what the first 39 learnt
    assert (tmp_path / "cache" / "lfhtr" / "glyph-pairs.json").is_file()
    checks: list[object] = []
    monkeypatch.setattr(glyphs, "_overlap", lambda *args: checks.append(args) or 1.0)
    later = build_pipeline(make_session(renderer=options))
    for index, (text, image) in enumerate(drawn[:39]):
        again_text, again_image = later.sample(index)
        assert text == again_text and np.array_equal(image, again_image)
    assert not checks, "no pair was checked again, and no font probed again"


def test_verdicts_of_a_changed_font_file_are_made_again(font_files: list[str], tmp_path: Path) -> None:
    font = tmp_path / Path(font_files[0]).name
    font.write_bytes(Path(font_files[0]).read_bytes())
    store = verdicts.VerdictStore(tmp_path / "pairs.json")
    store.font(font, 48).kerning["ab"] = 1.5
    store.font(font, 48).shapes_words = False
    store.save_if_grown()
    assert verdicts.VerdictStore(tmp_path / "pairs.json").font(font, 48).kerning == {"ab": 1.5}
    assert verdicts.VerdictStore(tmp_path / "pairs.json").font(font, 40).kerning == {}  # another size
    os.utime(font, ns=(0, 0))
    assert verdicts.VerdictStore(tmp_path / "pairs.json").font(font, 48) == verdicts.FontVerdicts()
