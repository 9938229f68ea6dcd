"""Built-in adaptation strategies: hooks for the core's round loop (``lfhtr/loops/adaptation.py``).

Self-training after Wolf & Fink (ICPR 2022, arXiv 2206.03149): the model reads the unlabelled images,
keeps its most confident readings (optionally snapped to the corpus lexicon), trains on them mixed with
synthetic words so it does not drift away from what it already reads, and repeats with a growing share.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from lfhtr.core import pseudolabels
from lfhtr.core.interfaces import AdaptationOptions, AdaptationStrategy, AdaptRound, Reading
from lfhtr.core.settings import DecodeSettings

if TYPE_CHECKING:
    import numpy as np


class SelfTrainingOptions(AdaptationOptions):
    keep_start: float = Field(0.3, gt=0, le=1, description="Share of images kept in the first round.")
    keep_end: float = Field(0.8, gt=0, le=1, description="Share kept in the last round.")
    min_confidence: float = Field(
        0.0, ge=0, le=1, description="Never keep readings below this confidence (see `rank_by`)."
    )
    lexicon: bool = Field(True, description="Snap pseudo-labels to the corpus lexicon before ranking them.")
    decode: str = Field("greedy", pattern="^(greedy|beam)$", description="Decoding used for pseudo-labels.")
    char_model: float = Field(
        DecodeSettings().char_model,
        ge=0,
        description="With the lexicon: the weight of its character model in the beam search that reads "
        "the pseudo-labels; 0 snaps the `decode` reading.",
    )
    stop_change: float = Field(
        0.0, ge=0, le=1, description="Stop early when fewer than this share of pseudo-labels change."
    )
    rank_by: Literal["score", "probability"] = Field(
        "score",
        description="What ranks the pseudo-labels (and `min_confidence` bounds): the decoders' per-character "
        "score, or the probability of being right, which reads the target five more times a round.",
    )


class SelfTraining(AdaptationStrategy[SelfTrainingOptions]):
    Options = SelfTrainingOptions
    options: SelfTrainingOptions

    def decoding(self) -> DecodeSettings:
        o = self.options
        return DecodeSettings(method=o.decode, lexicon=o.lexicon, char_model=o.char_model)

    def ranks_by_probability(self) -> bool:
        return self.options.rank_by == "probability"

    def choose(self, readings: Sequence[Reading], current: AdaptRound) -> list[int]:
        o = self.options
        fraction = pseudolabels.keep_fraction(current.index, current.rounds, o.keep_start, o.keep_end)
        return pseudolabels.select(readings, fraction, o.min_confidence, current.charset)

    def stop(self, current: AdaptRound, kept: int, changed: int) -> bool:
        share = self.options.stop_change
        return current.index > 0 and bool(share) and changed < share * max(1, kept)


class ConsistencyOptions(AdaptationOptions):
    min_confidence: float = Field(
        0.7, ge=0, le=1, description="Train only on readings of at least this per-character score."
    )
    strong_passes: int = Field(2, ge=1, le=4, description="Times the augmenters run for the strong view.")


class Consistency(AdaptationStrategy[ConsistencyOptions]):
    """FixMatch-style consistency: label the weak (clean) view on the fly, train the strongly augmented one.

    Pseudo-labels are refreshed every step by the current model and masked by confidence, so there are no
    stale labels between rounds; rounds only pace logging and checkpoints (each round logs the confident
    share of the target).
    """

    Options = ConsistencyOptions
    options: ConsistencyOptions

    def choose(self, readings: Sequence[Reading], current: AdaptRound) -> list[int]:
        return pseudolabels.select(readings, 1.0, self.options.min_confidence, current.charset)

    def real_batch(
        self, current: AdaptRound, rng: random.Random, count: int
    ) -> tuple[list[np.ndarray], list[str]]:
        o = self.options
        weak = [current.target[rng.randrange(len(current.target))] for _ in range(count)]
        images, texts = [], []
        for image, reading in zip(weak, current.read(weak)):
            if pseudolabels.usable(reading, o.min_confidence, current.charset):
                for _ in range(o.strong_passes):
                    image = current.augment(image, rng)
                images.append(image)
                texts.append(reading.text)
        return images, texts
