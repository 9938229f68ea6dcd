"""`lfhtr run adapt`: adapt the pretrained recogniser to the spec's unlabelled images."""

from __future__ import annotations

from pathlib import Path

from lfhtr.adaptation import AdaptRun
from lfhtr.errors import SpecError
from lfhtr.imaging.folder import load_folder
from lfhtr.imaging.labels import load_labelled
from lfhtr.progress import console
from lfhtr.session import Session
from lfhtr.stages.common import checkpoint_path, default_checkpoint, guard_fresh_start, setup
from lfhtr.stages.reading import load_recognizer
from lfhtr.synth import build_pipeline
from lfhtr.train import checkpoint as checkpoints
from lfhtr.train import distributed
from lfhtr.train.trainer import Schedule, Trainer


def run(session: Session, resume: bool = False, restart: bool = False, checkpoint: str | None = None) -> Path:
    strategy = session.build("adapter", session.spec.adapt)
    o = strategy.options
    if o.target is None:
        raise SpecError(f"{session.source}: adapt.target: set the folder of unlabelled images to adapt to.")
    last, final = checkpoint_path(session, "adapt-last"), checkpoint_path(session, "adapted")
    log = session.output / "logs" / "adapt.jsonl"
    resuming = guard_fresh_start(last, "adapt", resume, restart)
    ranks = distributed.from_environment()
    device = setup(session, ranks)
    base = default_checkpoint(session, checkpoint or o.checkpoint, "pretrain-best")
    recognizer = load_recognizer(session, base, device)
    target = load_folder(
        session.resolve(o.target.images), recognizer.height, o.target.include, o.target.limit
    )
    for line in target.skipped:
        console.print(f"[yellow]skipped[/] {line}")
    monitor = load_labelled(o.monitor, session.resolve, recognizer.height) if o.monitor else None
    trainer = Trainer(
        recognizer, Schedule(o.rounds * o.steps_per_round, o.lr), device, session.spec.hardware.amp
    )
    adapt_run = AdaptRun(
        session,
        recognizer,
        trainer,
        build_pipeline(session),
        target,
        monitor,
        last,
        final,
        log,
        ranks=ranks,
        model=distributed.wrap(trainer.objective, ranks, device),
    )
    if resuming:
        state, _meta = checkpoints.load(last, device)
        trainer.load_state_dict(state)
        adapt_run.state = state["adapt"]
        console.print(
            f"adapt: resuming round {adapt_run.state['round'] + 1}, step {adapt_run.state['step_in_round']}"
        )
    elif ranks.main:
        log.unlink(missing_ok=True)
    console.print(
        f"adapt: {session.spec.adapt.kind} from {base.name} on {len(target.images)} unlabelled images"
    )
    adapted: Path = strategy.adapt(adapt_run)
    distributed.finish(ranks)
    return adapted
