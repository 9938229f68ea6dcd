"""Where training runs: CUDA when present (unless the spec says otherwise), and how many CPU threads."""

from __future__ import annotations

import os

import torch

from lfhtr.core.spec import DeviceSettings
from lfhtr.errors import SpecError


def select_device(settings: DeviceSettings) -> torch.device:
    if settings.device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(settings.device)
    except RuntimeError:
        raise SpecError(
            f"hardware.device: '{settings.device}' is not a device; use auto, cpu or cuda."
        ) from None
    if device.type not in ("cpu", "cuda"):
        raise SpecError(
            f"hardware.device: '{settings.device}' is not supported; use auto, cpu or cuda (cuda:N)."
        )
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SpecError("hardware.device: CUDA requested but not available; use auto or cpu.")
    return device


def configure_threads(settings: DeviceSettings) -> int:
    """One intra-op thread per core this process may use: oversubscription halves CPU throughput.

    Under torchrun the cores are shared by the LOCAL_WORLD_SIZE processes on this machine.
    """
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    sharing = max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    threads = settings.threads or max(1, available // sharing)
    torch.set_num_threads(threads)
    return threads
