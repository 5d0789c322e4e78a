"""The architecture language: ArchSpec, its primitives, validation and shape inference."""

from nasbox.arch.layers import PRIMITIVES, Block, Layer, Op, Shape
from nasbox.arch.spec import ArchSpec, load_spec

__all__ = ["PRIMITIVES", "ArchSpec", "Block", "Layer", "Op", "Shape", "load_spec"]
