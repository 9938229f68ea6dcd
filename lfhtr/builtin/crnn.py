"""The CRNN network: a small CNN turns the image into column features, a BiLSTM reads them both ways."""

from __future__ import annotations

import torch
from torch import nn

from lfhtr.builtin.models import CrnnOptions
from lfhtr.core.network import RecognitionNet


def _block(cin: int, cout: int, pool: tuple[int, int]) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(pool, pool),
    )


class CrnnNet(RecognitionNet):
    """Four conv stages (width ÷ 4, height ÷ 16), height folded into features, BiLSTM, linear to classes."""

    width_factor = 4

    def __init__(self, num_classes: int, height: int, options: CrnnOptions) -> None:
        super().__init__()
        c1, c2, c3, c4 = options.channels
        self.cnn = nn.Sequential(
            _block(1, c1, (2, 2)),
            _block(c1, c2, (2, 2)),
            nn.Sequential(
                nn.Conv2d(c2, c3, 3, padding=1, bias=False), nn.BatchNorm2d(c3), nn.ReLU(inplace=True)
            ),
            _block(c3, c3, (2, 1)),
            _block(c3, c4, (2, 1)),
        )
        folded = c4 * max(1, height // 16)
        self.project = nn.Sequential(nn.Dropout(options.dropout), nn.Linear(folded, 2 * options.hidden))
        self.rnn = nn.LSTM(
            2 * options.hidden,
            options.hidden,
            num_layers=options.layers,
            bidirectional=True,
            dropout=options.dropout if options.layers > 1 else 0.0,
        )
        self.head = nn.Sequential(nn.Dropout(options.dropout), nn.Linear(2 * options.hidden, num_classes))

    def encode(self, images: torch.Tensor, widths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Column features ``[T, B, 2·hidden]`` after the BiLSTM, and the valid frame count per image."""
        features = self.cnn(images)  # B, C, H', T
        b, c, h, t = features.shape
        seq = features.permute(3, 0, 1, 2).reshape(t, b, c * h)
        seq, _ = self.rnn(self.project(seq))
        lengths = torch.clamp(torch.div(widths, self.width_factor, rounding_mode="floor"), 1, t)
        return seq, lengths

    def forward(self, images: torch.Tensor, widths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        seq, lengths = self.encode(images, widths)
        return self.head(seq).float().log_softmax(-1), lengths
