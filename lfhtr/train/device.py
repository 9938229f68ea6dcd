"""Where training runs: CUDA when present (unless the spec says otherwise), and how many CPU threads."""

from __future__ import annotations

import math
import os
from pathlib import Path

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


CGROUP_V2 = Path("/sys/fs/cgroup/cpu.max")
CGROUP_V1 = (Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us"))


def _cgroup_cpus() -> int | None:
    """Whole CPUs a cgroup CPU quota allows (containers, CI runners, SLURM), or None without a quota."""
    try:
        quota, period = CGROUP_V2.read_text().split()[:2]
    except (OSError, ValueError):
        try:
            quota, period = (path.read_text().strip() for path in CGROUP_V1)
        except OSError:
            return None
    if quota in ("max", "-1") or not quota.lstrip("-").isdigit() or not period.isdigit() or int(period) <= 0:
        return None
    return max(1, math.ceil(int(quota) / int(period)))


def available_cpus() -> int:
    """The CPUs this process may use: its affinity mask, capped by a cgroup quota."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = _cgroup_cpus()
    return min(cores, quota) if quota else cores


def _environment_threads() -> int | None:
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def choose_threads(settings: DeviceSettings) -> tuple[int, str]:
    """How many intra-op threads to use, and why: ``hardware.threads`` (``--threads``) when set, else
    ``OMP_NUM_THREADS``, else one per CPU this process may use, shared by the LOCAL_WORLD_SIZE processes
    of a torchrun. Oversubscribing the cores slows every job on them many times over."""
    if settings.threads:
        return settings.threads, "--threads / hardware.threads"
    from_environment = _environment_threads()
    if from_environment:
        return from_environment, "OMP_NUM_THREADS"
    sharing = max(1, int(os.environ.get("LOCAL_WORLD_SIZE", "1")))
    available = available_cpus()
    shared = f", shared by {sharing} processes" if sharing > 1 else ""
    return max(1, available // sharing), f"{available} CPUs this process may use{shared}"


def configure_threads(settings: DeviceSettings) -> tuple[int, str]:
    """Set torch's thread count as ``choose_threads`` says; the count and the reason, for the console."""
    threads, reason = choose_threads(settings)
    torch.set_num_threads(threads)
    return threads, reason
