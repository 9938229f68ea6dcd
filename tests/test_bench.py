"""The benchmark scripts run: the GPU check on the CPU (so it works before a GPU is at hand), and the
time-to-accuracy comparison on a short schedule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def _benchmark(script: str, *args: str) -> dict:
    """What ``bench/<script>`` prints (JSON), run with this Python; its output in the failure message."""
    command = [sys.executable, str(ROOT / "bench" / script), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_the_gpu_check_runs_on_the_cpu_and_finds_the_same_seed_gives_the_same_weights() -> None:
    result = subprocess.run(
        ["bash", str(ROOT / "bench" / "gpu_check.sh"), "--cpu"], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "| same seed, same weights" in result.stdout and "| yes |" in result.stdout
    assert "DDP over 2 processes" in result.stdout and "words/s" in result.stdout
    assert "attention-large at 64 px" in result.stdout


GW = ROOT.parent / "shared" / "data" / "gw-dev"


@pytest.mark.skipif(not GW.is_dir(), reason="needs ../shared/data/gw-dev")
def test_time_to_accuracy_runs_both_sides_through_both_stages_and_reports_the_ratio(tmp_path: Path) -> None:
    short = ["pretrain.val_every=10", "pretrain.val_size=16"]
    report = _benchmark(
        "time_to_accuracy.py",
        *["--data", str(GW), "--out", str(tmp_path)],
        *["--steps", "20", "--rounds", "1", "--steps-per-round", "4"],
        *["--pretrain-milestone", "50", "--adapt-milestone", "50"],  # any CER: every side reaches it
        *["--baseline", "hardware.amp=false", *short, "--candidate", *short],
    )
    for side in ("baseline", "candidate"):
        for stage in ("pretrain", "adapt"):
            assert 0 < report[side][stage]["minutes"] <= report[side][stage]["total_minutes"]
    assert set(report["ratio"]) == {"pretrain", "adapt"} and all(v > 0 for v in report["ratio"].values())
    spec = json.loads((tmp_path / "baseline" / "session.json").read_text())
    assert spec["hardware"]["amp"] is False and spec["pretrain"]["steps"] == 20


GW_PAGES = ROOT.parent / "shared" / "data" / "gw-pages"


@pytest.mark.skipif(not GW_PAGES.is_dir(), reason="needs ../shared/data/gw-pages")
def test_the_segmentation_benchmark_reads_two_pages_as_a_spread_and_finds_both_pages_lines() -> None:
    figures = _benchmark(
        "segmentation.py",
        *[str(GW_PAGES), str(GW_PAGES / "page-gt"), "--include", "27[67].xml", "--spreads", "--threads", "1"],
    )
    assert figures["pages"] == 1 and figures["lines in the ground truth"] == 66
    assert figures["recall"] > 0.9 and figures["precision"] > 0.9


@pytest.mark.skipif(not GW_PAGES.is_dir(), reason="needs ../shared/data/gw-pages")
def test_the_crooked_pages_benchmark_reads_a_page_turned_8_degrees_as_well_as_level() -> None:
    level, turned = _benchmark(
        "crooked_pages.py",
        *[
            str(GW_PAGES / "276.jpg"),
            str(GW_PAGES / "page-gt" / "276.xml"),
            "--angles",
            "0",
            "-8",
            "--threads",
            "1",
        ],
    )["pages"]
    assert level["lines found"] >= 33 and turned["lines found"] >= 33
    assert turned["page CER"] < level["page CER"] + 0.05
