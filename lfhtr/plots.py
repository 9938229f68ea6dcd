"""The per-round adaptation curve as a PNG; matplotlib is optional (`pip install lfhtr[plots]`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lfhtr.atomic import atomic_path
from lfhtr.log import log


def plot_adaptation(records: list[dict[str, Any]], output: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.warning("adapt: matplotlib not installed; skipping the round plot (pip install lfhtr[plots])")
        return False
    rounds = [r for r in records if "round" in r]
    fig, left = plt.subplots(figsize=(6, 4), dpi=100)
    kept = [(r["round"], r["kept"] / max(1, r["images"])) for r in rounds if "kept" in r]
    if kept:
        left.plot(*zip(*kept), "s--", color="tab:grey", label="share kept")
    conf = [(r["round"], r["mean_confidence_kept"]) for r in rounds if "mean_confidence_kept" in r]
    if conf:
        left.plot(*zip(*conf), "^:", color="tab:green", label="mean confidence kept")
    cer = [(r["round"], r["monitor"]["cer"]) for r in rounds if r.get("monitor")]
    if cer:
        left.plot(*zip(*cer), "o-", color="tab:red", label="monitor CER")
    left.set_xlabel("round (0 = pretrained model)")
    left.set_ylim(0, 1)
    left.grid(alpha=0.3)
    left.legend(loc="best")
    left.set_title("lfhtr self-training")
    fig.tight_layout()
    with atomic_path(output) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return True
