"""The contract between a model architecture and everything that trains or reads with it.

Every network exposes per-frame CTC log-probabilities, because self-training ranks readings by the CTC
likelihood P(text | image) and lexicon snapping rescores candidates with it. A network whose own loss or
decoder differs (an attention decoder, say) overrides ``loss`` and ``read`` and keeps a CTC head for the
rest, so pretrain, adapt, evaluate and transcribe need no per-architecture code.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def ctc_loss(
    log_probs: torch.Tensor, lengths: torch.Tensor, targets: torch.Tensor, target_lengths: torch.Tensor
) -> torch.Tensor:
    """Mean CTC loss in fp32; impossible alignments (a text longer than its image) count as zero."""
    return F.ctc_loss(
        log_probs.float(), targets, lengths, target_lengths, reduction="mean", zero_infinity=True
    )


class RecognitionNet(nn.Module):
    """Maps ``[B, 1, H, W]`` images (float, 1 = ink) and their widths ``[B]`` to text.

    ``forward`` returns CTC log-probabilities ``[T, B, C]`` (class 0 is the blank, class i the charset's
    i-th character) and the valid frame count of each image ``[B]``.
    """

    def loss(
        self,
        images: torch.Tensor,
        widths: torch.Tensor,
        targets: torch.Tensor,
        target_lengths: torch.Tensor,
    ) -> torch.Tensor:
        """Mean training loss of a batch; ``targets`` are the concatenated label ids (1-based)."""
        log_probs, lengths = self(images, widths)
        return ctc_loss(log_probs, lengths, targets, target_lengths)

    def read(self, images: torch.Tensor, widths: torch.Tensor) -> list[tuple[list[int], float]] | None:
        """Label ids and confidence per image from the network's own decoder; None: decode the CTC output."""
        return None


class TrainingObjective(nn.Module):
    """The loss as a module, so ``DistributedDataParallel`` can wrap it and see the forward pass it needs."""

    def __init__(self, net: RecognitionNet) -> None:
        super().__init__()
        self.net = net

    def forward(
        self,
        images: torch.Tensor,
        widths: torch.Tensor,
        targets: torch.Tensor,
        target_lengths: torch.Tensor,
    ) -> torch.Tensor:
        return self.net.loss(images, widths, targets, target_lengths)
