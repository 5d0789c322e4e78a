"""Inception-v4 and Inception-ResNet-v2 (Szegedy et al., 2017, "Inception-v4, Inception-ResNet and the Impact of
Residual Connections on Learning").

Both follow timm's ports of the TensorFlow reference weights (`inception_v4`, `inception_resnet_v2`): convs without
bias followed by batch norm and ReLU, average pools that exclude the padding, and no auxiliary head. The residual
blocks add a scaled 1×1 projection (with bias, no norm) of their concatenated branches to the input.
"""

from nasbox.arch.layers import Conv, GlobalPool, Inception, Layer, Linear, Pair, Pool, Residual
from nasbox.arch.spec import ArchSpec
from nasbox.zoo.registry import register


def basic_conv(out: int, kernel: Pair = 1, stride: int = 1, padding: Pair | None = None) -> Conv:
    """Conv + BN + ReLU without bias; 'same' padding unless given (timm's valid convs pass `padding=0`)."""
    return Conv(out=out, kernel=kernel, stride=stride, padding=padding)


def _max_pool() -> Pool:
    return Pool(mode="max", kernel=3, stride=2)


def _avg_pool() -> Pool:
    return Pool(mode="avg", kernel=3, stride=1, padding=1, count_include_pad=False)


def _split(out: int) -> Inception:
    """The 1×3 and 3×1 convs side by side that end Inception-C's branches."""
    return Inception(branches=((basic_conv(out, (1, 3)),), (basic_conv(out, (3, 1)),)))


def _head() -> tuple[Layer, ...]:
    return GlobalPool(), Linear(out=1000)


def _stem() -> tuple[Layer, ...]:
    """The shared 299 → 147 start: two valid 3×3 convs (the first strided) and a padded one."""
    return basic_conv(32, 3, stride=2, padding=0), basic_conv(32, 3, padding=0), basic_conv(64, 3)


def _reduction_a(reduce: int, mid: int, double_out: int, single_out: int) -> Inception:
    """Reduction-A; the arguments are the paper's (k, l, m, n) filter counts."""
    return Inception(branches=(
        (basic_conv(single_out, 3, stride=2, padding=0),),
        (basic_conv(reduce), basic_conv(mid, 3), basic_conv(double_out, 3, stride=2, padding=0)),
        (_max_pool(),),
    ))


# ----------------------------------------------------------------------------------------------- Inception-v4


def _v4_stem() -> tuple[Layer, ...]:
    return (
        *_stem(),
        Inception(branches=((_max_pool(),), (basic_conv(96, 3, stride=2, padding=0),))),
        Inception(branches=(
            (basic_conv(64), basic_conv(96, 3, padding=0)),
            (basic_conv(64), basic_conv(64, (1, 7)), basic_conv(64, (7, 1)), basic_conv(96, 3, padding=0)),
        )),
        Inception(branches=((basic_conv(192, 3, stride=2, padding=0),), (_max_pool(),))),
    )


def _inception_a() -> Inception:
    return Inception(branches=(
        (basic_conv(96),),
        (basic_conv(64), basic_conv(96, 3)),
        (basic_conv(64), basic_conv(96, 3), basic_conv(96, 3)),
        (_avg_pool(), basic_conv(96)),
    ))


def _inception_b() -> Inception:
    return Inception(branches=(
        (basic_conv(384),),
        (basic_conv(192), basic_conv(224, (1, 7)), basic_conv(256, (7, 1))),
        (basic_conv(192), basic_conv(192, (7, 1)), basic_conv(224, (1, 7)), basic_conv(224, (7, 1)),
         basic_conv(256, (1, 7))),
        (_avg_pool(), basic_conv(128)),
    ))


def _v4_reduction_b() -> Inception:
    return Inception(branches=(
        (basic_conv(192), basic_conv(192, 3, stride=2, padding=0)),
        (basic_conv(256), basic_conv(256, (1, 7)), basic_conv(320, (7, 1)), basic_conv(320, 3, stride=2, padding=0)),
        (_max_pool(),),
    ))


