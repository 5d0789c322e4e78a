"""SqueezeNet 1.0 and 1.1 (Iandola et al., 2016), in torchvision's form at 224×224.

Max pools round up (ceil mode) as in the Caffe original; the classifier is dropout, a 1×1 convolution to the class
count with ReLU, and a global average pool. v1.1 (from the authors' repository) starts with a 3×3 stride-2 conv of
64 filters and pools earlier, costing 2.4× fewer MACs at the same accuracy. At 227×227, the paper's input, the
MACs rise to 832,667,936 (1.0) and 387,747,520 (1.1).
"""

from nasbox.arch.layers import Conv, Dropout, Fire, GlobalPool, Layer, Pool
from nasbox.arch.spec import ArchSpec
from nasbox.zoo.registry import register

Stage = tuple[tuple[int, int], ...]


def _pool() -> Pool:
    return Pool(mode="max", kernel=3, stride=2, ceil_mode=True)


def squeezenet(name: str, stem: Conv, stages: tuple[Stage, ...]) -> ArchSpec:
    """A SqueezeNet: `stem`, then stages of Fire modules `(squeeze, expand)` each preceded by a max pool."""
    layers: list[Layer] = [stem]
    for stage in stages:
        layers.append(_pool())
        layers += [Fire(squeeze=s, expand1x1=e, expand3x3=e) for s, e in stage]
    layers += [Dropout(p=0.5), Conv(out=1000, kernel=1, norm="none"), GlobalPool(mode="avg")]
    return ArchSpec(name=name, input=(3, 224, 224), num_classes=1000, layers=tuple(layers))


_TV = "torchvision.models"


@register("squeezenet1_0", params=1_248_424, macs=818_924_576, source=_TV,
          variant="v1.0, no batch norm, ceil-mode pooling, 224×224 input")
def squeezenet1_0() -> ArchSpec:
    return squeezenet("squeezenet1_0", Conv(out=96, kernel=7, stride=2, padding=0, norm="none"), (
        ((16, 64), (16, 64), (32, 128)),
        ((32, 128), (48, 192), (48, 192), (64, 256)),
        ((64, 256),),
    ))


@register("squeezenet1_1", params=1_235_496, macs=349_151_936, source=_TV,
          variant="v1.1 (3×3 stem of 64, earlier pooling), no batch norm, ceil-mode pooling, 224×224 input")
def squeezenet1_1() -> ArchSpec:
    return squeezenet("squeezenet1_1", Conv(out=64, kernel=3, stride=2, padding=0, norm="none"), (
        ((16, 64), (16, 64)),
        ((32, 128), (32, 128)),
        ((48, 192), (48, 192), (64, 256), (64, 256)),
    ))
