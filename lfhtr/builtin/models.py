"""Built-in recogniser architectures: their options and plugin classes, without torch.

CRNN-CTC is the default because it is the best accuracy per CPU-second at word level: a small CNN turns
the image into a sequence of column features, a BiLSTM reads it in both directions, and CTC needs no
alignment between image columns and characters. The networks live in ``crnn.py`` and ``attention.py``
and are imported only when a model is built, so validating a spec never imports torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from lfhtr.core.interfaces import ModelArchitecture, PluginOptions

if TYPE_CHECKING:
    from lfhtr.core.network import RecognitionNet


class CrnnOptions(PluginOptions):
    # upper bounds keep a checkpoint's metadata (untrusted input) from sizing a model past any machine
    channels: list[Annotated[int, Field(ge=1, le=1024)]] = Field(
        default_factory=lambda: [24, 48, 96, 128],
        min_length=4,
        max_length=4,
        description="Conv channels of the four CNN stages.",
    )
    hidden: int = Field(128, ge=8, le=1024, description="LSTM hidden size per direction.")
    layers: int = Field(2, ge=1, le=6, description="BiLSTM layers.")
    dropout: float = Field(0.2, ge=0, lt=1)


class AttentionOptions(CrnnOptions):
    attention: int = Field(128, ge=8, le=1024, description="Size of the additive attention's hidden layer.")
    ctc_weight: float = Field(
        0.3, ge=0, le=1, description="Weight of the CTC loss beside the decoder's cross-entropy."
    )
    max_length: int = Field(48, ge=1, le=512, description="Longest reading the decoder may emit.")


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
