"""Data-parallel training under ``torchrun``: the same stages, N processes, one writer.

``torchrun --nproc_per_node=N -m lfhtr run pretrain session.json`` sets RANK, WORLD_SIZE and
LOCAL_RANK; without them everything runs as a single process and none of this costs anything. Each
rank draws its own synthetic samples (the rank is part of every sample's index), gradients are averaged
by DistributedDataParallel, and only rank 0 validates, logs and writes checkpoints, so files are never
written twice or interleaved. Every rank loads the same checkpoint on ``--resume``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from lfhtr.progress import console


@dataclass(frozen=True)
class Ranks:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world > 1


SINGLE_PROCESS = Ranks()


def from_environment() -> Ranks:
    """Join the process group torchrun describes, if any: NCCL on GPUs, gloo on CPU."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return SINGLE_PROCESS
    ranks = Ranks(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))
    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(ranks.local_rank)
        dist.init_process_group(backend)
    if not ranks.main:
        console.quiet = True  # one progress bar and one set of messages, from rank 0
    return ranks


def wrap(module: torch.nn.Module, ranks: Ranks, device: torch.device) -> torch.nn.Module:
    if not ranks.active:
        return module
    ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(module, device_ids=ids)


def agree(value: Any, ranks: Ranks) -> Any:
    """Rank 0's value on every rank (e.g. whether to stop early), and a barrier while at it."""
    if not ranks.active:
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def finish(ranks: Ranks) -> None:
    if ranks.active and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
