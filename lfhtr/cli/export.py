"""`lfhtr export SPEC`: the session's recogniser as a model file to share, or as ONNX."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lfhtr.api import Session
from lfhtr.cli.options import Checkpoint, absolute
from lfhtr.errors import LfhtrError


def export(
    session: Session,
    onnx: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(help="ONNX file to write (a .json sidecar with the preprocessing goes beside it)."),
    ] = None,
    model: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(help="Model file to write (.lfhtr): what `lfhtr read` and --checkpoint take."),
    ] = None,
    checkpoint: Checkpoint = None,
    force: Annotated[
        bool,
        typer.Option(
            help="Replace existing outputs (model file, ONNX file and sidecar); never a spec or checkpoint."
        ),
    ] = False,
    card: Annotated[
        Path | None,  # noqa: UP007
        typer.Option(help="JSON object added to the model file's card (description, recipe, figures)."),
    ] = None,
) -> None:
    """Export the session's recogniser (adapted, else best pretrained) as a model file and/or ONNX."""
    from lfhtr.stages import export as stage  # imports torch: only when run

    stage.run(
        session,
        onnx.resolve() if onnx else None,
        model.resolve() if model else None,
        absolute(checkpoint),
        force,
        _card(card) if card else None,
    )


def _card(path: Path) -> dict[str, object]:
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LfhtrError(f"{path}: cannot read the card ({exc}).") from None
    if not isinstance(card, dict):
        raise LfhtrError(f"{path}: the card must be a JSON object.")
    return card
