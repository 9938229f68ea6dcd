"""Built-in adaptation strategies.

Self-training after Wolf & Fink (ICPR 2022, arXiv 2206.03149): the model reads the unlabelled images,
keeps its most confident readings (optionally snapped to the corpus lexicon), trains on them mixed with
synthetic words so it does not drift away from what it already reads, and repeats with a growing share.
"""

from __future__ import annotations

import random
from typing import Any

from pydantic import Field

from lfhtr.adaptation import AdaptRun
from lfhtr.core.interfaces import AdaptationStrategy, PluginOptions
from lfhtr.core.spec import LabelledSet, UnlabelledSet
from lfhtr.progress import console, progress
from lfhtr.stages.common import Interrupted
from lfhtr.train import pseudolabels
from lfhtr.train.batching import collate


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
    rounds: int = Field(4, ge=1, description="Self-training rounds.")
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
        o = self.options
        state = run.state
        while state["round"] < o.rounds:
            r = state["round"]
            if state["labels"] is None:  # the round has not chosen its pseudo-labels yet
                readings = run.read_target(o.decode, o.lexicon)
                fraction = pseudolabels.keep_fraction(r, o.rounds, o.keep_start, o.keep_end)
                kept = pseudolabels.select(readings, fraction, o.min_confidence, run.charset)
                current = {run.target.names[i]: readings[i].text for i in kept}
                change = pseudolabels.changed(state["previous"], current)
                state.update(labels=[[run.target.names[i], readings[i].text] for i in kept], step_in_round=0)
                run.log_round(r, readings, kept, change)
                if r > 0 and o.stop_change and change < o.stop_change * max(1, len(kept)):
                    console.print(f"adapt: only {change} pseudo-labels changed; stopping")
                    break
            self._train_round(run, r)
            state.update(round=r + 1, previous=dict(state["labels"]), labels=None, step_in_round=0)
            run.save()
        return run.finish()

    def _train_round(self, run: AdaptRun, r: int) -> None:
        o = self.options
        state = run.state
        labelled = {name: text for name, text in state["labels"]}
        index = {name: i for i, name in enumerate(run.target.names)}
        items = [(run.target.images[index[n]], t) for n, t in labelled.items()]
        synthetic = round(o.batch_size * o.synthetic_share)
        real = o.batch_size - synthetic
        with progress("step") as bar:
            task = bar.add_task(
                f"adapt round {r + 1}/{o.rounds}",
                total=o.steps_per_round,
                completed=state["step_in_round"],
                status=f"{len(items)} pseudo-labels",
            )
            try:
                while state["step_in_round"] < o.steps_per_round:
                    step = r * o.steps_per_round + state["step_in_round"]
                    rng = random.Random(run.seed * 1_000_003 + step)
                    images, texts = [], []
                    for image, text in (rng.choice(items) for _ in range(real if items else 0)):
                        images.append(run.pipeline.augment(image, rng) if o.augment else image)
                        texts.append(text)
                    for j in range(synthetic if items else o.batch_size):
                        text, image = run.pipeline.sample(run.synthetic_base + step * o.batch_size + j)
                        images.append(image)
                        texts.append(text)
                    loss = run.trainer.train_step(collate(images, texts, run.charset))
                    state["step_in_round"] += 1
                    bar.update(task, advance=1, status=f"loss {loss:.3f}")
                    if state["step_in_round"] % o.save_every == 0:
                        run.save()
            except KeyboardInterrupt:
                run.save()
                raise Interrupted(
                    f"adapt interrupted in round {r + 1} at step {state['step_in_round']}; "
                    "continue with --resume."
                ) from None
