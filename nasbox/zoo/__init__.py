"""The hand-designed networks as ArchSpecs, with the figures they reproduce (see `entry`, `reference_figures`)."""

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
from nasbox.zoo.figures import ZooFigures, measure_zoo_latency, reference_figures
from nasbox.zoo.registry import ZooEntry, entry, get, load_network, names, parse_names

__all__ = ["ZooEntry", "ZooFigures", "entry", "get", "load_network", "measure_zoo_latency", "names", "parse_names",
           "reference_figures"]
