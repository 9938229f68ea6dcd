"""The CRNN network: a CNN turns the image into column features, a bidirectional RNN reads them both ways.

Two encoders: the compact one (four stages) that suits a CPU, and VGG-19 with batch
normalisation, the encoder of the attention recognisers this project's method was published with, for
those who train on a GPU. Both divide the width by four, so a character keeps the same number of frames.
"""

from __future__ import annotations

import torch
from torch import nn

from lfhtr.builtin.model_options import CrnnOptions
from lfhtr.core.network import RecognitionNet
from lfhtr.errors import SpecError

VGG19_STAGES = ((64, 2, (2, 2)), (128, 2, (2, 2)), (256, 4, (2, 1)), (512, 4, (2, 1)), (512, 4, (2, 1)))
"""VGG-19's five stages (channels, 3×3 convolutions, pooling); pooled in height only after the second,
so the width is divided by four and the height by 32."""


def _conv(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


def _block(cin: int, cout: int, pool: tuple[int, int]) -> nn.Sequential:
    return nn.Sequential(*_conv(cin, cout), nn.MaxPool2d(pool, pool))


def compact_cnn(channels: list[int]) -> tuple[nn.Sequential, int, int]:
    """The CPU encoder, its output channels and height divisor (16); its layout names the weights of
    every model trained so far."""
    c1, c2, c3, c4 = channels
    cnn = nn.Sequential(
        _block(1, c1, (2, 2)),
        _block(c1, c2, (2, 2)),
        nn.Sequential(*_conv(c2, c3)),
        _block(c3, c3, (2, 1)),
        _block(c3, c4, (2, 1)),
    )
    return cnn, c4, 16


def vgg19_bn_cnn() -> tuple[nn.Sequential, int, int]:
    """VGG-19-BN for one grey channel, its output channels and height divisor (32)."""
    stages = []
    cin = 1
    for cout, convs, pool in VGG19_STAGES:
        layers = _conv(cin, cout)
        for _ in range(convs - 1):
            layers += _conv(cout, cout)
        stages.append(nn.Sequential(*layers, nn.MaxPool2d(pool, pool)))
        cin = cout
    return nn.Sequential(*stages), cin, 32


class CrnnNet(RecognitionNet):
    """CNN (width ÷ 4), height folded into features, a bidirectional LSTM or GRU, linear to classes.

    The CNN keeps its weights and images channels last (a pixel's channels side by side in memory): on a
    CPU oneDNN's convolutions read and train faster in that layout, to the same readings and weights
    (docs/benchmarks.md). Model files store the weights in the usual layout (``lfhtr.modelfile``), and
    weights in any layout load into it.
    """

    width_factor = 4

    def __init__(self, num_classes: int, height: int, options: CrnnOptions) -> None:
        super().__init__()
        cnn, channels, divisor = (
            vgg19_bn_cnn() if options.encoder == "vgg19-bn" else compact_cnn(options.channels)
        )
        self.cnn = cnn.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        if height < divisor:  # the pools would leave no rows to read
            raise SpecError(
                f"height: {height} px is too low for the {options.encoder} encoder, which halves the height "
                f"{divisor.bit_length() - 1} times; set height to {divisor} or more."
            )
        folded = channels * max(1, height // divisor)
        self.project = nn.Sequential(nn.Dropout(options.dropout), nn.Linear(folded, 2 * options.hidden))
        recurrent = nn.GRU if options.rnn == "gru" else nn.LSTM
        self.rnn = recurrent(
            2 * options.hidden,
            options.hidden,
            num_layers=options.layers,
            bidirectional=True,
            dropout=options.dropout if options.layers > 1 else 0.0,
        )
        self.head = nn.Sequential(nn.Dropout(options.dropout), nn.Linear(2 * options.hidden, num_classes))

    def encode(self, images: torch.Tensor, widths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Column features ``[T, B, 2·hidden]`` after the RNN, and the valid frame count per image."""
        features = self.cnn(images.contiguous(memory_format=torch.channels_last))  # B, C, H', T
        b, c, h, t = features.shape
        seq = features.permute(3, 0, 1, 2).reshape(t, b, c * h)
        seq, _ = self.rnn(self.project(seq))
        lengths = torch.clamp(torch.div(widths, self.width_factor, rounding_mode="floor"), 1, t)
        return seq, lengths

    def forward(self, images: torch.Tensor, widths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        seq, lengths = self.encode(images, widths)
        return self.head(seq).float().log_softmax(-1), lengths
