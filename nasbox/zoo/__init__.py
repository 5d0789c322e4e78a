"""The hand-designed networks as ArchSpecs, with their published figures (see `entry`)."""

from nasbox.zoo import (  # noqa: F401, I001  (importing a family registers its networks, in this order)
    lenet,
    alexnet,
    vgg,
    nin,
    googlenet,
    inception_v3,
    inception_v4,
    resnet,
    squeezenet,
    mobilenet,
    xception,
    densenet,
    enet,
)
from nasbox.zoo.registry import ZooEntry, entry, get, names

__all__ = ["ZooEntry", "entry", "get", "names"]
