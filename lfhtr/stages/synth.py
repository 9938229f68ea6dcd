"""`lfhtr run synth`: write N synthetic word images and a labels.tsv manifest.

Work is split into shards of ``SHARD`` images; a shard counts as done once its part manifest is written
(after its images), so a kill at any moment loses at most the shards in flight, and a resumed run redoes
only those. Because a sample depends only on (seed, index), the resumed output is byte-identical.
"""

from __future__ import annotations

import io
import multiprocessing
import re
from collections.abc import Iterator
from pathlib import Path

import torch
from PIL import Image

from lfhtr import tsv
from lfhtr.atomic import atomic_write
from lfhtr.log import log
from lfhtr.pipeline import STREAMS, SynthPipeline, build_pipeline
from lfhtr.progress import progress
from lfhtr.session import Session
from lfhtr.stages.runrecord import record_start

SHARD = 250

_worker_pipeline: SynthPipeline | None = None


_NUMBERED = re.compile(r"\d{7}")


def _png(image_array: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image_array).save(buffer, format="PNG")  # type: ignore[arg-type]
    return buffer.getvalue()


IMAGE_FIELDS = ("seed", "charset", "height", "corpus", "renderer", "augmenters")
"""The spec fields that decide what the images are: a shard written under others is stale."""


def _header(sign: str, start: int, stop: int) -> str:
    return f"# lfhtr synth {sign} {start} {stop}\n"


def _part(folder: Path, start: int) -> Path:
    return folder / "parts" / f"{start:07d}.tsv"


def _rows(folder: Path, sign: str, start: int, stop: int) -> str | None:
    """The shard's manifest rows if it is complete and was written for this spec, else None."""
    try:
        header, _, rows = _part(folder, start).read_text("utf-8").partition("\n")
    except (OSError, UnicodeDecodeError):
        return None
    complete = header + "\n" == _header(sign, start, stop) and rows.count("\n") == stop - start
    return rows if complete else None


def write_shard(pipeline: SynthPipeline, folder: Path, sign: str, start: int, stop: int) -> int:
    rows = [_header(sign, start, stop)]
    stream = STREAMS["synth"]
    for index, (text, image) in enumerate(pipeline.samples(range(stream + start, stream + stop)), start):
        name = f"{index:07d}.png"
        atomic_write(folder / name, _png(image))
        rows.append(tsv.row(name, text))
    atomic_write(_part(folder, start), "".join(rows))
    return stop - start


def _init_worker(session: Session) -> None:
    global _worker_pipeline
    torch.set_num_threads(1)  # the augmenters' torch kernels: one core per worker process
    _worker_pipeline = build_pipeline(session)


def _worker_shard(job: tuple[Path, str, int, int]) -> int:
    assert _worker_pipeline is not None
    return write_shard(_worker_pipeline, *job)


def _pending(folder: Path, sign: str, count: int) -> list[tuple[Path, str, int, int]]:
    return [
        (folder, sign, start, min(start + SHARD, count))
        for start in range(0, count, SHARD)
        if _rows(folder, sign, start, min(start + SHARD, count)) is None
    ]


def _run_jobs(
    session: Session, pipeline: SynthPipeline, jobs: list[tuple[Path, str, int, int]], workers: int
) -> Iterator[int]:
    if workers == 0:
        for job in jobs:
            yield write_shard(pipeline, *job)
        return
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    )
    with context.Pool(workers, initializer=_init_worker, initargs=(session,)) as pool:
        yield from pool.imap_unordered(_worker_shard, jobs)


def run(session: Session, workers: int | None = None) -> Path:
    settings = session.spec.synth
    folder = session.output / settings.folder
    count = settings.count
    sign = session.spec_hash(IMAGE_FIELDS)
    jobs = _pending(folder, sign, count)
    done = count - sum(stop - start for _, _, start, stop in jobs)
    stale = sum(_part(folder, start).exists() for _, _, start, _ in jobs)
    if stale:
        log.warning(
            f"synth: {stale} shards in {folder} were written by another spec or count; redrawing them"
        )
    if done:
        log.info(f"synth: resuming, {done} of {count} images already written")
    pipeline = build_pipeline(session)  # here, not first in a worker: a font or corpus problem is one line
    record_start(session, "synth")
    with progress("img") as bar:
        task = bar.add_task("synth", total=count, completed=done, status="")
        for finished in _run_jobs(session, pipeline, jobs, settings.workers if workers is None else workers):
            bar.advance(task, finished)
    manifest = tsv.row("file", "text") + "".join(
        _rows(folder, sign, start, min(start + SHARD, count)) or "" for start in range(0, count, SHARD)
    )
    atomic_write(folder / "labels.tsv", manifest)
    _remove_beyond(folder, count)
    log.info(f"synth: {count} images and labels.tsv in {folder}")
    return folder


def _remove_beyond(folder: Path, count: int) -> None:
    """Images and shard manifests an earlier, larger ``synth.count`` wrote: a folder of ``count`` images
    is what the spec says, and a reader of the folder would take the stale ones for part of the set.
    Only lfhtr's own names (``0001234.png``, ``parts/0001000.tsv``) are removed."""
    written = [*folder.glob("*.png"), *(folder / "parts").glob("*.tsv")]
    stale = [p for p in written if _NUMBERED.fullmatch(p.stem) and int(p.stem) >= count]
    for path in stale:
        path.unlink(missing_ok=True)
    if stale:
        log.info(f"synth: removed {len(stale)} files an earlier, larger synth.count wrote")
