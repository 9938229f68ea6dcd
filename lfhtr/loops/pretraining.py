"""The pretraining loop: synthetic batches, validation on a fixed synthetic set, checkpoints, resume.

Model selection uses the fixed synthetic validation set only: an optional real labelled set is shown for
monitoring, but picking checkpoints by it would leak labels into a pipeline meant to need none.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lfhtr.datasets.labels import LabelledImages
from lfhtr.log import log
from lfhtr.loops.early_stopping import EarlyStopping
from lfhtr.loops.feed import SyntheticChunks, synthetic_batches
from lfhtr.loops.interrupt import saving_on_interrupt
from lfhtr.loops.metadata import checkpoint_meta
from lfhtr.pipeline import SynthPipeline
from lfhtr.plots import plot_pretraining
from lfhtr.progress import progress
from lfhtr.reading.measure import measure
from lfhtr.reading.reader import Reader
from lfhtr.session import Session
from lfhtr.train import checkpoint, distributed, runlog
from lfhtr.train.distributed import Ranks
from lfhtr.train.trainer import Trainer


@dataclass
class Validation:
    """The fixed synthetic set that selects checkpoints, and the optional real set shown beside it."""

    images: list[np.ndarray]
    texts: list[str]
    real: LabelledImages | None


@dataclass
class Pretraining:
    session: Session
    trainer: Trainer
    stopping: EarlyStopping
    validation: Validation
    ranks: Ranks

    @property
    def last(self) -> Path:
        return self.session.checkpoint_path("pretrain-last")

    @property
    def best(self) -> Path:
        return self.session.checkpoint_path("pretrain-best")

    @property
    def log(self) -> Path:
        return self.session.output / "logs" / "pretrain.jsonl"

    def save(self, *paths: Path, **extra: Any) -> None:
        if not self.ranks.main:
            return
        best = {"best_cer": self.stopping.best} if math.isfinite(self.stopping.best) else {}
        meta = checkpoint_meta(
            self.session, self.trainer.recognizer, "pretrain", self.trainer.step, **best, **extra
        )
        state = {**self.trainer.state_dict(), "early_stopping": self.stopping.state_dict()}
        for path in paths:
            checkpoint.save(path, state, meta)

    def resume(self, device: Any) -> None:
        state, meta = checkpoint.load(self.last, device)
        checkpoint.resumable(self.last, meta, self.trainer.recognizer.meta())
        self.trainer.load_state_dict(state)
        self.stopping.load_state_dict(state["early_stopping"])
        if self.ranks.main:
            runlog.truncate_after(self.log, "step", self.trainer.step)
        log.info(f"pretrain: resuming at step {self.trainer.step}")

    def validate(self) -> bool:
        """Measure, log and checkpoint (rank 0 only); whether early stopping says to stop."""
        reader = Reader(self.trainer.recognizer)
        v = self.validation
        metrics, _ = measure(reader, v.images, v.texts)
        record: dict[str, Any] = {"step": self.trainer.step, "time": time.time(), "synth": metrics}
        if v.real is not None:
            record["real"], _ = measure(reader, v.real.images, v.real.texts)
        improved = self.stopping.update(metrics["cer"])
        self.save(*([self.last, self.best] if improved else [self.last]), metrics=record)
        runlog.append(self.log, record)
        plot_pretraining(runlog.read(self.log), self.log.with_suffix(".png"))
        shown = f"synth CER {metrics['cer']:.3f}" + (
            f", real CER {record['real']['cer']:.3f}" if v.real else ""
        )
        log.info(f"step {self.trainer.step}: {shown}" + (" (best)" if improved else ""))
        return self.stopping.exhausted

    def run(self, pipeline: SynthPipeline, device: Any) -> Path:
        """Train from the trainer's step to ``pretrain.steps`` (or early stopping); the best checkpoint."""
        settings, trainer, ranks, job = self.session.spec.pretrain, self.trainer, self.ranks, self
        chunks = SyntheticChunks(pipeline, self.session.charset, settings.batch_size, ranks.rank, ranks.world)
        batches = synthetic_batches(chunks, trainer.step, settings.workers)
        model = distributed.wrap(trainer.objective, ranks, device)
        smoothed = math.nan
        with (
            progress("step") as bar,
            saving_on_interrupt(
                lambda: job.save(job.last),
                lambda: f"pretrain interrupted at step {trainer.step}; continue with --resume.",
            ) as stop,
        ):
            task = bar.add_task("pretrain", total=settings.steps, completed=trainer.step, status="")
            while trainer.step < settings.steps:
                loss = trainer.train_step(next(batches), model)
                smoothed = loss if math.isnan(smoothed) else 0.98 * smoothed + 0.02 * loss
                bar.update(task, advance=1, status=f"loss {smoothed:.3f}")
                at_validation = trainer.step % settings.val_every == 0 or trainer.step == settings.steps
                if at_validation and distributed.agree(ranks.main and job.validate(), ranks):
                    patience = settings.patience
                    log.info(f"pretrain: no better synthetic CER for {patience} validations; stopping")
                    break
                stop.check()
        log.info(f"pretrain: best synthetic CER {job.stopping.best:.3f}; checkpoint {job.best}")
        return job.best
