"""What an adaptation strategy works with: the model, the unlabelled images, and resumable state.

Strategies own the algorithm; this object owns the plumbing they share (reading the target images,
logging rounds with the monitor CER, checkpointing mid-round, writing the final model and plot), so a
third-party strategy gets resume and reporting for free.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lfhtr.atomic import atomic_write
from lfhtr.errors import Interrupted
from lfhtr.imaging.folder import ImageSet
from lfhtr.imaging.labels import LabelledImages
from lfhtr.plots import plot_adaptation
from lfhtr.progress import console, progress
from lfhtr.session import Session
from lfhtr.synth import STREAMS, SynthPipeline, build_lexicon
from lfhtr.text.charset import Charset
from lfhtr.train import checkpoint, runlog
from lfhtr.train.batching import collate
from lfhtr.train.decoding import Reading
from lfhtr.train.distributed import SINGLE_PROCESS, Ranks
from lfhtr.train.lexicon import Lexicon
from lfhtr.train.measure import measure
from lfhtr.train.recognizer import Recognizer
from lfhtr.train.trainer import Trainer


def fresh_state() -> dict[str, Any]:
    return {"round": 0, "labels": None, "previous": {}, "step_in_round": 0}


@dataclass
class AdaptRun:
    session: Session
    recognizer: Recognizer
    trainer: Trainer
    pipeline: SynthPipeline
    target: ImageSet
    monitor: LabelledImages | None
    last: Path
    final: Path
    log: Path
    state: dict[str, Any] = field(default_factory=fresh_state)
    ranks: Ranks = SINGLE_PROCESS
    model: torch.nn.Module | None = None  # the trainer's objective, DDP-wrapped under torchrun
    batch_size: int = 64
    synthetic_base: int = STREAMS["adapt"]
    _lexicon: Lexicon | None = None

    @property
    def charset(self) -> Charset:
        return self.recognizer.charset

    @property
    def seed(self) -> int:
        return self.session.spec.seed

    def read_target(self, method: str = "greedy", lexicon: bool = False) -> list[Reading]:
        readings, outputs = self.recognizer.read(
            self.target.images, self.batch_size, method, keep_outputs=lexicon
        )
        if lexicon:
            if self._lexicon is None:
                self._lexicon = build_lexicon(self.session, "adapt.lexicon")
            readings = [self._lexicon.snap(lp, n, r) for (lp, n), r in zip(outputs, readings)]
        return readings

    def monitor_metrics(self) -> dict[str, float] | None:
        """The monitor set's metrics; measured by rank 0 alone, the only rank that logs them."""
        if self.monitor is None or not self.ranks.main:
            return None
        metrics, _ = measure(self.recognizer, self.monitor.images, self.monitor.texts, self.batch_size)
        return metrics

    def log_round(self, round_index: int, readings: list[Reading], kept: list[int], changed: int) -> None:
        chosen = [readings[i].confidence for i in kept]
        record: dict[str, Any] = {
            "round": round_index,
            "time": time.time(),
            "images": len(readings),
            "kept": len(kept),
            "changed": changed,
            "mean_confidence_kept": sum(chosen) / max(1, len(chosen)),
            "mean_confidence_all": sum(r.confidence for r in readings) / max(1, len(readings)),
            "monitor": self.monitor_metrics(),
        }
        if self.ranks.main:
            runlog.append(self.log, record)
            atomic_write(
                self.log.parent / f"adapt-round-{round_index}.tsv",
                "".join(
                    f"{self.target.names[i]}\t{readings[i].text}\t{readings[i].confidence:.4f}\n"
                    for i in kept
                ),
            )
        shown = f", monitor CER {record['monitor']['cer']:.4f}" if record["monitor"] else ""
        console.print(
            f"adapt round {round_index + 1}: kept {len(kept)}/{len(readings)}, "
            f"mean confidence {record['mean_confidence_kept']:.3f}, changed {changed}{shown}"
        )

    def run_rounds(
        self, rounds: int, choose: Callable[[int], dict[str, str] | None], train: Callable[[int], None]
    ) -> Path:
        """The round loop every strategy shares, resumable mid-round.

        ``choose(r)`` picks round r's pseudo-labels (name → text), or None to stop early; it is skipped when
        a resumed round already has them. ``train(r)`` trains from ``state['step_in_round']`` on.
        """
        state = self.state
        while state["round"] < rounds:
            r = state["round"]
            if state["labels"] is None:
                labels = choose(r)
                if labels is None:
                    break
                state.update(labels=list(labels.items()), step_in_round=0)
            train(r)
            state.update(round=r + 1, previous=dict(state["labels"]), labels=None, step_in_round=0)
            self.save()
        return self.finish()

    def train_round(
        self,
        round_index: int,
        options: Any,
        real_part: Callable[[random.Random, int], tuple[list[np.ndarray], list[str]]],
        status: str,
    ) -> None:
        """Train one round from ``state['step_in_round']`` on; the batch mix is a function of the step.

        ``real_part(rng, n)`` supplies up to ``n`` labelled real images; synthetic samples fill the rest of
        the batch. Everything random derives from (seed, step, rank), so a resumed round repeats its
        batches and no two ranks draw the same ones.
        """
        o = options
        synthetic = round(o.batch_size * o.synthetic_share)
        with progress("step") as bar:
            task = bar.add_task(
                f"adapt round {round_index + 1}/{o.rounds}",
                total=o.steps_per_round,
                completed=self.state["step_in_round"],
                status=status,
            )
            try:
                while self.state["step_in_round"] < o.steps_per_round:
                    step = round_index * o.steps_per_round + self.state["step_in_round"]
                    draw = step * self.ranks.world + self.ranks.rank
                    rng = random.Random(self.seed * 1_000_003 + draw)
                    images, texts = real_part(rng, o.batch_size - synthetic)
                    base = self.synthetic_base + draw * o.batch_size
                    for text, image in self.pipeline.samples(range(base, base + o.batch_size - len(images))):
                        images.append(image)
                        texts.append(text)
                    loss = self.trainer.train_step(collate(images, texts, self.charset), self.model)
                    self.state["step_in_round"] += 1
                    bar.update(task, advance=1, status=f"loss {loss:.3f}, {status}")
                    if self.state["step_in_round"] % o.save_every == 0:
                        self.save()
            except KeyboardInterrupt:
                self.save()
                raise Interrupted(
                    f"adapt interrupted in round {round_index + 1} at step {self.state['step_in_round']}; "
                    "continue with --resume."
                ) from None

    def save(self) -> None:
        if not self.ranks.main:
            return
        meta = {
            **self.recognizer.meta(),
            "stage": "adapt",
            "step": self.trainer.step,
            "round": self.state["round"],
            "spec_hash": self.session.spec_hash(),
        }
        checkpoint.save(self.last, {**self.trainer.state_dict(), "adapt": self.state}, meta)

    def finish(self) -> Path:
        if not self.ranks.main:
            return self.final
        metrics = self.monitor_metrics()
        meta = {
            **self.recognizer.meta(),
            "stage": "adapted",
            "step": self.trainer.step,
            "rounds": self.state["round"],
            "monitor": metrics,
            "spec_hash": self.session.spec_hash(),
        }
        checkpoint.save(self.final, {"model": self.recognizer.net.state_dict()}, meta)
        records = runlog.read(self.log)
        runlog.append(
            self.log, {"round": self.state["round"], "final": True, "time": time.time(), "monitor": metrics}
        )
        plot_adaptation(
            records + [{"round": self.state["round"], "monitor": metrics}], self.log.parent / "adapt.png"
        )
        if metrics:
            console.print(f"adapt: final monitor CER {metrics['cer']:.4f}, WER {metrics['wer']:.4f}")
        console.print(f"adapt: adapted model in {self.final}")
        return self.final
