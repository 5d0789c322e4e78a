"""The torch modules behind the primitives that are not plain torch layers."""

from nasbox.ops.blocks import (
    Concat,
    EncoderDecoder,
    EnetDown,
    EnetUp,
    GlobalPool,
    PreActivation,
    Residual,
    activation,
)

__all__ = ["Concat", "EncoderDecoder", "EnetDown", "EnetUp", "GlobalPool", "PreActivation", "Residual", "activation"]
