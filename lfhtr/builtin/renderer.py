"""The built-in font renderer: a word in a random handwriting font, with the variation a pen gives.

Rendering happens at ``render_scale`` × the target height and is then downsampled, which gives the soft
anti-aliased strokes of a scanned page instead of FreeType's crisp hinting at tiny sizes. Words are
composed from each font's cached glyphs (``glyphs.GlyphAtlas``), which keeps FreeType out of the
per-sample cost once a font's letters and letter pairs have been seen; how each font draws its pairs is
also kept on disk (``verdicts.VerdictStore``), so that later runs start where this one ended.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Annotated

import numpy as np
from PIL import Image, ImageChops, ImageFont
from pydantic import Field, NonNegativeFloat, PositiveFloat, model_validator

from lfhtr.builtin.fonts import Font, default_font_dir, load_fonts
from lfhtr.builtin.glyphs import GlyphAtlas, Placed, place
from lfhtr.builtin.verdicts import VerdictStore
from lfhtr.core.interfaces import BuildContext, PluginOptions, Renderer, Share
from lfhtr.errors import DataError
from lfhtr.jsoncache import cache_dir
from lfhtr.log import log

Range = tuple[float, float]
Grey = Annotated[int, Field(ge=0, le=255)]

NEIGHBOUR_PITCH = (0.75, 1.1)
"""Distance from a line's ink top to its neighbour's, in ink heights: close enough that ascenders and
descenders reach into each other's boxes, as on handwritten pages."""

SAVE_EVERY = 1000
"""Renders between checks whether the fonts' pair verdicts have grown enough to be saved."""

UNFIT_FONTS = ("femkeklaver*", "Joscelyn*")
"""Default-set fonts that pass the coverage checks but would teach wrong labels, found by looking at
`lfhtr fonts preview`: femkeklaver draws lowercase as small capitals of its own design, Joscelyn's
secretary-hand capitals are not readable as modern letters."""


class FontRendererOptions(PluginOptions):
    fonts: list[str] = Field(
        default_factory=list,
        description="Font folders or files; empty: the built-in set from scripts/install-fonts.sh.",
    )
    exclude: list[str] = Field(
        default_factory=lambda: list(UNFIT_FONTS), description="Glob patterns of font file names to skip."
    )
    min_coverage: float = Field(
        0.95,
        ge=0,
        le=1,
        description="Skip fonts drawing less than this share of the charset's letters/digits.",
    )
    render_scale: float = Field(1.5, ge=1, le=4, description="Supersampling factor before downscaling.")
    letter_spacing: Range = Field((-0.04, 0.12), description="Extra space between letters, in em.")
    spacing_probability: Share = Field(0.3, description="Share of words drawn letter by letter.")
    baseline_jitter: float = Field(0.04, ge=0, le=0.3, description="Per-letter baseline wobble, in em.")
    shear: Range = Field((-0.4, 0.3), description="Horizontal shear (slant) factor range.")
    stroke_width: tuple[Annotated[int, Field(ge=0, le=8)], Annotated[int, Field(ge=0, le=8)]] = Field(
        (0, 2), description="Extra stroke width range, in render pixels."
    )
    ink: tuple[Grey, Grey] = Field((0, 90), description="Ink grey level range (0 = black).")
    paper: tuple[Grey, Grey] = Field((185, 255), description="Paper grey level range (255 = white).")
    margin: Range = Field((0.0, 0.15), description="Blank margin around the word, in image heights.")
    stretch: tuple[PositiveFloat, PositiveFloat] = Field(
        (1.0, 1.5),
        description="Horizontal scale of the whole word: real hands are often wider than their fonts.",
    )
    word_spacing: tuple[NonNegativeFloat, NonNegativeFloat] = Field(
        (0.25, 0.8), description="Lines: blank between one word's ink and the next's, in em."
    )
    line_drift: float = Field(
        0.04, ge=0, le=0.5, description="Lines: how far each word's baseline may move from the last's, in em."
    )
    line_neighbours: Share = Field(
        0.5,
        description="Lines: chance each of the lines above and below shows inside the line's box, as in a "
        "page's line crops.",
    )

    @model_validator(mode="after")
    def _ranges_ordered(self) -> FontRendererOptions:
        """A range given high to low, or ink no darker than the paper, draws blank or unreadable words."""
        for name, value in self:
            if isinstance(value, tuple) and len(value) == 2 and value[0] > value[1]:
                raise ValueError(f"{name}: the first value is the low end, e.g. {list(sorted(value))}")
        if self.ink[1] >= self.paper[0]:
            raise ValueError(
                f"ink {list(self.ink)} overlaps paper {list(self.paper)}: the lightest ink must stay below "
                "the darkest paper"
            )
        return self


