"""Training curves as PNGs to show a colleague; matplotlib is optional (`pip install lfhtr[plots]`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lfhtr.atomic import atomic_path
from lfhtr.log import log


def _pyplot(what: str) -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.warning(f"{what}: matplotlib not installed; skipping the plot (pip install 'lfhtr[plots]')")
        return None
    return plt


def _save(plt: Any, fig: Any, axes: Any, title: str, output: Path) -> None:
    """Grid, integer ticks, the legend below the axes (never over the data), an atomic write."""
    from matplotlib.ticker import MaxNLocator

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(alpha=0.3)
    axes.set_title(title)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False)
    fig.tight_layout()
    with atomic_path(output) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def plot_adaptation(records: list[dict[str, Any]], output: Path) -> bool:
    plt = _pyplot("adapt")
    if plt is None:
        return False
    rounds = [{**r, "trained": r["round"] - (not r.get("final"))} for r in records if "round" in r]
    fig, axes = plt.subplots(figsize=(6.5, 4.5), dpi=100)
    kept = [(r["trained"], r["kept"] / max(1, r["images"])) for r in rounds if "kept" in r]
    if kept:
        axes.plot(*zip(*kept), "s--", color="tab:grey", label="share kept")
    for figure in ("probability", "score"):
        kept_mean = [(r["trained"], r[f"mean_{figure}_kept"]) for r in rounds if f"mean_{figure}_kept" in r]
        if kept_mean:
            axes.plot(*zip(*kept_mean), "^:", color="tab:green", label=f"mean {figure} kept")
    cer = [(r["trained"], r["monitor"]["cer"]) for r in rounds if r.get("monitor")]
    if cer:
        axes.plot(*zip(*cer), "o-", color="tab:red", label="monitor greedy CER")
    axes.set_xlabel("rounds trained (labels chosen by the model after this many rounds)")
    axes.set_ylim(0, 1)
    _save(plt, fig, axes, "lfhtr self-training", output)
    return True


def plot_pretraining(records: list[dict[str, Any]], output: Path) -> bool:
    plt = _pyplot("pretrain")
    if plt is None:
        return False
    fig, axes = plt.subplots(figsize=(6.5, 4.5), dpi=100)
    for key, style, label in (("synth", "o-", "synthetic validation CER"), ("real", "s--", "real CER")):
        points = [(r["step"], r[key]["cer"]) for r in records if isinstance(r.get(key), dict)]
        if points:
            axes.plot(*zip(*points), style, label=label)
    axes.set_xlabel("step")
    axes.set_ylabel("CER (greedy)")
    axes.set_ylim(0, 1)
    _save(plt, fig, axes, "lfhtr pretraining", output)
    return True
