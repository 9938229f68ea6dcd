"""Where a command may write: never over its own inputs, and over an existing file only of its kind.

An output path typed by a user can point anywhere: at the image being read, at the spec, at a checkpoint,
at a document that happens to share the name. lfhtr replaces only files of the kind the command writes
(a TSV where a TSV is written) unless ``--force`` says otherwise, and never a file the command reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from lfhtr.errors import LfhtrError


def guard_output(
    target: Path,
    force: bool,
    protected: Mapping[Path, str] | None = None,
    replaceable: Iterable[str] = (),
) -> None:
    """Refuse to write ``target`` if it is one of ``protected`` (path → what it is, e.g. "an input
    image"), whatever ``force`` says, or an existing file whose suffix is not ``replaceable``, unless
    ``force``."""
    real = target.resolve()
    for path, what in (protected or {}).items():
        if path.resolve() == real:
            raise LfhtrError(f"{target}: is {what}; write the output elsewhere.")
    suffixes = {suffix.lower() for suffix in replaceable}
    if real.is_file() and not force and real.suffix.lower() not in suffixes:
        raise LfhtrError(f"{target} exists; pass --force to replace it, or write elsewhere.")


def guard_distinct_stems(scans: Sequence[Path], out: Path) -> None:
    """Refuse scans that share a name but for the suffix or folder (``v1/0001.jpg``, ``v2/0001.jpg``):
    their files, named by the scan's stem, would be written over each other in ``out``."""
    seen: dict[str, Path] = {}
    for scan in scans:
        if scan.stem in seen:
            raise LfhtrError(
                f"{seen[scan.stem]} and {scan}: both would be written as {out / scan.stem}.*; "
                "give each folder an output folder of its own, or rename one."
            )
        seen[scan.stem] = scan
