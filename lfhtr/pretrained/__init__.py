"""Models that ship ready to read: lfhtr's own and those of installed plugin distributions.

Each is a model file (``lfhtr.modelfile``) named by an entry in the ``lfhtr.pretrained`` entry-point
group whose value is its path, so a distribution ships more models the way it ships any plugin. A name
works wherever a checkpoint is asked for (``--checkpoint en``, ``adapt.checkpoint``, ``lfhtr read en``,
``Reader.load("en")``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from lfhtr.errors import PATH_RULE, LfhtrError

GROUP = "lfhtr.pretrained"
EN = Path(__file__).with_name("en.lfhtr")
"""English, the default charset: the default pretraining recipe (see its card, `lfhtr models`)."""
DE = Path(__file__).with_name("de.lfhtr")
"""German (ä ö ü ß): the default recipe with ``lfhtr init --language de`` (see its card)."""
EN_LINE = Path(__file__).with_name("en-line.lfhtr")
"""English lines, started from ``en``: what page scans are read with (see its card)."""
DE_LINE = Path(__file__).with_name("de-line.lfhtr")
"""German lines, started from ``de`` (see its card)."""
MULTI = Path(__file__).with_name("multi.lfhtr")
"""Words of the Latin-script languages of Europe in equal shares (``--language europe``), started from
``en``; read and adapt it with ``--language CODE`` (see its card)."""
MULTI_LINE = Path(__file__).with_name("multi-line.lfhtr")
"""Lines of the same languages, started from ``en-line`` (see its card)."""


@dataclass(frozen=True)
class Shipped:
    name: str
    path: Path
    distribution: str


def available() -> dict[str, Shipped]:
    """Every shipped model whose entry point loads to an existing file (others are left out)."""
    found: dict[str, Shipped] = {}
    for ep in entry_points(group=GROUP):
        try:
            path = Path(ep.load())
        except Exception:  # a broken third-party entry must not hide the others
            continue
        if path.is_file():
            dist = ep.dist.metadata["Name"] if ep.dist is not None else "?"
            found.setdefault(ep.name, Shipped(ep.name, path, dist))
    return found


def resolve(model: str | Path, base: Path | None = None) -> Path:
    """The file ``model`` names: an existing path (relative to ``base`` if given), or a shipped name in
    any case."""
    path = (base / model) if base is not None and not Path(model).is_absolute() else Path(model)
    if path.exists():
        return path
    shipped = available()
    by_name = {name.lower(): found for name, found in shipped.items()}
    if str(model).lower() in by_name:  # `EN` and `En-Line` name the shipped models too
        return by_name[str(model).lower()].path
    names = ", ".join(sorted(shipped)) or "none installed"
    raise LfhtrError(
        f"{model}: no such checkpoint or model file, and no shipped model of that name ({names}); "
        f"{PATH_RULE}."
    )
