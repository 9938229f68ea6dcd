"""How sure the model is of each character of a reading: the CTC frames the text aligns to, and the
probability the model gave that character there.

A word's confidence says whether to proofread it; a character's says where. The text may be the
greedy reading or a lexicon word that replaced it: either is aligned to the model's output by the most
probable CTC path (Viterbi), and each character gets the highest probability of its frames on that path.
The same path places each word of a line for the lexicon (``lfhtr.reading.lexicon``).
"""

from __future__ import annotations

import numpy as np
import torch

BLANK = 0


def best_path(log_probs: torch.Tensor, labels: list[int]) -> list[int] | None:
    """The state of each frame on the most probable CTC path that reads ``labels`` from ``log_probs``
    ([T, C] of one image, already cut to its length): 2k + 1 on a frame of label k, even on a blank.
    None where no path reads them (more labels than frames)."""
    frames, count = int(log_probs.shape[0]), len(labels)
    if count == 0 or frames == 0:
        return None
    extended = [BLANK] * (2 * count + 1)  # blank, label 1, blank, label 2, ..., blank
    extended[1::2] = labels
    states = len(extended)
    emitted = log_probs.float()[:, extended].cpu().numpy()  # T, S
    may_skip = np.zeros(states, dtype=bool)  # past the blank between two different labels
    may_skip[3::2] = [a != b for a, b in zip(labels[1:], labels[:-1])]
    impossible = np.float32(-np.inf)
    best = np.full(states, impossible)
    best[:2] = emitted[0, :2]
    came_from = np.zeros((frames, states), dtype=np.int8)  # 0: stayed, 1: from the state before, 2: skipped
    for t in range(1, frames):
        step = np.concatenate(([impossible], best[:-1]))
        skip = np.where(may_skip, np.concatenate(([impossible, impossible], best[:-2])), impossible)
        choices = np.stack((best, step, skip))
        came_from[t] = choices.argmax(0)
        best = choices.max(0) + emitted[t]
    state = states - 1 if best[-1] >= best[-2] else states - 2
    if not np.isfinite(best[state]):
        return None
    path = [0] * frames
    moves = came_from.tolist()
    for t in range(frames - 1, -1, -1):
        path[t] = state
        state -= moves[t][state]
    return path


def label_frames(log_probs: torch.Tensor, labels: list[int]) -> list[tuple[int, int]] | None:
    """The first and last frame of each of ``labels`` on their best path; None where none reads them."""
    path = best_path(log_probs, labels)
    if path is None:
        return None
    spans = [(len(path), -1)] * len(labels)
    for t, state in enumerate(path):
        if state % 2:
            first, _ = spans[state // 2]
            spans[state // 2] = (min(first, t), t)
    return spans


def character_probabilities(log_probs: torch.Tensor, labels: list[int]) -> tuple[float, ...]:
    """Per label of ``labels``, its probability on the best CTC path through ``log_probs`` ([T, C] of one
    image, already cut to its length); empty where the text cannot be aligned (more labels than frames)."""
    path = best_path(log_probs, labels)
    if path is None:
        return ()
    probabilities = [0.0] * len(labels)
    for t, state in enumerate(path):
        if state % 2:
            k = state // 2
            probabilities[k] = max(probabilities[k], float(log_probs[t, labels[k]].float().exp()))
    return tuple(probabilities)
