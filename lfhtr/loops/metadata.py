"""What a training loop records in each checkpoint beside the weights: enough to rebuild the model and
to tell which spec, stage, step and plugin versions made it."""

from __future__ import annotations

from typing import Any

from lfhtr.core import plugins
from lfhtr.session import Session
from lfhtr.train.recognizer import Recognizer
from lfhtr.version import __version__


def checkpoint_meta(
    session: Session, recognizer: Recognizer, stage: str, step: int, **extra: Any
) -> dict[str, Any]:
    """A checkpoint's metadata: what rebuilds the model, the stage and step, the spec it came from, and
    which plugin distribution and version made each part (the model as the checkpoint holds it)."""
    model = recognizer.architecture.kind
    made_by = {**session.provenance(), "model": f"{model} ({plugins.info('model', model).origin})"}
    return {
        **recognizer.meta(),
        "stage": stage,
        "step": step,
        "spec_hash": session.spec_hash(),
        "lfhtr": __version__,
        "plugins": made_by,
        **extra,
    }
