"""The synthetic sample stream: sampler → renderer → augmenters, a pure function of (seed, index).

Making every sample depend only on its index is what gives byte-identical output for a seed, lets
DataLoader workers and DDP ranks draw disjoint samples without coordination, and lets an interrupted
`synth` resume without redoing finished work.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from lfhtr.core.interfaces import Augmenter, Renderer, TextSampler
from lfhtr.errors import DataError
from lfhtr.session import Session
from lfhtr.text.lines import draw_line

STREAMS = {"pretrain": 0, "validation": 10**12, "synth": 2 * 10**12, "adapt": 10**13}
"""Disjoint index ranges per use: pretraining never sees the validation words or `synth`'s written set."""


@dataclass
class SynthPipeline:
    sampler: TextSampler
    renderer: Renderer
    augmenters: list[Augmenter]
    seed: int
    height: int
    line_length: tuple[int, int] | None = None
    """Characters per synthetic line when the model reads lines; None: single words."""

    def _checked(self, image: object, made_by: Renderer | Augmenter) -> np.ndarray:
        """A plugin's image, if it keeps the contract (uint8, H×W, the session's height); else a clear error.

        A wrong height or dtype would otherwise train silently on garbage or fail deep inside batching.
        """
        if (
            isinstance(image, np.ndarray)
            and image.dtype == np.uint8
            and image.ndim == 2
            and image.shape[0] == self.height
            and image.shape[1] >= 1
        ):
            return image
        shape = getattr(image, "shape", None)
        dtype = getattr(image, "dtype", type(image).__name__)
        family = "renderer" if isinstance(made_by, Renderer) else "augmenter"
        raise DataError(
            f"{family} '{made_by.kind}' returned {dtype} {shape}; the contract is uint8 H×W with H = "
            f"{self.height} (docs/plugins.md)."
        )

    def rng(self, index: int) -> random.Random:
        return random.Random(self.seed * 2**40 + index)

    def text(self, rng: random.Random) -> str:
        for _ in range(1000):
            if self.line_length is None:
                text = self.sampler.sample(rng)
            else:
                text = draw_line(lambda: self.sampler.sample(rng), rng, self.line_length)
            if self.renderer.can_render(text):
                return text
        raise DataError("no font can draw the sampled words; check the charset and renderer.fonts.")

    def augment(self, image: np.ndarray, rng: random.Random) -> np.ndarray:
        """One image through the augmenters, in order."""
        return self.augment_each([image], [rng])[0]

    def augment_each(self, images: list[np.ndarray], rngs: list[random.Random]) -> list[np.ndarray]:
        """Each image through the augmenters with its own stream, one augmenter at a time over them all.

        Running a stage over the whole list, rather than every stage per image, keeps the stage's code
        and data in the CPU caches: an augmenter costs more when the renderer and the other augmenters
        run between its calls (docs/benchmarks.md). Each stream is read in the same order either way.
        ``images`` is updated in place and returned.
        """
        for augmenter in self.augmenters:
            for k, rng in enumerate(rngs):
                if rng.random() < augmenter.options.p:
                    images[k] = self._checked(augmenter.apply(images[k], rng), augmenter)
        return images

    def samples(self, indices: Iterable[int], augment: bool = True) -> list[tuple[str, np.ndarray]]:
        """The samples at ``indices``, a stage at a time: each the same bytes as drawn alone."""
        rngs = [self.rng(index) for index in indices]
        words = [self.text(rng) for rng in rngs]
        images = [
            self._checked(self.renderer.render(word, rng), self.renderer) for word, rng in zip(words, rngs)
        ]
        return list(zip(words, self.augment_each(images, rngs) if augment else images))

    def sample(self, index: int, augment: bool = True) -> tuple[str, np.ndarray]:
        return self.samples([index], augment)[0]


def build_sampler(session: Session) -> TextSampler:
    """The spec's corpus sampler, prepared: what the pipeline draws words from and lexicons come from."""
    sampler: TextSampler = session.build("sampler", session.spec.corpus)
    sampler.prepare(session.context())
    return sampler


def build_pipeline(session: Session) -> SynthPipeline:
    spec = session.spec
    sampler = build_sampler(session)
    renderer: Renderer = session.build("renderer", spec.renderer)
    renderer.prepare(session.context(), spec.height)
    augmenters = [session.build("augmenter", a) for a in spec.augmenters]
    lines = spec.line_length if spec.unit == "line" else None
    return SynthPipeline(sampler, renderer, augmenters, spec.seed, spec.height, lines)
