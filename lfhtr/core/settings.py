"""Settings models shared by the session spec and the plugin interfaces: data sets and decoding.

They live apart from ``spec.py`` so that ``interfaces.py`` can use them (the core adaptation settings
name a target and a monitor set) without importing the spec, which imports the interfaces.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_CHARSET = 4096
"""More characters than any script a model reads (Latin with every mark, Greek, Cyrillic together):
the bound keeps a stranger's model file from sizing a network's output layer past any machine."""

CharsetText = Annotated[
    str, Field(min_length=1, max_length=MAX_CHARSET, description="Every character the model can read.")
]
Height = Annotated[int, Field(ge=16, le=256, description="Image height the model reads, in pixels.")]
WidthScale = Annotated[
    float,
    Field(ge=0.25, le=4.0, description="Every image's width is stretched by this before it is read."),
]
"""Hands are written from a quarter to four times as wide as fonts draw them; beyond that a scale is
an error, and an untrusted one would allocate huge images."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


PAGES = (
    "Folder of PAGE-XML or ALTO files describing the page scans in `images` (eScriptorium, kraken, "
    "Transkribus exports): each word region is one image, named '<xml stem>/<region id>'; a labelled set "
    "takes its text from TextEquiv/Unicode (PAGE) or String CONTENT (ALTO), and ignores labels/format. "
    "'auto': the scans in `images` are segmented by the spec's `segmenter` (cached by scan and segmenter "
    "version) and their lines read, named '<scan stem>/<line id>'."
)


class LabelledSet(Strict):
    """A folder of word images with their transcriptions, used for measuring only."""

    images: str = Field(description="Folder of word images (relative paths are against the spec's folder).")
    labels: str | None = Field(
        None,
        description="Label file; default: labels.tsv in the images folder (words.txt for iam, "
        "transcripts.txt for transcripts).",
    )
    format: Literal["tsv", "iam", "transcripts", "filename"] = Field(
        "tsv",
        description="tsv: file<TAB>text (labels.tsv); iam: IAM words.txt; transcripts: 'file text' lines "
        "(transcripts.txt); filename: the text is in each file's name (see pattern).",
    )
    pattern: str = Field(
        r"[^_]*_(?P<text>.+)",
        description="format filename: a regular expression with a 'text' group, matched against the whole "
        "file name without its suffix (default: the text after the first '_', as in 0001_Washington.png).",
    )
    include: list[str] = Field(
        default_factory=lambda: ["*"],
        description="Glob patterns on file names to keep, e.g. ['276-*'] (with pages: on the XML files).",
    )
    limit: int | None = Field(None, ge=1, description="Use at most this many images (sorted by name).")
    pages: str | None = Field(None, description=PAGES)

    @field_validator("pattern")
    @classmethod
    def _has_a_text_group(cls, pattern: str) -> str:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression ({exc})") from None
        if "text" not in compiled.groupindex:
            raise ValueError("needs a group named text, e.g. '[^_]*_(?P<text>.+)'")
        return pattern


class UnlabelledSet(Strict):
    """A folder of word images without transcriptions: the target domain to adapt to."""

    images: str = Field(description="Folder of word images; any labels beside them are never read.")
    include: list[str] = Field(
        default_factory=lambda: ["*"], description="Glob patterns on file names (with pages: XML files)."
    )
    limit: int | None = Field(None, ge=1, description="Use at most this many images (sorted by name).")
    pages: str | None = Field(None, description=PAGES)


class DecodeSettings(Strict):
    method: Literal["greedy", "beam"] = Field(
        "greedy", description="Decoding without the lexicon's character model: best path or CTC beam search."
    )
    beam_width: int = Field(10, ge=1, description="Readings kept at each step of a beam search.")
    lexicon: bool = Field(
        True,
        description="Read each word as the corpus word the image supports best (CTC likelihood times word "
        "prior); a clearly written unknown word is kept. Needs a corpus sampler with a word list.",
    )
    char_model: float = Field(
        0.2,
        ge=0,
        description="With the lexicon: the weight of a character n-gram of its words in a beam search that "
        "comes before the snapping (it mends words split, joined or misread out of the lexicon); 0 snaps "
        "the `method` reading.",
    )
    char_bonus: float = Field(
        1.0, description="Log-probability added per character in that search, against short readings."
    )
