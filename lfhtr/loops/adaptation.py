"""The adaptation round loop: the core owns it and calls the strategy's hooks.

Each round reads every target image, lets the strategy ``choose`` its pseudo-labels, logs and
checkpoints them, then trains ``steps_per_round`` steps on batches that mix the strategy's
``real_batch`` with synthetic words. Resume state, progress, logs and the final model belong to this
loop, so a third-party strategy gets all of them by implementing a hook or two (after mkdocs'
``run_event`` and Lightning's ``Trainer`` calling ``training_step``: the loop calls, never the other way).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lfhtr import tsv
from lfhtr.atomic import atomic_write
from lfhtr.core import pseudolabels
from lfhtr.core.interfaces import AdaptationOptions, AdaptationStrategy, AdaptRound, Reading
from lfhtr.datasets.labels import LabelledImages
from lfhtr.imaging.folder import ImageSet
from lfhtr.log import log
from lfhtr.loops.heldback import HeldBackCheck, held_back_indices
from lfhtr.loops.interrupt import saving_on_interrupt
from lfhtr.loops.metadata import checkpoint_meta
from lfhtr.loops.roundplan import RoundPlan
from lfhtr.pipeline import STREAMS, SynthPipeline
from lfhtr.plots import plot_adaptation
from lfhtr.progress import progress
from lfhtr.reading.measure import measure
from lfhtr.reading.reader import Reader, reader_for
from lfhtr.session import Session
from lfhtr.text.charset import Charset
from lfhtr.train import checkpoint, runlog
from lfhtr.train.batching import collate
from lfhtr.train.distributed import SINGLE_PROCESS, Ranks
from lfhtr.train.trainer import Trainer
from lfhtr.train.widthscale import choose_width_scale

READ_BATCH = 64
"""Batch size for reading the target and the monitor set (inference only)."""


def fresh_state() -> dict[str, Any]:
    return {"round": 0, "labels": None, "previous": {}, "step_in_round": 0, "width_scale": None}


@dataclass
class AdaptPaths:
    last: Path
    final: Path
    log: Path
    trusted: Path
    """The latest model the held-back check trusts, put back if a later one drifts."""


@dataclass
class AdaptLoop:
    session: Session
    strategy: AdaptationStrategy[AdaptationOptions]
    trainer: Trainer
    pipeline: SynthPipeline
    target: ImageSet
    monitor: LabelledImages | None
    paths: AdaptPaths
    plan: RoundPlan
    """``adapt.rounds`` and ``adapt.steps_per_round``, resolved."""
    ranks: Ranks = SINGLE_PROCESS
    model: torch.nn.Module | None = None  # the trainer's objective, DDP-wrapped under torchrun
    state: dict[str, Any] = field(default_factory=fresh_state)

    @property
    def options(self) -> AdaptationOptions:
        return self.strategy.options

    @property
    def charset(self) -> Charset:
        return self.trainer.recognizer.charset

    def resume(self, device: torch.device) -> None:
        """Continue from the last checkpoint: weights, optimiser, RNGs, where the round stood, and the
        strategy's own state."""
        state, meta = checkpoint.load(self.paths.last, device)
        checkpoint.resumable(self.paths.last, meta, self.trainer.recognizer.meta())
        self.trainer.load_state_dict(state)
        self.strategy.load_state_dict(state.get("strategy", {}))
        self.state = {"width_scale": self.trainer.recognizer.width_scale, **state["adapt"]}
        if self.ranks.main:  # a round whose labels are not in the state is chosen (and logged) again
            chosen = self.state["round"] + (self.state["labels"] is not None)  # rounds whose labels are kept
            runlog.truncate_after(self.paths.log, "round", chosen)
        log.info(f"adapt: resuming round {self.state['round'] + 1}, step {self.state['step_in_round']}")

    def run(self) -> Path:
        """Every round from where the state stands, then the final model; resumable mid-round."""
        state = self.state
        if state["width_scale"] is None:
            state["width_scale"] = self._width_scale()
        self.trainer.recognizer.width_scale = state["width_scale"]
        while state["round"] < self.plan.rounds:
            r = state["round"]
            if state["labels"] is None:
                labels = self._choose(r)
                if labels is None:
                    break
                state.update(labels=list(labels.items()), step_in_round=0)
            self._train(r)
            state.update(round=r + 1, previous=dict(state["labels"]), labels=None, step_in_round=0)
            self.save()
        return self.finish()

    def _width_scale(self) -> float:
        """``adapt.width_scale``, or with ``auto`` the one the model reads the unlabelled target best at."""
        if self.options.width_scale != "auto":
            return float(self.options.width_scale)
        scale, tried = choose_width_scale(self.trainer.recognizer, self.target.images, self.session.spec.seed)
        shown = ", ".join(f"{s:.2f}: {c:.3f}" for s, c in tried)
        log.info(f"adapt: target read at width scale {scale:.2f} (mean score per scale: {shown})")
        if self.ranks.main:
            record = {"width_scale": scale, "mean_score": {f"{s:g}": c for s, c in tried}}
            atomic_write(self.paths.log.parent / "adapt-width-scale.json", json.dumps(record, indent=2))
        return scale

    def _view(self, r: int, pseudo_labels: Sequence[tuple[np.ndarray, str]]) -> AdaptRound:
        return AdaptRound(
            r,
            self.plan.rounds,
            self.charset,
            self._trainable,
            pseudo_labels,
            self.state["previous"],
            self._read_as_one_batch,
            self.pipeline.augment,
        )

    @cached_property
    def _trainable(self) -> list[np.ndarray]:
        """The target images a strategy may train on: all but the held-back ones."""
        held = set(self._held_back.indices)
        return [image for i, image in enumerate(self.target.images) if i not in held]

    def _read_as_one_batch(self, images: Sequence[np.ndarray]) -> list[Reading]:
        return Reader(self.trainer.recognizer, batch_size=max(1, len(images))).read(images)

    @cached_property
    def _target_reader(self) -> Reader:
        """Reads the target as the strategy asks, every round (its lexicon is indexed once)."""
        return reader_for(
            self.session,
            self.trainer.recognizer,
            self.strategy.decoding(),
            READ_BATCH,
            "adapt.lexicon",
            self.pipeline.sampler,
            probability=self._ranking == "probability",
        )

    @cached_property
    def _ranking(self) -> str:
        """The name of the figure that ranks the pseudo-labels, as the logs and TSVs call it."""
        return "probability" if self.strategy.ranks_by_probability() else "score"

    @cached_property
    def _held_back(self) -> HeldBackCheck:
        indices = held_back_indices(len(self.target.images), self.options.held_back, self.session.spec.seed)
        check = HeldBackCheck(indices, figure=self._ranking)
        check.load_state_dict(self.state.get("held_back", {}))
        return check

    def _check_held_back(self, r: int, readings: Sequence[Reading]) -> dict[str, float] | None:
        """Round r's figures on the held-back images (``readings``: the round model's readings of them);
        the model is kept as the trusted one unless it drifts."""
        check = self._held_back
        if not check.indices:
            return None
        figures = check.measure(readings)
        self.state["held_back"] = check.state_dict()
        if not check.drifting(figures) and self.ranks.main:
            checkpoint.save(
                self.paths.trusted, {"model": self.trainer.net.state_dict()}, self._describe("adapt")
            )
            self.state["trusted_round"] = r
        return figures

    def _fall_back(self, r: int, figures: dict[str, float]) -> None:
        """Say that round r's model drifted, and put the trusted one's weights back."""
        kept = self.state.get("trusted_round", 0)
        log.warning(
            f"adapt: after round {r} the model rewrote {figures['surest_changed']:.0%} of the characters "
            "of the readings it started surest of, on images it never trained on: it is learning its own "
            f"errors. Keeping {f'the model after round {kept}' if kept else 'the model it started from'}."
        )
        state, _meta = checkpoint.load(self.paths.trusted, self.trainer.device)
        self.trainer.net.load_state_dict(state["model"])
        self.state["drifted"] = True

    def _choose(self, r: int) -> dict[str, str] | None:
        """Round r's pseudo-labels (image name → text), or None when the strategy stops."""
        readings = self._target_reader.read(self.target.images, f"round {r + 1}: reading")
        held_back = set(self._held_back.indices)
        held = self._check_held_back(r, [readings[i] for i in self._held_back.indices])
        view = self._view(r, [])
        kept = sorted(i for i in self.strategy.choose(readings, view) if i not in held_back)
        current = {self.target.names[i]: readings[i].text for i in kept}
        changed = pseudolabels.changed(self.state["previous"], current)
        self._log_round(r, readings, kept, changed, held)
        if held is not None and self._held_back.drifting(held):
            self._fall_back(r, held)
            return None
        if not kept:
            log.warning(f"adapt: round {r + 1} keeps no pseudo-labels; it trains on synthetic words only")
        if self.strategy.stop(view, len(kept), changed):
            log.info(f"adapt: stopping after choosing round {r + 1}'s labels ({changed} changed)")
            return None
        return current

    def _train(self, r: int) -> None:
        """Train round r from ``state['step_in_round']`` on; each batch is a function of its step.

        Everything random derives from (seed, step, rank), so a resumed round repeats its batches and no
        two ranks draw the same ones.
        """
        o, state, plan = self.options, self.state, self.plan
        index = {name: i for i, name in enumerate(self.target.names)}
        items = [(self.target.images[index[name]], text) for name, text in state["labels"] if name in index]
        if len(items) < len(state["labels"]):
            gone = len(state["labels"]) - len(items)
            log.warning(
                f"adapt: {gone} pseudo-labelled images are no longer in adapt.target; training without them"
            )
        view = self._view(r, items)
        synthetic = o.synthetic_per_batch
        status = f"{len(items)} labels"
        with (
            progress("step") as bar,
            saving_on_interrupt(
                self.save,
                lambda: (
                    f"adapt interrupted in round {r + 1} at step {state['step_in_round']}; "
                    "continue with --resume."
                ),
            ) as stop,
        ):
            task = bar.add_task(
                f"round {r + 1}/{plan.rounds}",
                total=plan.steps_per_round,
                completed=state["step_in_round"],
                status=status,
            )
            while state["step_in_round"] < plan.steps_per_round:
                step = r * plan.steps_per_round + state["step_in_round"]
                draw = step * self.ranks.world + self.ranks.rank
                rng = random.Random(self.session.spec.seed * 1_000_003 + draw)
                real_images, real_texts = self.strategy.real_batch(view, rng, o.batch_size - synthetic)
                images = [self.trainer.recognizer.scaled(image) for image in real_images]
                texts = list(real_texts)
                base = STREAMS["adapt"] + draw * o.batch_size
                for text, image in self.pipeline.samples(range(base, base + o.batch_size - len(images))):
                    images.append(image)
                    texts.append(text)
                loss = self.trainer.train_step(collate(images, texts, self.charset), self.model)
                state["step_in_round"] += 1
                bar.update(task, advance=1, status=f"loss {loss:.3f}, {status}")
                if state["step_in_round"] % o.save_every == 0:
                    self.save()
                stop.check()

    def _monitor_metrics(self) -> dict[str, float] | None:
        """The monitor set's metrics; measured by rank 0 alone, the only rank that logs them."""
        if self.monitor is None or not self.ranks.main:
            return None
        reader = Reader(self.trainer.recognizer, batch_size=READ_BATCH)
        metrics, _ = measure(reader, self.monitor.images, self.monitor.texts)
        return metrics

    def _log_round(
        self, r: int, readings: list[Reading], kept: list[int], changed: int, held: dict[str, float] | None
    ) -> None:
        chosen = [readings[i].confidence for i in kept]
        mean = f"mean_{self._ranking}"
        record: dict[str, Any] = {
            "round": r + 1,  # the round these labels train; its figures are of the model that chose them
            "time": time.time(),
            "images": len(readings),
            "kept": len(kept),
            "changed": changed,
            f"{mean}_kept": sum(chosen) / max(1, len(chosen)),
            f"{mean}_all": sum(x.confidence for x in readings) / max(1, len(readings)),
            "monitor": self._monitor_metrics(),
            "held_back": held,
        }
        if self.ranks.main:
            runlog.append(self.paths.log, record)
            atomic_write(
                self.paths.log.parent / f"adapt-round-{r + 1}.tsv",
                tsv.row("file", "text", self._ranking)
                + "".join(
                    tsv.row(self.target.names[i], readings[i].text, f"{readings[i].confidence:.4f}")
                    for i in kept
                ),
            )
        shown = f", monitor greedy CER {record['monitor']['cer']:.4f}" if record["monitor"] else ""
        log.info(
            f"adapt round {r + 1}: kept {len(kept)}/{len(readings)}, "
            f"mean {self._ranking} {record[f'{mean}_kept']:.3f}, changed {changed}{shown}"
        )

    def _describe(self, stage: str, **extra: Any) -> dict[str, Any]:
        return checkpoint_meta(self.session, self.trainer.recognizer, stage, self.trainer.step, **extra)

    def save(self) -> None:
        if self.ranks.main:
            meta = self._describe("adapt", round=self.state["round"])
            state = {**self.trainer.state_dict(), "adapt": self.state, "strategy": self.strategy.state_dict()}
            checkpoint.save(self.paths.last, state, meta)

    def finish(self) -> Path:
        if not self.ranks.main:
            return self.paths.final
        if self._held_back.indices and not self.state.get("drifted"):
            images = [self.target.images[i] for i in self._held_back.indices]
            held = self._check_held_back(self.state["round"], self._target_reader.read(images))
            if held is not None and self._held_back.drifting(held):
                self._fall_back(self.state["round"], held)
        metrics = self._monitor_metrics()
        meta = self._describe(
            "adapted", rounds=self.state["round"], kept_round=self.state.get("trusted_round"), monitor=metrics
        )
        checkpoint.save(self.paths.final, {"model": self.trainer.net.state_dict()}, meta)
        logged, rounds = self.paths.log, self.state["round"]
        records = runlog.read(logged)
        kept_round = self.state.get("trusted_round")
        final = {
            "round": rounds,
            "final": True,
            "time": time.time(),
            "monitor": metrics,
            "kept_round": kept_round,
        }
        runlog.append(logged, final)
        plot_adaptation(records + [{"round": rounds, "monitor": metrics}], logged.parent / "adapt.png")
        if metrics:
            log.info(f"adapt: final monitor greedy CER {metrics['cer']:.4f}, WER {metrics['wer']:.4f}")
        log.info(f"adapt: adapted model in {self.paths.final}")
        return self.paths.final
