"""Per-character probabilities: each character of a reading gets the probability of its frames."""

from __future__ import annotations

import torch

from lfhtr.train.alignment import character_probabilities


def _frames(best: list[int], sure: list[float], classes: int = 4) -> torch.Tensor:
    """Log-probs whose frame t gives class best[t] probability sure[t], the rest shared equally."""
    rows = []
    for c, p in zip(best, sure, strict=True):
        row = torch.full((classes,), (1 - p) / (classes - 1))
        row[c] = p
        rows.append(row)
    return torch.stack(rows).log()


def test_each_character_gets_its_own_frames_probability() -> None:
    frames = _frames([1, 0, 1, 1, 0, 2, 0], [0.9, 0.99, 0.6, 0.7, 0.99, 0.8, 0.99])
    assert [round(p, 3) for p in character_probabilities(frames, [1, 1, 2])] == [0.9, 0.7, 0.8]


def test_a_text_the_frames_do_not_show_gets_low_probabilities_where_it_differs() -> None:
    frames = _frames([1, 0, 2, 0, 3], [0.95, 0.95, 0.95, 0.95, 0.95])
    read, replaced = character_probabilities(frames, [1, 2, 3]), character_probabilities(frames, [1, 1, 3])
    assert min(read) > 0.9 and replaced[0] > 0.9 and replaced[1] < 0.05 and replaced[2] > 0.9


def test_nothing_to_align_gives_nothing() -> None:
    frames = _frames([1, 0], [0.9, 0.9])
    assert character_probabilities(frames, []) == () and character_probabilities(frames, [1, 1, 1]) == ()
