"""Synthetic training batches as a pure function of the step number.

Steps are grouped in chunks of ``CHUNK`` batches whose samples are rendered together and bucketed by
width. Chunk ``c`` of rank ``r`` depends only on (seed, c, r), so DataLoader workers can render chunks in
any order, DDP ranks never draw the same sample, and a resumed run sees exactly the batches it would
have seen.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import torch
from torch.utils.data import DataLoader, Dataset

from lfhtr.pipeline import STREAMS, SynthPipeline
from lfhtr.text.charset import Charset
from lfhtr.train.batching import Batch, collate, width_batches

CHUNK = 8


class SyntheticChunks(Dataset[list[Batch]]):
    def __init__(
        self, pipeline: SynthPipeline, charset: Charset, batch_size: int, rank: int = 0, world: int = 1
    ) -> None:
        self.pipeline = pipeline
        self.charset = charset
        self.batch_size = batch_size
        self.rank = rank
        self.world = world

    def __len__(self) -> int:
        return 2**40

    def __getitem__(self, chunk: int) -> list[Batch]:
        per_chunk = CHUNK * self.batch_size
        base = (chunk * self.world + self.rank) * per_chunk
        samples = self.pipeline.samples(range(base, base + per_chunk))
        rng = random.Random(self.pipeline.seed * 7919 + chunk * self.world + self.rank)
        groups = width_batches([img.shape[1] for _, img in samples], self.batch_size, rng)
        return [collate([samples[i][1] for i in g], [samples[i][0] for i in g], self.charset) for g in groups]


def synthetic_batches(chunks: SyntheticChunks, start_step: int, workers: int) -> Iterator[Batch]:
    """Endless batches from ``start_step`` on, rendered by ``workers`` processes (0: in this one)."""
    first_chunk, skip = divmod(start_step, CHUNK)
    # its own generator: drawing the workers' base seed from the global one would shift every dropout
    # mask after a resume, which restores the global generator before this loader starts
    loader = DataLoader(
        chunks,
        batch_size=None,
        sampler=range(first_chunk, len(chunks)),
        num_workers=workers,
        prefetch_factor=2 if workers else None,
        persistent_workers=False,
        worker_init_fn=_quiet_worker,
        generator=torch.Generator().manual_seed(chunks.pipeline.seed),
    )
    for batches in loader:
        yield from batches[skip:]
        skip = 0


def _quiet_worker(_: int) -> None:
    torch.set_num_threads(1)  # rendering workers must not compete with training's intra-op threads


def validation_set(pipeline: SynthPipeline, size: int) -> tuple[list, list[str]]:
    samples = pipeline.samples(range(STREAMS["validation"], STREAMS["validation"] + size))
    return [img for _, img in samples], [text for text, _ in samples]
