"""DenseNet-121 (Huang et al., 2017): DenseNet-BC, growth rate 32, in torchvision's form.

Each dense layer is BN-ReLU-1×1 conv (4×growth) then BN-ReLU-3×3 conv (growth); each transition halves the
channels with a BN-ReLU-1×1 conv and halves the map with a 2×2 average pool. A final BN and ReLU precede the global
pool and the classifier.
"""

from nasbox.arch.layers import Activation, BatchNorm, Conv, DenseBlock, GlobalPool, Layer, Linear, Pool
from nasbox.arch.spec import ArchSpec
from nasbox.zoo.registry import register


def _transition(out: int) -> tuple[Layer, ...]:
    return Conv(out=out, kernel=1, bias=False, preact=True), Pool(mode="avg", kernel=2)


def densenet(name: str, depths: tuple[int, ...], growth: int = 32, stem: int = 64) -> ArchSpec:
    """A DenseNet-BC: a 7×7 stem of `stem` channels, dense blocks of `depths` layers, compression 0.5."""
    layers: list[Layer] = [Conv(out=stem, kernel=7, stride=2), Pool(mode="max", kernel=3, stride=2, padding=1)]
    channels = stem
    for i, depth in enumerate(depths):
        layers.append(DenseBlock(layers=depth, growth=growth))
        channels += depth * growth
        if i < len(depths) - 1:
            channels //= 2
            layers += _transition(channels)
    layers += [BatchNorm(), Activation("relu"), GlobalPool(), Linear(out=1000)]
    return ArchSpec(name=name, input=(3, 224, 224), num_classes=1000, layers=tuple(layers))


@register("densenet121", params=7_978_856, macs=2_834_161_664, source="torchvision.models",
          variant="DenseNet-BC, growth 32, bottleneck 4×growth, compression 0.5, no dropout")
def densenet121() -> ArchSpec:
    return densenet("densenet121", (6, 12, 24, 16))
