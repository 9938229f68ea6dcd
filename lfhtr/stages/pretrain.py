"""`lfhtr run pretrain`: train the recogniser on synthetic words rendered on the fly.

This stage builds the recogniser, its trainer and validation sets from the spec; the loop itself is
``lfhtr.loops.pretraining``.
"""

from __future__ import annotations

from pathlib import Path

from lfhtr import pretrained
from lfhtr.datasets.labels import load_labelled
from lfhtr.log import log
from lfhtr.loops.early_stopping import EarlyStopping
from lfhtr.loops.feed import validation_set
from lfhtr.loops.pretraining import Pretraining, Validation
from lfhtr.pipeline import build_pipeline
from lfhtr.session import Session
from lfhtr.stages.common import guard_fresh_start, set_aside_adapted, setup
from lfhtr.stages.runrecord import record_start
from lfhtr.train import distributed
from lfhtr.train.recognizer import Recognizer
from lfhtr.train.trainer import Schedule, Trainer
from lfhtr.train.warmstart import warm_start


def run(session: Session, resume: bool = False, restart: bool = False) -> Path:
    spec = session.spec
    settings = spec.pretrain
    resuming = guard_fresh_start(session.checkpoint_path("pretrain-last"), "pretrain", resume, restart)
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
    best = job.run(pipeline, device)
    distributed.finish(ranks)
    return best
