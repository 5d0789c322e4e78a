"""nasbox: neural architecture search over the primitives of the classic hand-designed CNNs."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from nasbox import zoo
from nasbox.arch import ArchSpec, load_spec
from nasbox.build import build
from nasbox.cost import Cost, cost
from nasbox.errors import NasboxError, SpecError
from nasbox.zoo import load_network

try:
    __version__ = version("nasbox")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["ArchSpec", "Cost", "NasboxError", "SpecError", "__version__", "build", "cost", "load_network", "load_spec",
           "zoo"]

