"""The hand-designed networks as ArchSpecs, with their published figures (see `entry`)."""

from nasbox.zoo import lenet, resnet  # noqa: F401  (each module registers its networks)
from nasbox.zoo.registry import ZooEntry, entry, get, names

__all__ = ["ZooEntry", "entry", "get", "names"]
