"""ResNet-18/34/50/101/152 (He et al., 2016) and Wide ResNet-50-2 (Zagoruyko & Komodakis, 2016).

The bottleneck networks are torchvision's v1.5 (stride on the 3×3 conv rather than the first 1×1): the form of
the widely used reference weights. v1 (the paper's) costs 6% fewer MACs at the same params.
"""

from nasbox.arch.layers import Bottleneck, Conv, GlobalPool, Layer, Linear, Pool, Residual
from nasbox.arch.spec import ArchSpec
from nasbox.zoo.registry import register

_WIDTHS = (64, 128, 256, 512)


def _basic(out: int, stride: int) -> Layer:
    return Residual(body=(Conv(out=out, kernel=3, stride=stride), Conv(out=out, kernel=3, act="none")),
                    post_act="relu")


def _bottleneck(out: int, stride: int, ratio: float) -> Layer:
    return Residual(body=(Bottleneck(out=out, ratio=ratio, stride=stride),), post_act="relu")


def resnet(name: str, depths: tuple[int, ...], bottleneck: bool, ratio: float = 0.25) -> ArchSpec:
    """A ResNet of basic (two 3×3) or bottleneck blocks; `ratio` is the bottleneck's mid/out width."""
    layers: list[Layer] = [Conv(out=64, kernel=7, stride=2), Pool(mode="max", kernel=3, stride=2, padding=1)]
    for stage, (width, depth) in enumerate(zip(_WIDTHS, depths, strict=True)):
        for i in range(depth):
            stride = 2 if stage > 0 and i == 0 else 1
            layers.append(_bottleneck(4 * width, stride, ratio) if bottleneck else _basic(width, stride))
    layers += [GlobalPool(), Linear(out=1000)]
    return ArchSpec(name=name, input=(3, 224, 224), num_classes=1000, layers=tuple(layers))


_TV = "torchvision.models"


@register("resnet18", params=11_689_512, macs=1_814_073_344, source=_TV, variant="basic blocks")
def resnet18() -> ArchSpec:
    return resnet("resnet18", (2, 2, 2, 2), bottleneck=False)


@register("resnet34", params=21_797_672, macs=3_663_761_408, source=_TV, variant="basic blocks")
def resnet34() -> ArchSpec:
    return resnet("resnet34", (3, 4, 6, 3), bottleneck=False)


@register("resnet50", params=25_557_032, macs=4_089_184_256, source=_TV, variant="v1.5 bottleneck")
def resnet50() -> ArchSpec:
    return resnet("resnet50", (3, 4, 6, 3), bottleneck=True)


@register("resnet101", params=44_549_160, macs=7_801_405_440, source=_TV, variant="v1.5 bottleneck")
def resnet101() -> ArchSpec:
    return resnet("resnet101", (3, 4, 23, 3), bottleneck=True)


@register("resnet152", params=60_192_808, macs=11_513_626_624, source=_TV, variant="v1.5 bottleneck")
def resnet152() -> ArchSpec:
    return resnet("resnet152", (3, 8, 36, 3), bottleneck=True)


@register("wide_resnet50_2", params=68_883_240, macs=11_398_021_120, source=_TV,
          variant="v1.5 bottleneck with twice the mid width (ratio 0.5)")
def wide_resnet50_2() -> ArchSpec:
    return resnet("wide_resnet50_2", (3, 4, 6, 3), bottleneck=True, ratio=0.5)
