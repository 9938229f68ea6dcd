"""Optimiser, schedule and one training step, plus the state needed to resume exactly.

Shared by pretrain and adapt so both get the same AdamW + one-cycle schedule, gradient clipping, mixed
precision (fp16 on CUDA, bf16 on CPUs that have it; losses in fp32), and a state dict holding everything
`--resume` needs to continue bit-for-bit.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

import torch

from lfhtr.core.network import TrainingObjective
from lfhtr.errors import LfhtrError
from lfhtr.train.batching import Batch, collate
from lfhtr.train.precision import autocast_dtype
from lfhtr.train.recognizer import Recognizer

DIVERGED_AFTER = 20
"""Consecutive non-finite losses that end a run: a few can be a bad batch, this many is divergence."""


@dataclass(frozen=True)
class Schedule:
    steps: int
    lr: float
    weight_decay: float = 1e-4
    warmup: float = 0.05
    grad_clip: float = 5.0

    def factor(self, step: int) -> float:
        """Linear warm-up from 10 % of the peak, then cosine decay to 1 %: robust for any step count."""
        warm = max(1, round(self.warmup * self.steps))
        if step < warm:
            return 0.1 + 0.9 * step / warm
        progress = min(1.0, (step - warm) / max(1, self.steps - warm))
        return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * progress))


def batch_loss(
    model: torch.nn.Module, batch: Batch, device: torch.device, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """``model`` is a ``TrainingObjective``, or a DDP wrapper of one: its forward pass is the loss.

    ``dtype`` is the autocast dtype (None: fp32); bf16 runs on channels-last images, as its network does.
    """
    images = batch.images.to(device, non_blocking=True)
    if dtype == torch.bfloat16:
        images = images.contiguous(memory_format=torch.channels_last)
    with torch.autocast(device.type, dtype=dtype or torch.float32, enabled=dtype is not None):
        return model(
            images,
            batch.widths.to(device),
            batch.targets.to(device),
            batch.target_lengths.to(device),
        )


class Trainer:
    def __init__(self, recognizer: Recognizer, schedule: Schedule, device: torch.device, amp: bool) -> None:
        self.recognizer = recognizer
        self.net = recognizer.net
        self.objective = TrainingObjective(self.net)
        self.device = device
        self.dtype = autocast_dtype(device, amp)
        if self.dtype == torch.bfloat16:
            self.net.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        self.schedule = schedule
        self.optimizer = torch.optim.AdamW(
            self.net.parameters(), lr=schedule.lr, weight_decay=schedule.weight_decay
        )
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, schedule.factor)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.dtype == torch.float16)
        self.step = 0
        self.nonfinite = 0  # consecutive steps whose loss was NaN or infinite

    def train_step(self, batch: Batch, model: torch.nn.Module | None = None) -> float:
        """One update; ``model`` may be a DDP wrapper of ``self.objective``."""
        self.net.train()
        loss = batch_loss(model or self.objective, batch, self.device, self.dtype)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.optimizer)
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.schedule.grad_clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        if self.step < self.schedule.steps:
            self.scheduler.step()
        self.step += 1
        value = float(loss.detach())
        self.nonfinite = 0 if math.isfinite(value) else self.nonfinite + 1
        if self.nonfinite >= DIVERGED_AFTER:
            raise LfhtrError(
                f"training diverged: the loss was not finite for {DIVERGED_AFTER} steps in a row (step "
                f"{self.step}); lower the learning rate and resume from the last checkpoint or --restart."
            )
        return value if math.isfinite(value) else float("nan")

    def state_dict(self) -> dict[str, Any]:
        return {
            "model": self.net.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "step": self.step,
            "torch_rng": torch.get_rng_state(),
            "python_rng": list(random.getstate()[1]),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])
        self.step = int(state["step"])
        torch.set_rng_state(state["torch_rng"].cpu())
        random.setstate((3, tuple(int(v) for v in state["python_rng"]), None))


@torch.inference_mode()
def _ctc_frames_needed(ids: list[int]) -> int:
    """Frames CTC needs to write ``ids``: one per character, and a blank between two equal ones."""
    return len(ids) + sum(a == b for a, b in zip(ids, ids[1:]))


@torch.inference_mode()
def _readable(recognizer: Recognizer, batch: Batch) -> list[int]:
    """Indices of the batch's texts short enough for the frames the network gives their images: a
    longer one has no CTC alignment, and would count as a loss of zero."""
    _, lengths = recognizer.net(batch.images.to(recognizer.device), batch.widths.to(recognizer.device))
    encoded = [recognizer.charset.encode(text) for text in batch.texts]
    return [i for i, ids in enumerate(encoded) if _ctc_frames_needed(ids) <= int(lengths[i])]


@torch.no_grad()
def labelled_loss(recognizer: Recognizer, images: list, texts: list[str], batch_size: int = 64) -> float:
    """Mean loss on labelled images; characters outside the charset are left out of the target, and a
    text longer than its image can be read as is left out of the mean."""
    net, device = recognizer.net, recognizer.device
    objective = TrainingObjective(net)
    was_training = net.training
    net.eval()
    total, count = 0.0, 0
    covered = ["".join(ch for ch in t if ch in recognizer.charset.chars) for t in texts]
    order = [i for i in sorted(range(len(images)), key=lambda i: images[i].shape[1]) if covered[i]]
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        batch = collate([images[i] for i in idx], [covered[i] for i in idx], recognizer.charset)
        idx = [idx[j] for j in _readable(recognizer, batch)]
        if not idx:
            continue
        batch = collate([images[i] for i in idx], [covered[i] for i in idx], recognizer.charset)
        total += float(batch_loss(objective, batch, device)) * len(idx)
        count += len(idx)
    net.train(was_training)
    return total / count if count else math.nan  # nothing scorable: no loss, not a perfect one
