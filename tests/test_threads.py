"""How many CPU threads a run takes: what it may use, unless the user or the environment says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from lfhtr.cli import app
from lfhtr.core.spec import DeviceSettings
from lfhtr.train import device


@pytest.fixture
def no_quota(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(device, "CGROUP_V2", tmp_path / "absent")
    monkeypatch.setattr(device, "CGROUP_V1", (tmp_path / "absent-quota", tmp_path / "absent-period"))
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)


def _cores() -> int:
    return len(os.sched_getaffinity(0))


def test_the_default_is_the_cpus_this_process_may_use(no_quota: None) -> None:
    assert device.choose_threads(DeviceSettings()) == (_cores(), f"{_cores()} CPUs this process may use")


@pytest.mark.parametrize(("quota", "cpus"), [("150000 100000", 2), ("50000 100000", 1), ("max 100000", None)])
def test_a_cgroup_quota_caps_the_cpus(
    no_quota: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, quota: str, cpus: int | None
) -> None:
    (tmp_path / "cpu.max").write_text(quota + "\n")
    monkeypatch.setattr(device, "CGROUP_V2", tmp_path / "cpu.max")
    assert device.available_cpus() == (min(_cores(), cpus) if cpus else _cores())


def test_omp_num_threads_overrides_the_default_and_the_spec_overrides_both(
    no_quota: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert device.choose_threads(DeviceSettings()) == (1, "OMP_NUM_THREADS")
    assert device.choose_threads(DeviceSettings(threads=3)) == (3, "--threads / hardware.threads")


def test_torchrun_processes_share_the_cpus(no_quota: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_WORLD_SIZE", str(2 * _cores()))
    assert device.choose_threads(DeviceSettings())[0] == 1


def test_the_console_says_how_many_threads_and_why(no_quota: None, tmp_path: Path) -> None:
    image = np.full((40, 90), 255, np.uint8)
    image[12:28, 6:84] = 0
    Image.fromarray(image).save(tmp_path / "w.png")
    result = CliRunner().invoke(app, ["read", "en", str(tmp_path / "w.png"), "--threads", "1"])
    assert result.exit_code == 0 and "read: 1 CPU threads (--threads / hardware.threads)" in result.output
