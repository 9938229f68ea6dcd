"""The six plugin families, their option models, and what the core hands to their hooks.

A plugin is a class with an ``Options`` pydantic model (``extra="forbid"`` so typos are errors, not
silently ignored settings) and a constructor taking a validated instance of it. Keeping construction
uniform lets the session spec build any family the same way, built-in or third-party.

This module, ``lfhtr.core.layout`` (what a segmenter returns), ``lfhtr.core.pseudolabels`` (helpers for
adaptation strategies) and ``lfhtr.core.network`` are everything a third-party plugin needs to import.
Only the last imports torch, so validating a spec never loads it.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from lfhtr.core.settings import DecodeSettings, LabelledSet, UnlabelledSet, WidthScale

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    import numpy as np

    from lfhtr.core.layout import PageLayout
    from lfhtr.core.network import RecognitionNet
    from lfhtr.text.charset import Charset


class PluginOptions(BaseModel):
    """Base of every plugin's options; unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


OptionsT = TypeVar("OptionsT", bound=PluginOptions)

Share = Annotated[float, Field(ge=0, le=1)]
"""A probability or a share of something, 0 to 1: the type of every such option."""


class Plugin(Generic[OptionsT]):
    """Common shape: ``cls(options)``; the class attribute names the options model.

    ``kind`` is the entry-point name the plugin was built under; the core sets it (``plugins.build``),
    so a checkpoint can record which plugin made each part.
    """

    Options: ClassVar[type[PluginOptions]] = PluginOptions
    kind: str = ""

    def __init__(self, options: OptionsT) -> None:
        self.options = options


@dataclass
class Reading:
    """What the model read in one image, and how sure it is (0-1): read for people (``lfhtr read``,
    transcribe, evaluate), the probability that the text is exactly right; inside training, the decoders'
    per-character score, which ranks readings without favouring short ones.

    ``alternatives`` are the runners-up with their probabilities, best first, where the decoding
    weighed several readings (lexicon decoding does). ``characters`` holds each character's probability
    where the reader was asked for them (a ``Reader`` with ``characters=True``).
    """

    text: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()
    characters: tuple[float, ...] = ()


@dataclass(frozen=True)
class BuildContext:
    """What a plugin may need beyond its own options when it is prepared for a session."""

    charset: Charset
    cache_dir: Path
    seed: int
    base_dir: Path = Path(".")

    def resolve(self, path: str | Path) -> Path:
        """Paths in a spec are relative to the spec file's folder, not to wherever lfhtr was started."""
        return self.base_dir / Path(path).expanduser()


class TextSampler(Plugin[OptionsT], ABC):
    """Draws words to render. ``prepare`` builds or loads the (cached) corpus model once."""

    @abstractmethod
    def prepare(self, context: BuildContext) -> None: ...

    @abstractmethod
    def sample(self, rng: random.Random) -> str: ...

    def lexicon(self) -> dict[str, float]:
        """Word → probability, for lexicon-constrained decoding; empty when the model has no lexicon."""
        return {}


class Renderer(Plugin[OptionsT], ABC):
    """Draws a word as a greyscale image: dark ink on light paper, height normalised, width kept.

    For a line model (spec ``unit: line``) the text handed to ``can_render`` and ``render`` is a whole
    line, words joined by single spaces: draw it as one hand would write it (one pen, one slant).
    """

    @abstractmethod
    def prepare(self, context: BuildContext, height: int) -> None: ...

    @abstractmethod
    def can_render(self, text: str) -> bool:
        """Whether at least one usable font covers every character of ``text`` (no tofu boxes)."""

    @abstractmethod
    def render(self, text: str, rng: random.Random) -> np.ndarray:
        """``text`` (a word, or a line of words) as a uint8 array H×W with H = the prepared height; 0 is
        full ink, 255 is blank paper."""


class AugmenterOptions(PluginOptions):
    p: float = Field(0.5, ge=0.0, le=1.0, description="Probability of applying this augmenter to an image.")


class Augmenter(Plugin[OptionsT], ABC):
    """Perturbs a uint8 greyscale array (H×W, 0 = ink, 255 = paper); may change width, never height."""

    Options: ClassVar[type[PluginOptions]] = AugmenterOptions

    @abstractmethod
    def apply(self, image: np.ndarray, rng: random.Random) -> np.ndarray: ...


class ModelArchitecture(Plugin[OptionsT], ABC):
    """Builds a recogniser network for a charset and input height (the contract is in ``network.py``)."""

    @abstractmethod
    def build(self, num_classes: int, height: int) -> RecognitionNet: ...


