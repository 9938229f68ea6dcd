"""The synthetic stream and `lfhtr run synth`: determinism, resume, and what the images look like."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from lfhtr.api import Session
from lfhtr.datasets.labels import read_tsv
from lfhtr.errors import DataError
from lfhtr.pipeline import build_pipeline
from lfhtr.stages import synth
from tests.conftest import WORDS

ALL_AUGMENTERS = [
    {"kind": k}
    for k in [
        "affine",
        "elastic",
        "morphology",
        "blur",
        "contrast",
        "paper",
        "noise",
        "neighbour-strokes",
        "ruled-lines",
    ]
]


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.png"))}


def test_pipeline_is_a_pure_function_of_seed_and_index(make_session: Callable[..., Session]) -> None:
    pipeline = build_pipeline(make_session(augmenters=[{**a, "p": 1.0} for a in ALL_AUGMENTERS]))
    for index in (0, 5, 123):
        (text_a, image_a), (text_b, image_b) = pipeline.sample(index), pipeline.sample(index)
        assert text_a == text_b and np.array_equal(image_a, image_b)
        assert text_a in WORDS
        assert image_a.shape[0] == 32 and image_a.dtype == np.uint8
        assert int(image_a.max()) - int(image_a.min()) > 40, "ink and paper must both be present"
    assert len({pipeline.sample(i)[1].tobytes() for i in range(10)}) == 10


def test_a_sample_drawn_in_a_batch_is_the_sample_drawn_alone(make_session: Callable[..., Session]) -> None:
    """Batches run a stage at a time over all their samples; each sample's stream must not notice."""
    pipeline = build_pipeline(make_session(augmenters=[{**a, "p": 0.5} for a in ALL_AUGMENTERS]))
    batch = pipeline.samples(range(40, 80))
    alone = [pipeline.sample(index) for index in range(40, 80)]
    assert [text for text, _ in batch] == [text for text, _ in alone]
    assert all(np.array_equal(a, b) for (_, a), (_, b) in zip(batch, alone, strict=True))
    assert len({image.tobytes() for _, image in batch}) == 40


def test_synth_writes_identical_output_for_a_seed_and_resumes(make_session: Callable[..., Session]) -> None:
    session = make_session(synth={"count": 300})
    folder = synth.run(session)
    header, *labels = (folder / "labels.tsv").read_text().splitlines()
    assert header == "file\ttext" and len(labels) == 300 and labels[0].startswith("0000000.png\t")
    assert len(read_tsv(folder / "labels.tsv")) == 300  # the header is no label
    first = _digest(folder)
    assert len(first) == 300
    # a kill mid-run loses the shard in flight: its part manifest is missing, its images partly written
    (folder / "parts" / "0000250.tsv").unlink()
    for name in list(first)[260:]:
        (folder / name).unlink()
    synth.run(session)
    assert _digest(folder) == first
    assert (folder / "labels.tsv").read_text().splitlines()[1:] == labels


def test_synth_redraws_shards_written_for_another_count_or_spec(make_session: Callable[..., Session]) -> None:
    synth.run(make_session(synth={"count": 30}))
    folder = synth.run(make_session(synth={"count": 270}))  # the first shard held 30, not 250
    assert len((folder / "labels.tsv").read_text().splitlines()) == 271 == len(_digest(folder)) + 1
    reseeded = synth.run(make_session(seed=8, synth={"count": 270}))
    fresh = synth.run(make_session(seed=8, synth={"count": 270, "folder": "fresh"}))
    assert _digest(reseeded) == _digest(fresh)
    assert (reseeded / "labels.tsv").read_text() == (fresh / "labels.tsv").read_text()


def test_synth_with_worker_processes_matches_single_process(
    make_session: Callable[..., Session], tmp_path: Path
) -> None:
    single = synth.run(make_session(synth={"count": 260, "folder": "one"}))
    multi = synth.run(make_session(synth={"count": 260, "folder": "two", "workers": 2}))
    assert _digest(single) == _digest(multi)
    assert (single / "labels.tsv").read_text() == (multi / "labels.tsv").read_text()


def test_a_plugin_image_that_breaks_the_contract_is_a_clear_error(
    make_session: Callable[..., Session],
) -> None:
    pipeline = build_pipeline(make_session(augmenters=[{"kind": "blur", "p": 1.0}]))
    [blur] = pipeline.augmenters
    blur.apply = lambda image, rng: image[1:]  # type: ignore[method-assign]  # one row short
    with pytest.raises(
        DataError, match=r"augmenter 'blur' returned uint8 \(31, \d+\); the contract is uint8"
    ):
        pipeline.sample(0)
    pipeline.renderer.render = lambda text, rng: np.zeros((32, 40), np.float32)  # type: ignore[method-assign]
    with pytest.raises(DataError, match=r"renderer 'font' returned float32 \(32, 40\)"):
        pipeline.sample(0)
