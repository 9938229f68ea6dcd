"""A recogniser: network + charset + how it was built, with batched prediction.

Bundling the model spec and charset with the weights means `evaluate`, `transcribe` and `export` can
rebuild the network from a checkpoint alone, and refuse one whose charset does not match the session.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from PIL import Image
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from lfhtr import modelfile
from lfhtr.core import plugins
from lfhtr.core.interfaces import ModelArchitecture, Reading
from lfhtr.core.network import RecognitionNet
from lfhtr.core.settings import CharsetText, Height, WidthScale
from lfhtr.errors import CheckpointError, PluginError
from lfhtr.text.charset import Charset
from lfhtr.train import checkpoint
from lfhtr.train.batching import Batch, collate, reading_width
from lfhtr.train.decoding import decode


class RecognizerMeta(BaseModel):
    """What a checkpoint or model file says about its network, bounded as a spec is: the file may come
    from a stranger, and these fields size the network and every image before anything is checked."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)
    model: dict[str, Any]
    charset: CharsetText
    height: Height
    width_scale: WidthScale = 1.0

    @field_validator("model")
    @classmethod
    def _has_kind(cls, model: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(model.get("kind"), str):
            raise ValueError("needs a string 'kind'")
        return model


def _described(meta: Any, path: Path) -> RecognizerMeta:
    try:
        return RecognizerMeta.model_validate(meta)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "metadata"
        raise CheckpointError(f"{path}: {where}: {first['msg']}; not a model lfhtr can build.") from None


class Recognizer:
    def __init__(self, architecture: ModelArchitecture, charset: Charset, height: int) -> None:
        self.architecture = architecture
        self.net: RecognitionNet = architecture.build(charset.num_classes, height)
        self.charset = charset
        self.height = height
        self.width_scale = 1.0
        """Every image's width is stretched by this before reading: how wide this model wants a hand
        written, chosen on the target by adaptation (``adapt.width_scale``)."""
        self.loaded_from: Path | None = None  # the checkpoint or model file, if loaded from one
        self.loaded_meta: dict[str, Any] = {}  # that file's metadata

    @classmethod
    def load(cls, path: Path, device: torch.device) -> tuple[Recognizer, dict[str, Any]]:
        """The recogniser a checkpoint (``.pt``) or model file (``.lfhtr``) holds, and its metadata.

        Built through the same plugin door as a session's model; nothing is unpickled.
        """
        weights: Any
        if modelfile.is_model_file(path):
            weights, meta = modelfile.load(path)
        else:
            state, meta = checkpoint.load(path)
            weights = state.get("model") if isinstance(state, dict) else None
        described = _described(meta, path)
        try:
            options = dict(described.model)
            architecture = plugins.build("model", options.pop("kind"), options)
            rec = cls(architecture, Charset(described.charset), described.height)  # type: ignore[arg-type]
            rec.net.load_state_dict(weights)
            rec.width_scale = described.width_scale
        except (KeyError, RuntimeError, ValueError, TypeError, PluginError) as exc:
            raise CheckpointError(f"{path}: does not hold a compatible model ({exc}).") from None
        rec.net.to(device)
        rec.loaded_from, rec.loaded_meta = path, meta
        return rec, meta

    @property
    def origin(self) -> str:
        """The file it came from, with stage and step, for reports."""
        if self.loaded_from is None:
            return "a new model"
        described = {
            **self.loaded_meta.get("card", {}),
            **self.loaded_meta,
        }  # a model file keeps them in its card
        return f"{self.loaded_from} ({described.get('stage', '?')}, step {described.get('step', '?')})"

    def meta(self) -> dict[str, Any]:
        """What rebuilds and feeds this recogniser: the architecture's kind and options, charset, height,
        and the width scale where it is not 1."""
        model = {"kind": self.architecture.kind, **self.architecture.options.model_dump(mode="json")}
        scale = {"width_scale": self.width_scale} if self.width_scale != 1.0 else {}
        return {"model": model, "charset": self.charset.chars, "height": self.height, **scale}

    def scaled_width(self, width: int, stretch: float = 1.0) -> int:
        """An image's width once stretched by ``width_scale`` (and by ``stretch``, for another view)."""
        factor = self.width_scale * stretch
        return width if factor == 1.0 else max(1, round(width * factor))

    def scaled(self, image: np.ndarray, stretch: float = 1.0) -> np.ndarray:
        """``image`` (at the model's height) with its width stretched by ``width_scale`` and ``stretch``."""
        if self.width_scale * stretch == 1.0:
            return image
        width = self.scaled_width(image.shape[1], stretch)
        return np.asarray(Image.fromarray(image).resize((width, image.shape[0]), Image.Resampling.BILINEAR))

    @property
    def unit(self) -> Literal["word", "line"]:
        """What one image holds for this model: a line if it can read a space, else a word."""
        return "line" if self.charset.reads_lines else "word"

    @property
    def device(self) -> torch.device:
        return next(self.net.parameters()).device

    def batches(
        self, images: Sequence[np.ndarray], batch_size: int, stretch: float = 1.0
    ) -> Iterator[tuple[list[int], Batch]]:
        """Batches of images of one reading width (``reading_width``), in a fixed order, with the indices
        they hold: each image is read exactly as it would be alone."""
        padded = [reading_width(self.scaled_width(image.shape[1], stretch)) for image in images]
        order = sorted(range(len(images)), key=lambda i: (padded[i], i))
        for width, same in itertools.groupby(order, key=lambda i: padded[i]):
            group = list(same)
            for start in range(0, len(group), batch_size):
                idx = group[start : start + batch_size]
                scaled = [self.scaled(images[i], stretch) for i in idx]
                yield idx, collate(scaled, [""] * len(idx), self.charset, pad_to=width)

    @torch.inference_mode()
    def read(
        self,
        images: Sequence[np.ndarray],
        batch_size: int = 64,
        method: str = "greedy",
        beam_width: int = 10,
        keep_outputs: bool = False,
        on_batch: Callable[[int], object] | None = None,
        stretch: float = 1.0,
    ) -> tuple[list[Reading], list[tuple[torch.Tensor, int]]]:
        """Readings in input order; with ``keep_outputs`` also each image's [T, C] log-probs for rescoring.

        ``on_batch(n)`` is called after each batch of ``n`` images (a progress bar's advance); ``stretch``
        widens (or narrows) every image beyond ``width_scale``: another view of the same images.
        """
        was_training = self.net.training
        self.net.eval()
        readings: list[Reading | None] = [None] * len(images)
        outputs: list[tuple[torch.Tensor, int] | None] = [None] * len(images)
        for idx, batch in self.batches(images, batch_size, stretch):
            pixels, widths = batch.images.to(self.device), batch.widths.to(self.device)
            own = self.net.read(pixels, widths)
            if own is None or keep_outputs:
                log_probs, lengths = self.net(pixels, widths)
            batch_readings = (
                [Reading(self.charset.decode(ids), conf) for ids, conf in own]
                if own is not None
                else decode(log_probs, lengths, self.charset, method, beam_width)
            )
            for i, reading in zip(idx, batch_readings):
                readings[i] = reading
            if keep_outputs:
                for j, i in enumerate(idx):
                    outputs[i] = (log_probs[:, j].float().cpu(), int(lengths[j]))
            if on_batch is not None:
                on_batch(len(idx))
        self.net.train(was_training)
        return [r for r in readings if r is not None], [o for o in outputs if o is not None]
