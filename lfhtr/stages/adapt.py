"""`lfhtr run adapt`: adapt the pretrained recogniser to the spec's unlabelled images."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from lfhtr.core.interfaces import AdaptationOptions, AdaptationStrategy
from lfhtr.datasets.labels import load_labelled
from lfhtr.datasets.sets import load_unlabelled
from lfhtr.errors import SpecError
from lfhtr.log import log
from lfhtr.loops.adaptation import AdaptLoop, AdaptPaths
from lfhtr.loops.heldback import held_back_indices
from lfhtr.loops.roundplan import plan_rounds
from lfhtr.pipeline import build_pipeline
from lfhtr.reading.reader import load_recognizer
from lfhtr.reading.upright import upside_down_check
from lfhtr.session import Session
from lfhtr.stages.common import default_checkpoint, guard_fresh_start, setup
from lfhtr.stages.runrecord import record_start
from lfhtr.train import distributed
from lfhtr.train.trainer import Schedule, Trainer


def run(session: Session, resume: bool = False, restart: bool = False, checkpoint: str | None = None) -> Path:
    strategy: AdaptationStrategy[AdaptationOptions] = session.build("adapter", session.spec.adapt)
    o = strategy.options
    if o.target is None:
        raise SpecError(f"{session.source}: adapt.target: set the folder of unlabelled images to adapt to.")
    paths = AdaptPaths(
        session.checkpoint_path("adapt-last"),
        session.checkpoint_path("adapted"),
        session.output / "logs" / "adapt.jsonl",
        session.checkpoint_path("adapt-trusted"),
    )
    resuming = guard_fresh_start(paths.last, "adapt", resume, restart)
    ranks = distributed.from_environment()
    device = setup(session, ranks)
    base = default_checkpoint(session, checkpoint or o.checkpoint, "pretrain-best")
    recognizer = load_recognizer(session, base, device)
    page_source = partial(session.page_source, upside_down=upside_down_check(recognizer))
    target = load_unlabelled(o.target, session.resolve, recognizer.height, page_source, recognizer.unit)
    for line in target.skipped:
        log.warning(f"skipped {line}")
    monitor = (
        load_labelled(o.monitor, session.resolve, recognizer.height, recognizer.unit) if o.monitor else None
    )
    held_back = len(held_back_indices(len(target.images), o.held_back, session.spec.seed))
    plan = plan_rounds(o, len(target.images) - held_back)
    trainer = Trainer(
        recognizer, Schedule(plan.rounds * plan.steps_per_round, o.lr), device, session.spec.hardware.amp
    )
    loop = AdaptLoop(
        session,
        strategy,
        trainer,
        build_pipeline(session),
        target,
        monitor,
        paths,
        plan,
        ranks,
        distributed.wrap(trainer.objective, ranks, device),
    )
    if resuming:
        loop.resume(device)
    elif ranks.main:
        paths.log.unlink(missing_ok=True)
    if ranks.main:
        record_start(session, "adapt")
    log.info(
        f"adapt: {strategy.kind} from {base.name} on {len(target.images)} unlabelled images "
        f"({held_back} held back), rounds: {plan.rounds} of {plan.steps_per_round} steps"
    )
    adapted = loop.run()
    distributed.finish(ranks)
    return adapted
