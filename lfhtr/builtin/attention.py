"""Attention decoder on the CRNN encoder: the encoder-decoder family, for comparison with CTC.

The decoder is a GRU with additive (Bahdanau) attention over the encoder's columns, emitting one character
per step until the end token; with ``location`` filters the attention also sees where it looked at the
previous step (location-aware attention, Chorowski et al. 2015), as in the published recognisers.
It is trained jointly with the encoder's CTC head (hybrid CTC/attention, Watanabe et al. 2017): the CTC
term keeps attention aligned left to right early in training, when a pure attention model on handwriting
tends to loop or skip, and it gives the CTC likelihood that self-training ranks readings by and that
lexicon snapping rescores with.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from lfhtr.builtin.crnn import CrnnNet
from lfhtr.builtin.model_options import AttentionOptions
from lfhtr.core.network import ctc_loss

END = 0  # the decoder's end token reuses CTC's blank id, so both heads share the charset's ids
LOCATION_KERNEL = 15
"""Width in frames of the location filters: a few characters either side of the previous focus."""

State = tuple[torch.Tensor, torch.Tensor]
"""The decoder's hidden state ``[B, hidden]`` and its previous attention weights ``[T, B]``."""


class AttentionDecoder(nn.Module):
    def __init__(self, num_classes: int, features: int, hidden: int, attention: int, location: int) -> None:
        super().__init__()
        self.start = num_classes  # an input-only token: the decoder never predicts it
        self.embed = nn.Embedding(num_classes + 1, hidden)
        self.init = nn.Linear(features, hidden)
        self.keys = nn.Linear(features, attention)
        self.query = nn.Linear(hidden, attention, bias=False)
        self.score = nn.Linear(attention, 1, bias=False)
        self.location = (
            nn.Sequential(
                nn.Conv1d(1, location, LOCATION_KERNEL, padding=LOCATION_KERNEL // 2, bias=False),
                nn.Conv1d(location, attention, 1, bias=False),
            )
            if location
            else None
        )
        self.cell = nn.GRUCell(hidden + features, hidden)
        self.out = nn.Linear(hidden + features, num_classes)

    def begin(self, memory: torch.Tensor, lengths: torch.Tensor) -> tuple[State, torch.Tensor, torch.Tensor]:
        """Initial state from the mean of the valid columns, projected keys, and the padding mask.

        The initial attention weights are the first frame's, where reading starts.
        """
        frames = torch.arange(memory.shape[0], device=memory.device)
        mask = frames[:, None] >= lengths.to(memory.device)[None, :]  # T, B: True on padding
        valid = (~mask).unsqueeze(-1).to(memory.dtype)
        mean = (memory * valid).sum(0) / valid.sum(0).clamp_min(1)
        start = (frames == 0).to(memory.dtype)[:, None].expand(-1, memory.shape[1])
        return (torch.tanh(self.init(mean)), start), self.keys(memory), mask

    def step(
        self,
        previous: torch.Tensor,
        state: State,
        memory: torch.Tensor,
        keys: torch.Tensor,
        mask: torch.Tensor,
    ) -> tuple[torch.Tensor, State]:
        """Logits for the next character and the new state, given the previous character's id."""
        hidden, focus = state
        energy = keys + self.query(hidden).unsqueeze(0)
        if self.location is not None:  # T, B, attention from the previous weights, as a B, 1, T signal
            energy = energy + self.location(focus.t().unsqueeze(1)).permute(2, 0, 1)
        weights = self.score(torch.tanh(energy)).squeeze(-1).masked_fill(mask, -1e4).softmax(0)
        context = (weights.unsqueeze(-1) * memory).sum(0)
        hidden = self.cell(torch.cat([self.embed(previous), context], -1), hidden)
        return self.out(torch.cat([hidden, context], -1)), (hidden, weights)


class AttentionNet(CrnnNet):
    def __init__(self, num_classes: int, height: int, options: AttentionOptions) -> None:
        super().__init__(num_classes, height, options)
        self.options = options
        self.decoder = AttentionDecoder(
            num_classes, 2 * options.hidden, options.hidden, options.attention, options.location
        )

    def loss(
        self,
        images: torch.Tensor,
        widths: torch.Tensor,
        targets: torch.Tensor,
        target_lengths: torch.Tensor,
    ) -> torch.Tensor:
        memory, lengths = self.encode(images, widths)
        ctc = ctc_loss(self.head(memory).float().log_softmax(-1), lengths, targets, target_lengths)
        inputs, expected = self._teacher_forcing(targets, target_lengths, memory.device)
        state, keys, mask = self.decoder.begin(memory, lengths)
        logits = []
        for i in range(inputs.shape[1]):
            step_logits, state = self.decoder.step(inputs[:, i], state, memory, keys, mask)
            logits.append(step_logits)
        cross_entropy = F.cross_entropy(
            torch.stack(logits, 1).float().flatten(0, 1), expected.flatten(), ignore_index=-100
        )
        weight = self.options.ctc_weight
        return weight * ctc + (1 - weight) * cross_entropy

    def _teacher_forcing(
        self, targets: torch.Tensor, target_lengths: torch.Tensor, device: torch.device
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Decoder inputs (start, y1…yn) and expected outputs (y1…yn, end), padded per batch."""
        steps = int(target_lengths.max()) + 1 if len(target_lengths) else 1
        inputs = torch.full((len(target_lengths), steps), self.decoder.start, dtype=torch.long)
        expected = torch.full((len(target_lengths), steps), -100, dtype=torch.long)
        for row, text in enumerate(torch.split(targets.cpu(), target_lengths.tolist())):
            inputs[row, 1 : len(text) + 1] = text
            expected[row, : len(text)] = text
            expected[row, len(text)] = END
        return inputs.to(device), expected.to(device)

    def read(self, images: torch.Tensor, widths: torch.Tensor) -> list[tuple[list[int], float]]:
        """Greedy decoding; confidence is the geometric mean probability of the emitted tokens and end."""
        memory, lengths = self.encode(images, widths)
        state, keys, mask = self.decoder.begin(memory, lengths)
        batch = memory.shape[1]
        previous = torch.full((batch,), self.decoder.start, dtype=torch.long, device=memory.device)
        labels: list[list[int]] = [[] for _ in range(batch)]
        log_likelihood = [0.0] * batch
        done = [False] * batch
        for _ in range(min(self.options.max_length, memory.shape[0]) + 1):
            logits, state = self.decoder.step(previous, state, memory, keys, mask)
            best_log_prob, previous = logits.float().log_softmax(-1).max(-1)
            for row, (token, log_prob) in enumerate(zip(previous.tolist(), best_log_prob.tolist())):
                if done[row]:
                    continue
                log_likelihood[row] += log_prob
                if token == END:
                    done[row] = True
                else:
                    labels[row].append(token)
            if all(done):
                break
        return [(ids, math.exp(total / (len(ids) + 1))) for ids, total in zip(labels, log_likelihood)]