class AdaptationOptions(PluginOptions):
    """The settings every adaptation strategy shares; the core's round loop reads these.

    A strategy's ``Options`` must derive from this class (the loop needs the target, the round count and
    the batch mix whatever the algorithm).
    """

    target: UnlabelledSet | None = Field(
        None, description="The unlabelled real images to adapt to (required)."
    )
    monitor: LabelledSet | None = Field(
        None, description="Optional labelled set whose CER is logged per round; never used for training."
    )
    checkpoint: str | None = Field(
        None, description="Model to start from; default: the best pretrain checkpoint."
    )
    rounds: Literal["auto"] | Annotated[int, Field(ge=1)] = Field(
        "auto",
        description="Self-training rounds; auto: 8, or up to 16 while rounds are short (a small target), "
        "so that the rounds train 1,600 steps in all.",
    )
    steps_per_round: Literal["auto"] | Annotated[int, Field(ge=1)] = Field(
        "auto",
        description="Optimiser steps per round; auto: enough to show each image it may train on about 13 "
        "times (from 50 to 400 steps), so a small target is read again before its errors are learnt.",
    )
    batch_size: int = Field(32, ge=2)
    lr: float = Field(3e-4, gt=0, le=10, description="Peak learning rate across all rounds.")
    synthetic_share: float = Field(
        0.25,
        ge=0,
        lt=1,
        description="Share of each batch that is synthetic: it keeps the model reading what it read before "
        "(at 0.5 a step trains on two real images where 0.25 trains on three, and adapts more slowly).",
    )
    augment: bool = Field(True, description="Apply the spec's augmenters to real images too.")
    save_every: int = Field(100, ge=1, description="Checkpoint every this many steps within a round.")
    held_back: float = Field(
        0.1,
        ge=0,
        lt=1,
        description="Share of the target never trained on and re-read every round, to tell without labels "
        "whether adaptation makes the readings worse (then the better model is kept); 0: off.",
    )
    width_scale: Literal["auto"] | WidthScale = Field(
        1.0,
        description="Stretch the target's widths by this to read and train on them (recorded in the "
        "adapted model); auto: the width the model reads the unlabelled target most confidently at.",
    )

    @property
    def synthetic_per_batch(self) -> int:
        """How many images of each training batch are synthetic; the rest are the target's."""
        return round(self.batch_size * self.synthetic_share)


AdaptOptionsT = TypeVar("AdaptOptionsT", bound=AdaptationOptions)


@dataclass(frozen=True)
class AdaptRound:
    """What the core's round loop hands a strategy's hooks during one round."""

    index: int
    """0-based round number."""
    rounds: int
    charset: Charset
    target: Sequence[np.ndarray]
    """The unlabelled target images a strategy may train on (uint8 H×W, 0 = ink), in a fixed order: all
    but those the core holds back to check the adaptation (``adapt.held_back``)."""
    pseudo_labels: Sequence[tuple[np.ndarray, str]]
    """This round's chosen images with their readings (empty while choosing)."""
    previous: Mapping[str, str]
    """Last round's pseudo-labels, image name → text."""
    read: Callable[[Sequence[np.ndarray]], list[Reading]]
    """The current model's greedy readings of some images, in order (read as one batch)."""
    augment: Callable[[np.ndarray, random.Random], np.ndarray]
    """An image through the spec's augmenters, drawing randomness from the given generator."""


class AdaptationStrategy(Plugin[AdaptOptionsT], ABC):
    """Adapts a pretrained recogniser to unlabelled real images: hooks called by the core's round loop.

    Each round the core reads every target image (with ``decoding()``), asks ``choose`` which readings
    to train on, logs and checkpoints them, stops early if ``stop`` says so, then trains
    ``steps_per_round`` steps on batches whose real part comes from ``real_batch`` and whose synthetic
    part the core fills in. Resume, progress, logging and the final model are the core's; a strategy
    that keeps state of its own hands it over in ``state_dict`` and gets it back on ``--resume``.
    """

    Options: ClassVar[type[PluginOptions]] = AdaptationOptions
    options: AdaptOptionsT

    def state_dict(self) -> dict[str, Any]:
        """The strategy's own state, saved with every adaptation checkpoint: plain data only (str, int,
        float, bool, None, lists and dicts of them, torch tensors), which loads without unpickling."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Take back what ``state_dict`` returned, when an interrupted adaptation is resumed; called
        before any other hook of the resumed run."""

    def decoding(self) -> DecodeSettings:
        """How the target is read before ``choose``: greedy, without the lexicon, unless overridden."""
        return DecodeSettings(method="greedy", lexicon=False)

    def ranks_by_probability(self) -> bool:
        """Whether the readings ``choose`` gets carry the probability of being right as their confidence
        (the target read five more times a round) rather than the decoders' per-character score."""
        return False

    @abstractmethod
    def choose(self, readings: Sequence[Reading], current: AdaptRound) -> list[int]:
        """Indices of the target readings to use as this round's pseudo-labels."""

    def stop(self, current: AdaptRound, kept: int, changed: int) -> bool:
        """Whether to end adaptation after choosing this round's labels (``changed``: how many differ)."""
        return False

    def real_batch(
        self, current: AdaptRound, rng: random.Random, count: int
    ) -> tuple[list[np.ndarray], list[str]]:
        """Up to ``count`` real images and their training texts for one step; synthetic fills the rest.

        The default draws this round's pseudo-labels at random and augments them when
        ``options.augment`` is on. Draw every random number from ``rng``: it is seeded by the step, so a
        resumed round repeats its batches.
        """
        items = current.pseudo_labels
        chosen = [rng.choice(items) for _ in range(count if items else 0)]
        images = [current.augment(image, rng) if self.options.augment else image for image, _ in chosen]
        return images, [text for _, text in chosen]


class Segmenter(Plugin[OptionsT], ABC):
    """Finds the text regions and lines of a page scan, in reading order.

    ``version`` names the segmenter's behaviour: bump it whenever the same page would come out
    differently, so layouts cached from an earlier version are found again, not reused.
    """

    version: ClassVar[str] = "1"

    def prepare(self, context: BuildContext) -> None:
        """Load weights or other resources once, before the first page (paths via ``context.resolve``)."""

    @abstractmethod
    def segment(self, page: np.ndarray) -> PageLayout:
        """The layout of one page: ``page`` is the whole scan as uint8 H×W greyscale (0 = ink, 255 =
        paper), already turned upright by its EXIF tag and scaled from 16 bits; coordinates are its
        pixels. Return the regions and lines found, in reading order; none where the page is blank."""
