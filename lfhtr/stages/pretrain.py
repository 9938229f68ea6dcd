"""`lfhtr run pretrain`: train the recogniser on synthetic words rendered on the fly.

Model selection uses the fixed synthetic validation set only: an optional real labelled set is shown for
monitoring, but picking checkpoints by it would leak labels into a pipeline meant to need none.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from lfhtr.errors import Interrupted
from lfhtr.imaging.labels import load_labelled
from lfhtr.progress import console, progress
from lfhtr.session import Session
from lfhtr.stages.common import checkpoint_path, guard_fresh_start, setup
from lfhtr.synth import build_pipeline
from lfhtr.train import checkpoint, distributed, runlog
from lfhtr.train.measure import measure
from lfhtr.train.recognizer import Recognizer
from lfhtr.train.synthetic import SyntheticChunks, synthetic_batches, validation_set
from lfhtr.train.trainer import Schedule, Trainer


def run(session: Session, resume: bool = False, restart: bool = False) -> Path:
    spec = session.spec
    settings = spec.pretrain
    last, best = checkpoint_path(session, "pretrain-last"), checkpoint_path(session, "pretrain-best")
    log = session.output / "logs" / "pretrain.jsonl"
    resuming = guard_fresh_start(last, "pretrain", resume, restart)
    ranks = distributed.from_environment()
    device = setup(session, ranks)
    pipeline = build_pipeline(session)
    recognizer = Recognizer.build(spec.model.model_dump(), session.charset, spec.height)
    recognizer.net.to(device)
    trainer = Trainer(
        recognizer,
        Schedule(settings.steps, settings.lr, settings.weight_decay, settings.warmup, settings.grad_clip),
        device,
        spec.hardware.amp,
    )
    tracking: dict[str, Any] = {"best_cer": math.inf, "stale": 0}
    if resuming:
        state, meta = checkpoint.load(last, device)
        trainer.load_state_dict(state)
        tracking = {"best_cer": meta["best_cer"], "stale": meta["stale"]}
        if ranks.main:
            runlog.truncate_after(log, "step", trainer.step)
        console.print(f"pretrain: resuming at step {trainer.step}")
    elif ranks.main:
        log.unlink(missing_ok=True)
    params = sum(p.numel() for p in recognizer.net.parameters())
    console.print(f"pretrain: {spec.model.kind} with {params / 1e6:.2f} M parameters, {settings.steps} steps")
    if ranks.active:
        console.print(f"pretrain: {ranks.world} processes of {settings.batch_size} images per step")

    val_images, val_texts = validation_set(pipeline, settings.val_size)
    real = load_labelled(settings.real_val, session.resolve, spec.height) if settings.real_val else None
    chunks = SyntheticChunks(pipeline, session.charset, settings.batch_size, ranks.rank, ranks.world)
    batches = synthetic_batches(chunks, trainer.step, settings.workers)
    model = distributed.wrap(trainer.objective, ranks, device)

    def checkpoint_meta(**extra: Any) -> dict[str, Any]:
        return {
            **recognizer.meta(),
            "stage": "pretrain",
            "step": trainer.step,
            "spec_hash": session.spec_hash(),
            **extra,
            **tracking,
        }

    def validate_and_save() -> bool:
        metrics, _ = measure(recognizer, val_images, val_texts)
        record: dict[str, Any] = {"step": trainer.step, "time": time.time(), "synth": metrics}
        if real is not None:
            record["real"], _ = measure(recognizer, real.images, real.texts)
        improved = metrics["cer"] < tracking["best_cer"]
        tracking["stale"] = 0 if improved else tracking["stale"] + 1
        tracking["best_cer"] = min(tracking["best_cer"], metrics["cer"])
        state, described = trainer.state_dict(), checkpoint_meta(metrics=record)
        checkpoint.save(last, state, described)
        if improved:
            checkpoint.save(best, state, described)
        runlog.append(log, record)
        shown = f"synth CER {metrics['cer']:.3f}" + (
            f", real CER {record['real']['cer']:.3f}" if real else ""
        )
        console.print(f"step {trainer.step}: {shown}" + (" (best)" if improved else ""))
        return bool(settings.patience) and tracking["stale"] >= settings.patience

    smoothed = math.nan
    with progress("step") as bar:
        task = bar.add_task("pretrain", total=settings.steps, completed=trainer.step, status="")
        try:
            while trainer.step < settings.steps:
                loss = trainer.train_step(next(batches), model)
                smoothed = loss if math.isnan(smoothed) else 0.98 * smoothed + 0.02 * loss
                bar.update(task, advance=1, status=f"loss {smoothed:.3f}")
                at_validation = trainer.step % settings.val_every == 0 or trainer.step == settings.steps
                if at_validation and distributed.agree(ranks.main and validate_and_save(), ranks):
                    console.print(
                        f"pretrain: no better synthetic CER for {settings.patience} validations; stopping"
                    )
                    break
        except KeyboardInterrupt:
            if ranks.main:
                checkpoint.save(last, trainer.state_dict(), checkpoint_meta())
            raise Interrupted(
                f"pretrain interrupted at step {trainer.step}; continue with --resume."
            ) from None
    distributed.finish(ranks)
    console.print(f"pretrain: best synthetic CER {tracking['best_cer']:.3f}; checkpoint {best}")
    return best
