"""Which reduced precision training runs in, and the memory layout that makes it pay on a CPU.

On CUDA, fp16 autocast with a gradient scaler is the standard speed-up. On a CPU with bf16 in hardware
(AVX512-BF16 or AMX on x86, the BF16 extension on Arm), bf16 autocast with channels-last convolutions
speeds a training step up most (docs/benchmarks.md), since oneDNN then runs the convolutions and the
LSTM in bf16 on the vector units; bf16 has fp32's range, so no scaler is needed. Where bf16 would only be
emulated in software there is nothing to gain, so those CPUs train in fp32, bit for bit as without
``hardware.amp``. Weights, optimiser state and the CTC loss stay in fp32 everywhere.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import torch

NATIVE_BF16_FLAGS = {"avx512_bf16", "amx_bf16", "bf16"}
"""/proc/cpuinfo flags of bf16 arithmetic in hardware (x86 AVX512-BF16 and AMX, Arm's BF16 extension)."""


@cache
def cpu_has_native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return False  # not Linux, or hidden: train in fp32, which every CPU runs at full speed
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return bool(NATIVE_BF16_FLAGS & set(value.split()))
    return False


def autocast_dtype(device: torch.device, amp: bool) -> torch.dtype | None:
    """The dtype training autocasts to on ``device``, or None for plain fp32."""
    if not amp:
        return None
    if device.type == "cuda":
        return torch.float16
    if device.type == "cpu" and cpu_has_native_bf16():
        return torch.bfloat16
    return None
