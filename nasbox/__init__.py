"""nasbox: neural architecture search over the primitives of the classic hand-designed CNNs."""

from __future__ import annotations

from nasbox import zoo
from nasbox.arch import ArchSpec, load_spec
from nasbox.build import build
from nasbox.cost import Cost, cost
from nasbox.errors import NasboxError, SpecError
from nasbox.zoo import load_network

__all__ = ["ArchSpec", "Cost", "NasboxError", "SpecError", "build", "cost", "load_network", "load_spec", "zoo"]

