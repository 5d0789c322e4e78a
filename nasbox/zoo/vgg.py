"""VGG-11/16/19 (Simonyan & Zisserman, 2015, "Very Deep Convolutional Networks for Large-Scale Image
Recognition"), configurations A, D and E.

torchvision's form without batch norm: 3×3 convolutions with biases, 2×2 max pools, an adaptive 7×7 average
pool (the identity at a 224 input) and the paper's three fully connected layers with dropout.
"""

from nasbox.arch.layers import AdaptivePool, Conv, Dropout, Flatten, Layer, Linear, Pool
from nasbox.arch.spec import ArchSpec
from nasbox.zoo.registry import register

_WIDTHS = (64, 128, 256, 512, 512)


def vgg(name: str, depths: tuple[int, ...]) -> ArchSpec:
    """A VGG with `depths[i]` 3×3 convolutions of `_WIDTHS[i]` filters in stage i, each stage ending in a pool."""
    layers: list[Layer] = []
    for width, depth in zip(_WIDTHS, depths, strict=True):
        layers += [Conv(out=width, kernel=3, norm="none") for _ in range(depth)]
        layers.append(Pool(mode="max", kernel=2))
    layers += [AdaptivePool(size=7, mode="avg"), Flatten()]
    for _ in range(2):
        layers += [Linear(out=4096, act="relu"), Dropout()]
    layers.append(Linear(out=1000))
    return ArchSpec(name=name, input=(3, 224, 224), num_classes=1000, layers=tuple(layers))


_TV = "torchvision.models"


@register("vgg11", params=132_863_336, macs=7_609_090_048, source=_TV, variant="configuration A, no batch norm")
def vgg11() -> ArchSpec:
    return vgg("vgg11", (1, 1, 2, 2, 2))


@register("vgg16", params=138_357_544, macs=15_470_264_320, source=_TV, variant="configuration D, no batch norm")
def vgg16() -> ArchSpec:
    return vgg("vgg16", (2, 2, 3, 3, 3))


@register("vgg19", params=143_667_240, macs=19_632_062_464, source=_TV, variant="configuration E, no batch norm")
def vgg19() -> ArchSpec:
    return vgg("vgg19", (2, 2, 4, 4, 4))
