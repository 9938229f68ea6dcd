"""Starting a training run from another model's weights, across a change of charset.

A line model, or a model for a language with a few more letters, learns what a word model already knows
(strokes, letters, their order) in a fraction of the steps when it starts from that model: every layer
is copied whose shape agrees, and the output rows of the characters both charsets hold; the rows of new
characters (the space of a line model, an ß) keep their fresh initialisation.
"""

from __future__ import annotations

from pathlib import Path

import torch

from lfhtr.errors import CheckpointError
from lfhtr.log import log
from lfhtr.train.recognizer import Recognizer


def warm_start(recognizer: Recognizer, path: Path) -> None:
    """Copy into ``recognizer`` what the model at ``path`` holds for the same architecture."""
    source, _meta = Recognizer.load(path, recognizer.device)
    if (source.architecture.kind, source.architecture.options) != (
        recognizer.architecture.kind,
        recognizer.architecture.options,
    ) or source.height != recognizer.height:
        raise CheckpointError(
            f"{path}: a {source.architecture.kind} model at height {source.height} with other options; "
            "pretrain.init needs the spec's model and height (copy them from `lfhtr models`)."
        )
    chars = recognizer.charset.chars
    rows = [0] + [source.charset.encode(ch)[0] if source.charset.covers(ch) else -1 for ch in chars]
    kept = [i for i, row in enumerate(rows) if row >= 0]  # class 0, the CTC blank, is kept as well
    classes = source.charset.num_classes, recognizer.charset.num_classes
    remap = source.charset != recognizer.charset  # even at the same size: the rows may be in another order
    state = recognizer.net.state_dict()  # views of the parameters: copying into them sets them
    with torch.no_grad():
        for name, weights in source.net.state_dict().items():
            target = state[name]
            if remap and weights.ndim and (weights.shape[0], target.shape[0]) == classes:
                target[kept] = weights[[rows[i] for i in kept]]  # one row per character: by character
            elif weights.shape == target.shape:
                target.copy_(weights)
            else:
                raise CheckpointError(f"{path}: {name} is {tuple(weights.shape)}, not {tuple(target.shape)}.")
    new = "".join(ch for ch in chars if not source.charset.covers(ch))
    log.info(f"pretrain: starting from {path}" + (f"; characters it did not know: {new!r}" if new else ""))
