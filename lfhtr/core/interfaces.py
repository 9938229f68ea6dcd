"""The five plugin families and their option models.

A plugin is a class with an ``Options`` pydantic model (``extra="forbid"`` so typos are errors, not
silently ignored settings) and a constructor taking a validated instance of it. Keeping construction
uniform lets the session spec build any family the same way, built-in or third-party.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    import numpy as np

    from lfhtr.core.network import RecognitionNet
    from lfhtr.text.charset import Charset


class PluginOptions(BaseModel):
    """Base of every plugin's options; unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid")


OptionsT = TypeVar("OptionsT", bound=PluginOptions)


class Plugin(Generic[OptionsT]):
    """Common shape: ``cls(options)``; the class attribute names the options model."""

    Options: ClassVar[type[PluginOptions]] = PluginOptions

    def __init__(self, options: OptionsT) -> None:
        self.options = options


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
    """Draws a word as a greyscale image: dark ink on light paper, height normalised, width kept."""

    @abstractmethod
    def prepare(self, context: BuildContext, height: int) -> None: ...

    @abstractmethod
    def can_render(self, text: str) -> bool:
        """Whether at least one usable font covers every character (no tofu boxes)."""

    @abstractmethod
    def render(self, text: str, rng: random.Random) -> np.ndarray:
        """uint8 array H×W with H = the prepared height; 0 is full ink, 255 is blank paper."""


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


class AdaptationStrategy(Plugin[OptionsT], ABC):
    """Adapts a pretrained recogniser to unlabelled real images."""

    @abstractmethod
    def adapt(self, session: Any) -> Any: ...
