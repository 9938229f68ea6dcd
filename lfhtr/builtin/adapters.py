"""Built-in adaptation strategies.

Self-training after Wolf & Fink (ICPR 2022, arXiv 2206.03149): the model reads the unlabelled images,
keeps its most confident readings (optionally snapped to the corpus lexicon), trains on them mixed with
synthetic words so it does not drift away from what it already reads, and repeats with a growing share.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import Field

from lfhtr.adaptation import AdaptRun
from lfhtr.core.interfaces import AdaptationStrategy, PluginOptions
from lfhtr.core.spec import LabelledSet, UnlabelledSet
from lfhtr.progress import console
from lfhtr.train import pseudolabels


class AdapterOptions(PluginOptions):
    target: UnlabelledSet | None = Field(
        None, description="The unlabelled real images to adapt to (required)."
    )
    monitor: LabelledSet | None = Field(
        None, description="Optional labelled set whose CER is logged per round; never used for training."
    )
    checkpoint: str | None = Field(
        None, description="Model to start from; default: the best pretrain checkpoint."
    )
    rounds: int = Field(8, ge=1, description="Self-training rounds.")
    steps_per_round: int = Field(400, ge=1, description="Optimiser steps per round.")
    batch_size: int = Field(32, ge=2)
    lr: float = Field(3e-4, gt=0, description="Peak learning rate across all rounds.")
    synthetic_share: float = Field(0.5, ge=0, lt=1, description="Share of each batch that is synthetic.")
    augment: bool = Field(True, description="Apply the spec's augmenters to real images too.")
    save_every: int = Field(100, ge=1, description="Checkpoint every this many steps within a round.")


class SelfTraining(AdaptationStrategy[AdapterOptions]):
    class Options(AdapterOptions):
        keep_start: float = Field(0.3, gt=0, le=1, description="Share of images kept in the first round.")
        keep_end: float = Field(0.8, gt=0, le=1, description="Share kept in the last round.")
        min_confidence: float = Field(
            0.0, ge=0, le=1, description="Never keep readings below this confidence."
        )
        lexicon: bool = Field(
            True, description="Snap pseudo-labels to the corpus lexicon before ranking them."
        )
        decode: str = Field(
            "greedy", pattern="^(greedy|beam)$", description="Decoding used for pseudo-labels."
        )
        stop_change: float = Field(
            0.0, ge=0, le=1, description="Stop early when fewer than this share of pseudo-labels change."
        )

    options: Options

    def adapt(self, run: AdaptRun) -> Any:
        return run.run_rounds(
            self.options.rounds, lambda r: self._choose(run, r), lambda r: self._train_round(run, r)
        )

    def _choose(self, run: AdaptRun, r: int) -> dict[str, str] | None:
        o = self.options
        readings = run.read_target(o.decode, o.lexicon)
        fraction = pseudolabels.keep_fraction(r, o.rounds, o.keep_start, o.keep_end)
        kept = pseudolabels.select(readings, fraction, o.min_confidence, run.charset)
        current = {run.target.names[i]: readings[i].text for i in kept}
        change = pseudolabels.changed(run.state["previous"], current)
        run.log_round(r, readings, kept, change)
        if r > 0 and o.stop_change and change < o.stop_change * max(1, len(kept)):
            console.print(f"adapt: only {change} pseudo-labels changed; stopping")
            return None
        return current

    def _train_round(self, run: AdaptRun, r: int) -> None:
        o = self.options
        index = {name: i for i, name in enumerate(run.target.names)}
        items = [(run.target.images[index[name]], text) for name, text in run.state["labels"]]

        def pseudo_labelled(rng: random.Random, count: int) -> tuple[list[np.ndarray], list[str]]:
            chosen = [rng.choice(items) for _ in range(count if items else 0)]
            return [run.pipeline.augment(img, rng) if o.augment else img for img, _ in chosen], [
                t for _, t in chosen
            ]

        run.train_round(r, o, pseudo_labelled, f"{len(items)} pseudo-labels")


class Consistency(AdaptationStrategy[AdapterOptions]):
    """FixMatch-style consistency: label the weak (clean) view on the fly, train the strongly augmented one.

    Pseudo-labels are refreshed every step by the current model and masked by confidence, so there are no
    stale labels between rounds; rounds only pace logging and checkpoints.
    """

    class Options(AdapterOptions):
        threshold: float = Field(
            0.7, ge=0, le=1, description="Train only on readings at least this confident."
        )
        strong_passes: int = Field(2, ge=1, le=4, description="Times the augmenters run for the strong view.")

    options: Options

    def adapt(self, run: AdaptRun) -> Any:
        o = self.options
        return run.run_rounds(
            o.rounds,
            lambda r: self._log_confident(run, r),
            lambda r: run.train_round(r, o, self._confident_strong_views(run), f"threshold {o.threshold}"),
        )

    def _log_confident(self, run: AdaptRun, r: int) -> dict[str, str]:
        """Labels are drawn fresh every step; per round only the confident share is logged."""
        readings = run.read_target()
        kept = pseudolabels.select(readings, 1.0, self.options.threshold, run.charset)
        current = {run.target.names[i]: readings[i].text for i in kept}
        run.log_round(r, readings, kept, pseudolabels.changed(run.state["previous"], current))
        return current

    def _confident_strong_views(
        self, run: AdaptRun
    ) -> Callable[[random.Random, int], tuple[list, list[str]]]:
        o = self.options

        def views(rng: random.Random, count: int) -> tuple[list[np.ndarray], list[str]]:
            weak = [run.target.images[rng.randrange(len(run.target.images))] for _ in range(count)]
            readings, _ = run.recognizer.read(weak, batch_size=max(1, count))
            images, texts = [], []
            for image, reading in zip(weak, readings):
                if reading.text and reading.confidence >= o.threshold and run.charset.covers(reading.text):
                    for _ in range(o.strong_passes):
                        image = run.pipeline.augment(image, rng)
                    images.append(image)
                    texts.append(reading.text)
            return images, texts

        return views
