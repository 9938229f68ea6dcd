"""A run folder that describes itself: what each stage ran with, written as the stage starts its work,
and how it ended (end time, duration, outcome), added when it stops.

One JSON file per stage start under ``logs/runs/``: the resolved spec (every default filled in), the
command line, and the versions of lfhtr, Python, torch and every plugin in use, so a result can be
traced to what produced it, and two runs compared with ``lfhtr spec diff``.
"""

from __future__ import annotations

import json
import platform
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from lfhtr.atomic import atomic_write
from lfhtr.core import spec as specs
from lfhtr.session import Session
from lfhtr.version import __version__


def record_start(session: Session, stage: str) -> Path:
    """Write this stage start's record; its path."""
    import torch

    now = time.gmtime()
    record: dict[str, Any] = {
        "stage": stage,
        "started": _utc(now),
        "command": shlex.join(sys.argv),
        "spec_file": str(Path(session.source).resolve()),
        "versions": {
            "lfhtr": __version__,
            "python": platform.python_version(),
            "torch": torch.__version__,
            "plugins": session.provenance(),
        },
        "spec": specs.dump(session.spec),
    }
    path = session.output / "logs" / "runs" / f"{time.strftime('%Y%m%d-%H%M%S', now)}-{stage}.json"
    atomic_write(path, json.dumps(record, indent=2, ensure_ascii=False))
    return path


def record_end(output: Path, stage: str, since: float, outcome: str) -> None:
    """Add the end time, duration and outcome (``ok``, ``interrupted``, ``error: …``) to the records this
    stage wrote since ``since`` (a ``time.time()``), so a run folder says how each run ended."""
    now = time.time()
    for path in (output / "logs" / "runs").glob(f"*-{stage}.json"):
        try:
            if path.stat().st_mtime < since:
                continue
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        ended = {"ended": _utc(time.gmtime(now)), "duration_s": round(now - since, 1), "exit": outcome}
        atomic_write(path, json.dumps({**record, **ended}, indent=2, ensure_ascii=False))


def _utc(moment: time.struct_time) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", moment)


ABSENT = object()
"""The value of a field one spec has and the other does not (a plugin's own option, say)."""


def _flat(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        found: dict[str, Any] = {}
        for key, value in node.items():
            found.update(_flat(value, f"{prefix}.{key}" if prefix else str(key)))
        return found
    return {prefix: node}


def spec_of(path: Path) -> dict[str, Any]:
    """A spec file with every default filled in, or the spec a run record (``logs/runs/*.json``) holds."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("spec"), dict) and "stage" in data:
        return specs.dump(specs.validate(data["spec"], f"{path} (spec of a run record)"))
    return specs.dump(specs.load(path))


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(dotted key, value in a, value in b) wherever the two specs differ; '$schema' is ignored."""
    flat_a, flat_b = _flat(a), _flat(b)
    keys = sorted((set(flat_a) | set(flat_b)) - {"$schema"})
    return [
        (key, flat_a.get(key, ABSENT), flat_b.get(key, ABSENT))
        for key in keys
        if flat_a.get(key, ABSENT) != flat_b.get(key, ABSENT)
    ]