def _inception_c() -> Inception:
    return Inception(branches=(
        (basic_conv(256),),
        (basic_conv(384), _split(256)),
        (basic_conv(384), basic_conv(448, (3, 1)), basic_conv(512, (1, 3)), _split(256)),
        (_avg_pool(), basic_conv(256)),
    ))


@register("inception_v4", params=42_679_816, macs=12_253_974_624, source="timm inception_v4",
          variant="TF-ported Inception-v4: 4 Inception-A, 7 Inception-B, 3 Inception-C")
def inception_v4() -> ArchSpec:
    layers: tuple[Layer, ...] = (
        *_v4_stem(),
        *(_inception_a() for _ in range(4)),
        _reduction_a(192, 224, 256, 384),
        *(_inception_b() for _ in range(7)),
        _v4_reduction_b(),
        *(_inception_c() for _ in range(3)),
        *_head(),
    )
    return ArchSpec(name="inception_v4", input=(3, 299, 299), num_classes=1000, layers=layers)


# ----------------------------------------------------------------------------------------- Inception-ResNet-v2


def _scaled_residual(branches: tuple[tuple[Layer, ...], ...], channels: int, scale: float,
                     relu: bool = True) -> Residual:
    """Branches concatenated, projected back to `channels` by a 1×1 conv with bias, scaled and added."""
    return Residual(body=(Inception(branches=branches), Conv(out=channels, kernel=1, norm="none", act="none")),
                    scale=scale, post_act="relu" if relu else "none")


def _block35() -> Residual:
    return _scaled_residual((
        (basic_conv(32),),
        (basic_conv(32), basic_conv(32, 3)),
        (basic_conv(32), basic_conv(48, 3), basic_conv(64, 3)),
    ), 320, scale=0.17)


def _block17() -> Residual:
    return _scaled_residual((
        (basic_conv(192),),
        (basic_conv(128), basic_conv(160, (1, 7)), basic_conv(192, (7, 1))),
    ), 1088, scale=0.10)


def _block8(scale: float = 0.20, relu: bool = True) -> Residual:
    return _scaled_residual((
        (basic_conv(192),),
        (basic_conv(192), basic_conv(224, (1, 3)), basic_conv(256, (3, 1))),
    ), 2080, scale=scale, relu=relu)


def _mixed_5b() -> Inception:
    return Inception(branches=(
        (basic_conv(96),),
        (basic_conv(48), basic_conv(64, 5)),
        (basic_conv(64), basic_conv(96, 3), basic_conv(96, 3)),
        (_avg_pool(), basic_conv(64)),
    ))


def _mixed_7a() -> Inception:
    return Inception(branches=(
        (basic_conv(256), basic_conv(384, 3, stride=2, padding=0)),
        (basic_conv(256), basic_conv(288, 3, stride=2, padding=0)),
        (basic_conv(256), basic_conv(288, 3), basic_conv(320, 3, stride=2, padding=0)),
        (_max_pool(),),
    ))


@register("inception_resnet_v2", params=55_843_464, macs=13_155_794_016, source="timm inception_resnet_v2",
          variant="TF-ported Inception-ResNet-v2: 10 Block35 (scale 0.17), 20 Block17 (0.10), 10 Block8 (0.20, "
                  "the last unscaled and without ReLU)")
def inception_resnet_v2() -> ArchSpec:
    layers: tuple[Layer, ...] = (
        *_stem(),
        _max_pool(),
        basic_conv(80),
        basic_conv(192, 3, padding=0),
        _max_pool(),
        _mixed_5b(),
        *(_block35() for _ in range(10)),
        _reduction_a(256, 256, 384, 384),
        *(_block17() for _ in range(20)),
        _mixed_7a(),
        *(_block8() for _ in range(9)),
        _block8(scale=1.0, relu=False),
        basic_conv(1536),
        *_head(),
    )
    return ArchSpec(name="inception_resnet_v2", input=(3, 299, 299), num_classes=1000, layers=layers)
