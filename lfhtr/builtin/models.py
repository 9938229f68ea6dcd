"""Built-in recogniser architectures: their options and plugin classes, without torch.

CRNN-CTC is the default because it is the best accuracy per CPU-second at word level: a small CNN turns
the image into a sequence of column features, a BiLSTM reads it in both directions, and CTC needs no
alignment between image columns and characters. The networks live in ``crnn.py`` and ``attention.py``
and are imported only when a model is built, so validating a spec never imports torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lfhtr.builtin.model_options import (
    AttentionOptions,
    CrnnOptions,
    LargeAttentionOptions,
)
from lfhtr.core.interfaces import ModelArchitecture

if TYPE_CHECKING:
    from lfhtr.core.network import RecognitionNet


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
