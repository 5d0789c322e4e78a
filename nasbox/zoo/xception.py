"""Xception (Chollet, 2017).

The variant is timm's `legacy_xception` (the Keras weights ported by Cadene): valid-padded stem convolutions,
separable convolutions with no norm or activation between the depthwise and pointwise parts, and blocks that open
with a ReLU (all but the first) and close with a stride-2 max pool where they downsample, beside a 1×1 stride-2
convolution + BN shortcut.
"""

from nasbox.arch.layers import Act, Activation, Conv, GlobalPool, Layer, Linear, Pool, Residual, SepConv
from nasbox.arch.spec import ArchSpec
from nasbox.zoo.registry import register


def _sep(out: int, act: Act = "none") -> SepConv:
    return SepConv(out=out, norm="batch", act=act, dw_norm="none", dw_act="none")


def _block(widths: tuple[int, ...], downsample: bool, start_with_relu: bool = True) -> Residual:
    """ReLU → separable conv + BN per width, a 3×3/2 max pool when downsampling; the skip projects as needed."""
    body: list[Layer] = []
    for width in widths:
        body += [Activation("relu"), _sep(width)]
    if not start_with_relu:
        body.pop(0)
    if downsample:
        body.append(Pool(mode="max", kernel=3, stride=2, padding=1))
    return Residual(body=tuple(body))


@register("xception", params=22_855_952, macs=8_357_403_496, source="timm legacy_xception",
          variant="Keras-ported Xception: valid stem, no BN or ReLU inside the separable convolutions")
def xception() -> ArchSpec:
    layers: list[Layer] = [
        Conv(out=32, kernel=3, stride=2, padding=0),
        Conv(out=64, kernel=3, padding=0),
        _block((128, 128), downsample=True, start_with_relu=False),
        _block((256, 256), downsample=True),
        _block((728, 728), downsample=True),
        *(_block((728, 728, 728), downsample=False) for _ in range(8)),
        _block((728, 1024), downsample=True),
        _sep(1536, act="relu"),
        _sep(2048, act="relu"),
        GlobalPool(),
        Linear(out=1000),
    ]
    return ArchSpec(name="xception", input=(3, 299, 299), num_classes=1000, layers=tuple(layers))
