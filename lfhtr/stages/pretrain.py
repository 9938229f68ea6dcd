"""`lfhtr run pretrain`: train the recogniser on synthetic words rendered on the fly.

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

from lfhtr import pretrained
from lfhtr.imaging.labels import LabelledImages, load_labelled
from lfhtr.log import log
from lfhtr.pipeline import build_pipeline
from lfhtr.plots import plot_pretraining
from lfhtr.progress import progress
from lfhtr.runrecord import record_start
from lfhtr.session import Session
from lfhtr.stages.common import checkpoint_path, guard_fresh_start, set_aside_adapted, setup
from lfhtr.train import checkpoint, distributed, runlog
from lfhtr.train.distributed import Ranks
from lfhtr.train.early_stopping import EarlyStopping
from lfhtr.train.feed import SyntheticChunks, synthetic_batches, validation_set
from lfhtr.train.interrupt import saving_on_interrupt
from lfhtr.train.measure import measure
from lfhtr.train.reader import Reader
from lfhtr.train.recognizer import Recognizer
from lfhtr.train.trainer import Schedule, Trainer
from lfhtr.train.warmstart import warm_start


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
        return checkpoint_path(self.session, "pretrain-last")

    @property
    def best(self) -> Path:
        return checkpoint_path(self.session, "pretrain-best")

    @property
    def log(self) -> Path:
        return self.session.output / "logs" / "pretrain.jsonl"

    def save(self, *paths: Path, **extra: Any) -> None:
        if not self.ranks.main:
            return
        best = {"best_cer": self.stopping.best} if math.isfinite(self.stopping.best) else {}
        meta = checkpoint.describe(
            self.session, self.trainer.recognizer, "pretrain", self.trainer.step, **best, **extra
        )
        state = {**self.trainer.state_dict(), "early_stopping": self.stopping.state_dict()}
        for path in paths:
            checkpoint.save(path, state, meta)

    def resume(self, device: Any) -> None:
        state, meta = checkpoint.load(self.last, device)
        checkpoint.resumable(self.last, meta, self.trainer.recognizer)
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


def run(session: Session, resume: bool = False, restart: bool = False) -> Path:
    spec = session.spec
    settings = spec.pretrain
    resuming = guard_fresh_start(checkpoint_path(session, "pretrain-last"), "pretrain", resume, restart)
    start = None if resuming or settings.init is None else pretrained.resolve(settings.init, session.base_dir)
    ranks = distributed.from_environment()
    device = setup(session, ranks)
    pipeline = build_pipeline(session)
    recognizer = Recognizer(session.build("model", spec.model), session.charset, spec.height)
    recognizer.net.to(device)
    trainer = Trainer(
        recognizer,
        Schedule(settings.steps, settings.lr, settings.weight_decay, settings.warmup, settings.grad_clip),
        device,
        spec.hardware.amp,
    )
    val_images, val_texts = validation_set(pipeline, settings.val_size)
    real = (
        load_labelled(settings.real_val, session.resolve, spec.height, recognizer.unit)
        if settings.real_val
        else None
    )
    job = Pretraining(
        session, trainer, EarlyStopping(settings.patience), Validation(val_images, val_texts, real), ranks
    )
    if resuming:
        job.resume(device)
    else:
        if start is not None:
            warm_start(recognizer, start)
        if ranks.main:
            job.log.unlink(missing_ok=True)
            set_aside_adapted(session)
    if ranks.main:
        record_start(session, "pretrain")
    params = sum(p.numel() for p in recognizer.net.parameters())
    log.info(f"pretrain: {spec.model.kind} with {params / 1e6:.2f} M parameters, {settings.steps} steps")
    if ranks.active:
        log.info(f"pretrain: {ranks.world} processes of {settings.batch_size} images per step")

    chunks = SyntheticChunks(pipeline, session.charset, settings.batch_size, ranks.rank, ranks.world)
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
                log.info(f"pretrain: no better synthetic CER for {settings.patience} validations; stopping")
                break
            stop.check()
    distributed.finish(ranks)
    log.info(f"pretrain: best synthetic CER {job.stopping.best:.3f}; checkpoint {job.best}")
    return job.best
