"""The torch modules behind the primitives that are not plain torch layers."""

from nasbox.ops.blocks import (
    Cell,
    Concat,
    EncoderDecoder,
    EnetDown,
    EnetUp,
    GlobalPool,
    PreActivation,
    Residual,
    Zero,
    activation,
)

__all__ = ["Cell", "Concat", "EncoderDecoder", "EnetDown", "EnetUp", "GlobalPool", "PreActivation", "Residual", "Zero",
           "activation"]
