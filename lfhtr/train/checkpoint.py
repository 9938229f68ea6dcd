"""Checkpoints that load without unpickling code and are written atomically.

The ``.pt`` holds tensors and plain containers only (``torch.load(weights_only=True)``); a JSON sidecar
holds what a person or another tool wants to read without torch: charset, model spec, step, metrics.
"""

from __future__ import annotations

import json
import pickle
import warnings
import zipfile
from pathlib import Path
from typing import Any

import torch

from lfhtr.atomic import atomic_path, atomic_write
from lfhtr.errors import PATH_RULE, CheckpointError, LfhtrError
from lfhtr.train import runlog


def sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


def resumable(path: Path, meta: dict[str, Any], expected: dict[str, Any]) -> None:
    """Refuse to resume into a model other than the one the checkpoint holds (another spec's): the
    model, charset and height in ``meta`` must be those of ``expected`` (the recogniser's own meta)."""
    differing = [key for key in ("model", "charset", "height") if meta.get(key) != expected[key]]
    if differing:
        raise CheckpointError(
            f"{path}: was trained with another {' and '.join(differing)} than the spec now sets; restore "
            "the spec it was trained with, or start over with --restart."
        )


def save(path: Path, state: dict[str, Any], meta: dict[str, Any]) -> None:
    """Write a checkpoint and its sidecar atomically; weights that are not finite are never written, so
    the previous checkpoint stays the one a resume starts from."""
    weights = state.get("model", {})
    broken = [name for name, t in weights.items() if t.is_floating_point() and not t.isfinite().all()]
    if broken:
        raise LfhtrError(
            f"training diverged: {broken[0]} holds NaN or infinite weights at step {meta.get('step', '?')}; "
            f"nothing was saved over {path.name}. Lower the learning rate, then --resume or --restart."
        )
    with atomic_path(path) as tmp:
        try:
            torch.save({"state": state, "meta": meta}, tmp)
        except RuntimeError as exc:  # torch's writer reports a full disk this way
            raise OSError(str(exc).splitlines()[0]) from None
    atomic_write(
        sidecar(path), json.dumps(runlog.finite(meta), indent=2, ensure_ascii=False, allow_nan=False)
    )


def load(path: Path, map_location: str | torch.device = "cpu") -> tuple[dict[str, Any], dict[str, Any]]:
    if not path.is_file():
        raise CheckpointError(
            f"{path}: checkpoint not found; run `lfhtr run pretrain` first or fix the path ({PATH_RULE})."
        )
    try:
        with warnings.catch_warnings():  # torch warns before refusing a pickle; lfhtr's refusal says it
            warnings.simplefilter("ignore")
            blob = torch.load(path, map_location=map_location, weights_only=True)
        return blob["state"], blob["meta"]
    except pickle.UnpicklingError:
        raise CheckpointError(
            f"{path}: contains Python objects, not an lfhtr checkpoint; refused (loading it could run code)."
        ) from None
    except (
        RuntimeError,
        EOFError,
        KeyError,
        TypeError,
        zipfile.BadZipFile,
        OSError,
    ) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CheckpointError(
            f"{path}: unreadable or truncated checkpoint ({reason}); delete it or resume from another."
        ) from None
