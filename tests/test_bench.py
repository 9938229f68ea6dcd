"""The GPU check script passes on the CPU, so it is known to work before a GPU is at hand."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_the_gpu_check_runs_on_the_cpu_and_finds_the_same_seed_gives_the_same_weights() -> None:
    result = subprocess.run(
        ["bash", str(ROOT / "bench" / "gpu_check.sh"), "--cpu"], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| same seed, same weights" in result.stdout and "| yes |" in result.stdout
    assert "DDP over 2 processes" in result.stdout and "words/s" in result.stdout
