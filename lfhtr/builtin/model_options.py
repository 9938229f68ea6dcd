"""The built-in architectures' options: a module of their own, below both the plugin classes (which
import no torch) and the networks (which do), so that neither imports the other."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from lfhtr.core.interfaces import PluginOptions

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
