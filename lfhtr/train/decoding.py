"""Turning CTC outputs into text, with a confidence that self-training can rank predictions by.

Confidence is P(text | image) under CTC (all alignments, not just the best path), taken per character
(geometric mean), so long words are not penalised merely for being long.
"""

from __future__ import annotations

import math
from collections import defaultdict

import torch
import torch.nn.functional as F

from lfhtr.core.interfaces import Reading
from lfhtr.text.charset import Charset


def greedy(log_probs: torch.Tensor, lengths: torch.Tensor) -> list[list[int]]:
    """Best path: most likely class per frame, repeats merged, blanks dropped."""
    best = log_probs.argmax(-1).transpose(0, 1).cpu()  # B, T
    out = []
    for row, n in zip(best.tolist(), lengths.tolist()):
        labels, last = [], 0
        for c in row[:n]:
            if c != last and c != 0:
                labels.append(c)
            last = c
        out.append(labels)
    return out


def sequence_log_likelihood(
    log_probs: torch.Tensor, lengths: torch.Tensor, labels: list[list[int]]
) -> torch.Tensor:
    """log P(labels_b | image_b) for each b, by the CTC forward algorithm."""
    lp = log_probs.float()
    targets = torch.tensor([c for seq in labels for c in seq], dtype=torch.long)
    target_lengths = torch.tensor([len(seq) for seq in labels], dtype=torch.long)
    nll = F.ctc_loss(
        lp,
        targets.to(lp.device),
        lengths,
        target_lengths.to(lp.device),
        reduction="none",
        zero_infinity=False,
    )
    return -nll.cpu()


def texts_log_likelihood(log_probs: torch.Tensor, length: int, labels: list[list[int]]) -> torch.Tensor:
    """log P(label | image) for each of ``labels`` read from one image's [T, C] log-probs (``length``
    frames count): several texts weighed against the same image, as the lexicon and the probability do."""
    count = len(labels)
    stacked = log_probs[:length].unsqueeze(1).expand(length, count, log_probs.shape[-1]).contiguous()
    return sequence_log_likelihood(stacked, torch.full((count,), length, dtype=torch.long), labels)


def confidences(log_probs: torch.Tensor, lengths: torch.Tensor, labels: list[list[int]]) -> list[float]:
    ll = sequence_log_likelihood(log_probs, lengths, labels)
    return [
        math.exp(float(v) / (len(seq) + 1)) if math.isfinite(float(v)) else 0.0 for v, seq in zip(ll, labels)
    ]


def beam(log_probs: torch.Tensor, length: int, width: int) -> list[int]:
    """CTC prefix beam search for one sample ([T, C] log-probabilities)."""
    probs = log_probs[:length].exp().cpu().tolist()
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (1.0, 0.0)}  # prefix: (p_blank, p_nonblank)
    for frame in probs:
        top = sorted(range(len(frame)), key=frame.__getitem__, reverse=True)[: max(width, 2)]
        nxt: dict[tuple[int, ...], list[float]] = defaultdict(lambda: [0.0, 0.0])
        for prefix, (pb, pnb) in beams.items():
            for c in top:
                p = frame[c]
                if c == 0:
                    nxt[prefix][0] += (pb + pnb) * p
                    continue
                extended = (*prefix, c)
                if prefix and prefix[-1] == c:
                    nxt[extended][1] += pb * p
                    nxt[prefix][1] += pnb * p
                else:
                    nxt[extended][1] += (pb + pnb) * p
        ranked = sorted(nxt.items(), key=lambda kv: kv[1][0] + kv[1][1], reverse=True)[:width]
        total = sum(b + n for _, (b, n) in ranked) or 1.0
        beams = {k: (b / total, n / total) for k, (b, n) in ranked}
    return list(max(beams.items(), key=lambda kv: kv[1][0] + kv[1][1])[0])


def decode(
    log_probs: torch.Tensor,
    lengths: torch.Tensor,
    charset: Charset,
    method: str = "greedy",
    beam_width: int = 10,
) -> list[Reading]:
    if method == "beam":
        labels = [beam(log_probs[:, b], int(lengths[b]), beam_width) for b in range(log_probs.shape[1])]
    else:
        labels = greedy(log_probs, lengths)
    confs = confidences(log_probs, lengths, labels)
    return [Reading(charset.decode(seq), conf) for seq, conf in zip(labels, confs)]
