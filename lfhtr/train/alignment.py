"""How sure the model is of each character of a reading: the CTC frames the text aligns to, and the
probability the model gave that character there.

A word's confidence says whether to proofread it; a character's says where. The text may be the
greedy reading or a lexicon word that replaced it: either is aligned to the model's output by the most
probable CTC path (Viterbi), and each character gets the highest probability of its frames on that path.
"""

from __future__ import annotations

import torch

BLANK = 0


def character_probabilities(log_probs: torch.Tensor, labels: list[int]) -> tuple[float, ...]:
    """Per label of ``labels``, its probability on the best CTC path through ``log_probs`` ([T, C] of one
    image, already cut to its length); empty where the text cannot be aligned (more labels than frames)."""
    frames, count = int(log_probs.shape[0]), len(labels)
    if count == 0 or frames == 0:
        return ()
    states = 2 * count + 1  # blank, label 1, blank, label 2, ..., blank
    extended = torch.full((states,), BLANK, dtype=torch.long)
    extended[1::2] = torch.tensor(labels, dtype=torch.long)
    emitted = log_probs.float()[:, extended]  # T, S
    may_skip = torch.zeros(states, dtype=torch.bool)  # past the blank between two different labels
    may_skip[3::2] = extended[3::2] != extended[1:-2:2]
    impossible = torch.tensor(float("-inf"))
    best = torch.full((states,), float("-inf"))
    best[:2] = emitted[0, :2]
    came_from = torch.zeros((frames, states), dtype=torch.long)
    for t in range(1, frames):
        stay = best
        step = torch.cat([impossible.view(1), best[:-1]])
        skip = torch.where(may_skip, torch.cat([impossible.repeat(2), best[:-2]]), impossible)
        best, move = torch.stack([stay, step, skip]).max(0)
        came_from[t] = move
        best = best + emitted[t]
    last = states - 1 if states == 1 or best[-1] >= best[-2] else states - 2
    if not torch.isfinite(best[last]):
        return ()
    path = [0] * frames
    state, moves = last, came_from.tolist()
    for t in range(frames - 1, -1, -1):
        path[t] = state
        state -= moves[t][state]
    probabilities = [0.0] * count
    for t, state in enumerate(path):
        if state % 2:
            k = state // 2
            probabilities[k] = max(probabilities[k], float(emitted[t, state].exp()))
    return tuple(probabilities)