class FontRenderer(Renderer[FontRendererOptions]):
    Options = FontRendererOptions
    options: FontRendererOptions

    def prepare(self, context: BuildContext, height: int) -> None:
        o = self.options
        locations = [context.resolve(p) for p in o.fonts] or [default_font_dir()]
        self.fonts: list[Font] = load_fonts(locations, o.exclude, context.charset.chars, o.min_coverage)
        if not self.fonts:
            raise DataError(
                f"no usable font in {', '.join(map(str, locations))} (need .ttf/.otf/.woff/.woff2 covering "
                f"{o.min_coverage:.0%} of the charset); run scripts/install-fonts.sh or set renderer.fonts."
            )
        drawn = set().union(*(font.drawable for font in self.fonts), " ")  # a space is only a gap
        undrawable = "".join(ch for ch in context.charset.chars if ch not in drawn)
        if undrawable:
            log.warning(
                f"renderer: no usable font draws {undrawable!r}; no synthetic word holds them, so the model "
                "cannot learn them (add fonts that draw them: renderer.fonts)"
            )
        self.height = height
        self.size = max(8, round(height * o.render_scale))
        self._atlases: dict[Path, GlyphAtlas] = {}
        self._verdicts = VerdictStore(cache_dir() / "glyph-pairs.json")
        self._renders = 0
        self._by_text: dict[str, list[Font]] = {}
        # bit i of a character's mask: font i draws it; a word's fonts are the AND over its characters
        self._masks: dict[str, int] = {}
        for i, font in enumerate(self.fonts):
            for ch in font.drawable:
                self._masks[ch] = self._masks.get(ch, 0) | 1 << i
        self._masks[" "] = (1 << len(self.fonts)) - 1  # every font leaves a gap between words

    def _atlas(self, font: Font) -> GlyphAtlas:
        atlas = self._atlases.get(font.path)
        if atlas is None:
            atlas = self._atlases[font.path] = GlyphAtlas(
                ImageFont.truetype(str(font.path), self.size),
                font.drawable,
                self._verdicts.font(font.path, self.size),
            )
        return atlas

    def fonts_for(self, text: str) -> list[Font]:
        chars = "".join(sorted(set(text)))
        found = self._by_text.get(chars)
        if found is None:
            mask = (1 << len(self.fonts)) - 1
            for ch in chars:
                mask &= self._masks.get(ch, 0)
            found = self._by_text[chars] = [f for i, f in enumerate(self.fonts) if mask >> i & 1]
            if len(self._by_text) > 50000:
                self._by_text.clear()
        return found

    def can_render(self, text: str) -> bool:
        return bool(self.fonts_for(text))

    def render(self, text: str, rng: random.Random) -> np.ndarray:
        candidates = self.fonts_for(text)
        if not candidates:
            raise DataError(f"no usable font draws every character of {text!r}")
        self._renders += 1
        if self._renders % SAVE_EVERY == 0:
            self.save_verdicts()
        return self.render_with(rng.choice(candidates), text, rng)

    def save_verdicts(self) -> None:
        """Keep the fonts' pair verdicts for later runs (done every ``SAVE_EVERY`` renders by itself)."""
        self._verdicts.save_if_grown()

    def render_with(self, font: Font, text: str, rng: random.Random) -> np.ndarray:
        """``text`` in ``font``: a word, or a line of words (one pen, one slant, one ink)."""
        o = self.options
        atlas = self._atlas(font)
        stroke = rng.randint(*o.stroke_width)
        spacing = rng.uniform(*o.letter_spacing) * self.size if rng.random() < o.spacing_probability else None
        words = [self._set_word(atlas, word, stroke, spacing, rng) for word in text.split(" ")]
        mask = Image.fromarray(words[0][0] if len(words) == 1 else self._set_line(words, rng))
        shear = rng.uniform(*o.shear)
        return self._finish(_slant(mask, shear) if abs(shear) > 0.02 else mask, rng, len(words) > 1)

    def _set_word(
        self, atlas: GlyphAtlas, word: str, stroke: int, spacing: float | None, rng: random.Random
    ) -> Placed:
        """One word's coverage and its offset from the pen: set by the font, or letter by letter (with a
        ``spacing``) on wobbling baselines, as a hand would."""
        if spacing is None:
            return atlas.word(word, stroke)
        jitter = self.options.baseline_jitter
        baselines = [rng.uniform(-jitter, jitter) * self.size for _ in word]
        return atlas.word(word, stroke, spacing, baselines)

    def _set_line(self, words: list[Placed], rng: random.Random) -> np.ndarray:
        """Words in a row, a random blank between them, each baseline drifting from the last."""
        o = self.options
        parts: list[Placed] = []
        x, drift = 0, 0.0
        for bitmap, _left, top in words:
            if parts:
                x += round(rng.uniform(*o.word_spacing) * self.size)
                drift += rng.uniform(-o.line_drift, o.line_drift) * self.size
            parts.append((bitmap, x, top + round(drift)))
            x += bitmap.shape[1]
        return place(parts)[0]

    def _finish(self, mask: Image.Image, rng: random.Random, line: bool) -> np.ndarray:
        """Tight crop, random margins (a line's neighbours showing in them), height normalisation,
        then ink/paper levels."""
        o = self.options
        box = mask.getbbox()
        if box is None:
            mask, box = Image.new("L", (4, 4), 0), (0, 0, 4, 4)  # a word of blank glyphs
        left, top, right, bottom = box
        ink_h = bottom - top
        m = [rng.uniform(*o.margin) * ink_h for _ in range(4)]
        box = (int(left - m[0]), int(top - m[1]), int(right + m[2]) + 1, int(bottom + m[3]) + 1)
        crop = self._with_neighbours(mask, box, ink_h, rng) if line else mask.crop(box)
        scale = self.height / crop.height
        width = max(1, round(crop.width * scale * rng.uniform(*o.stretch)))
        small = crop.resize((width, self.height), Image.Resampling.BILINEAR)
        ink = rng.uniform(*o.ink)
        paper = rng.uniform(max(o.paper[0], ink + 60), max(o.paper[1], ink + 60))
        levels = np.clip(paper - np.arange(256, dtype=np.float32) * ((paper - ink) / 255.0), 0, 255)
        return levels.astype(np.uint8).take(np.asarray(small))

    def _with_neighbours(
        self, mask: Image.Image, box: tuple[int, int, int, int], ink_h: int, rng: random.Random
    ) -> Image.Image:
        """``box`` of the line's ``mask`` with, each at chance ``line_neighbours``, the line above and the
        line below a line pitch away: the same ink moved sideways, so the same hand with other letters
        facing this line's. A line box cut from a page catches their descenders and ascenders."""
        left, top, right, bottom = box
        crop = mask.crop(box)
        for direction in (-1, 1):
            if rng.random() < self.options.line_neighbours:
                dy = direction * round(rng.uniform(*NEIGHBOUR_PITCH) * ink_h)
                dx = round(rng.uniform(-0.3, 0.3) * (right - left))
                crop = ImageChops.lighter(crop, mask.crop((left + dx, top + dy, right + dx, bottom + dy)))
        return crop


def _slant(mask: Image.Image, shear: float) -> Image.Image:
    """Rows shifted by ``shear`` × their height above the middle line, the canvas widened to fit.

    Nearest-pixel shifts at render scale: the antialiased downscale that follows smooths their steps,
    at a third of the cost of interpolating here.
    """
    # input x = output x + shear·(y − h/2) − extra/2
    w, h = mask.size
    extra = int(abs(shear) * h) + 1
    return mask.transform(
        (w + extra, h),
        Image.Transform.AFFINE,
        (1, shear, -shear * h / 2 - extra / 2, 0, 1, 0),
        resample=Image.Resampling.NEAREST,
    )
