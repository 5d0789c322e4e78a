"""MobileNet v1 (Howard et al., 2017) and MobileNet v2 (Sandler et al., 2018), width 1.0 at 224×224.

v1 follows timm's `mobilenetv1_100` (the TF-slim layout: batch norm and ReLU6 after both halves of every
depthwise-separable block, no dropout). v2 follows torchvision: the first inverted residual has no expansion conv,
and a 1×1 conv to 1280 channels precedes the classifier.
"""

from nasbox.arch.layers import Conv, Dropout, GlobalPool, InvertedResidual, Layer, Linear, SepConv
from nasbox.arch.spec import ArchSpec
from nasbox.zoo.registry import register

_V1_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), *[(512, 1)] * 5, (1024, 2), (1024, 1))
"""(out, stride) of each depthwise-separable block."""

_V2_STAGES = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
              (6, 320, 1, 1))
"""(expansion, out, repeats, first stride) of each stage of inverted residuals."""


@register("mobilenet_v1", params=4_231_976, macs=568_740_352, source="timm mobilenetv1_100",
          variant="width 1.0, ReLU6, no dropout; paper / TF-slim: 569M MACs, 4.2M params")
def mobilenet_v1() -> ArchSpec:
    layers: list[Layer] = [Conv(out=32, kernel=3, stride=2, act="relu6")]
    layers += [SepConv(out=out, stride=stride, act="relu6") for out, stride in _V1_BLOCKS]
    layers += [GlobalPool(), Linear(out=1000)]
    return ArchSpec(name="mobilenet_v1", input=(3, 224, 224), num_classes=1000, layers=tuple(layers))


@register("mobilenet_v2", params=3_504_872, macs=300_774_272, source="torchvision.models",
          variant="width 1.0; TF-slim: 300M MACs, 3.47M params")
def mobilenet_v2() -> ArchSpec:
    layers: list[Layer] = [Conv(out=32, kernel=3, stride=2, act="relu6")]
    for expansion, out, repeats, stride in _V2_STAGES:
        layers += [InvertedResidual(out=out, expansion=expansion, stride=stride if i == 0 else 1)
                   for i in range(repeats)]
    layers += [Conv(out=1280, kernel=1, act="relu6"), GlobalPool(), Dropout(p=0.2), Linear(out=1000)]
    return ArchSpec(name="mobilenet_v2", input=(3, 224, 224), num_classes=1000, layers=tuple(layers))
