"""Built-in recogniser architectures: their options and plugin classes, without torch.

CRNN-CTC is the default because it is the best accuracy per CPU-second at word level: a small CNN turns
the image into a sequence of column features, a BiLSTM reads it in both directions, and CTC needs no
alignment between image columns and characters. The networks live in ``crnn.py`` and ``attention.py``
and are imported only when a model is built, so validating a spec never imports torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from lfhtr.core.interfaces import ModelArchitecture, PluginOptions

if TYPE_CHECKING:
    from lfhtr.core.network import RecognitionNet


# upper bounds keep a checkpoint's metadata (untrusted input) from sizing a model past any machine
Encoder = Annotated[
    Literal["compact", "vgg19-bn"],
    Field(
        description="CNN: compact (four stages sized by `channels`, for CPUs) or vgg19-bn (16 convolutions, "
        "≈ 20 M weights, for GPUs)."
    ),
]
Recurrent = Annotated[
    Literal["lstm", "gru"], Field(description="Bidirectional recurrent layers: lstm or gru.")
]
Hidden = Annotated[int, Field(ge=8, le=1024, description="Recurrent hidden size per direction.")]
AttentionSize = Annotated[
    int, Field(ge=8, le=1024, description="Size of the additive attention's hidden layer.")
]
LocationFilters = Annotated[
    int,
    Field(
        ge=0,
        le=256,
        description="Filters of location-aware attention (a convolution over the previous step's weights, "
        "which keeps the decoder moving left to right on long inputs); 0: content-based only.",
    ),
]


class CrnnOptions(PluginOptions):
    encoder: Encoder = "compact"
    channels: list[Annotated[int, Field(ge=1, le=1024)]] = Field(
        default_factory=lambda: [24, 48, 96, 128],
        min_length=4,
        max_length=4,
        description="Conv channels of the compact encoder's four stages.",
    )
    rnn: Recurrent = "lstm"
    hidden: Hidden = 128
    layers: int = Field(2, ge=1, le=6, description="Bidirectional recurrent layers.")
    dropout: float = Field(0.2, ge=0, lt=1)


class AttentionOptions(CrnnOptions):
    attention: AttentionSize = 128
    ctc_weight: float = Field(
        0.3, ge=0, le=1, description="Weight of the CTC loss beside the decoder's cross-entropy."
    )
    max_length: int = Field(48, ge=1, le=512, description="Longest reading the decoder may emit.")
    location: LocationFilters = 0


class LargeAttentionOptions(AttentionOptions):
    """The published configuration: VGG-19-BN, two BiGRU layers of 256, location-aware attention."""

    encoder: Encoder = "vgg19-bn"
    rnn: Recurrent = "gru"
    hidden: Hidden = 256
    attention: AttentionSize = 256
    location: LocationFilters = 32


class CrnnCtc(ModelArchitecture[CrnnOptions]):
    Options = CrnnOptions
    options: CrnnOptions

    def build(self, num_classes: int, height: int) -> RecognitionNet:
        from lfhtr.builtin.crnn import CrnnNet

        return CrnnNet(num_classes, height, self.options)


class Attention(ModelArchitecture[AttentionOptions]):
    Options = AttentionOptions
    options: AttentionOptions

    def build(self, num_classes: int, height: int) -> RecognitionNet:
        from lfhtr.builtin.attention import AttentionNet

        return AttentionNet(num_classes, height, self.options)


class LargeAttention(Attention):
    """The attention recogniser at the size it was published with (≈ 24 M weights): for GPUs."""

    Options = LargeAttentionOptions
    options: LargeAttentionOptions
