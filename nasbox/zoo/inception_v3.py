"""Inception v3 (Szegedy et al., 2016, "Rethinking the Inception Architecture for Computer Vision").

torchvision's / timm's form, the widely used reference implementation and weights, without the auxiliary head
(used only in training): every convolution is conv (no bias) + BN + ReLU, the 35×35 modules keep the 5×5 branch,
the 17×17 modules factorize 7×7 into 1×7 and 7×1, and the 8×8 modules split their last 3×3 into parallel 1×3 and
3×1 convolutions (nested Inception combinators). Average-pool branches count the zero padding, as in PyTorch.
"""

from nasbox.arch.layers import Conv, Dropout, GlobalPool, Inception, Layer, Linear, Pool
from nasbox.arch.spec import ArchSpec
from nasbox.zoo.registry import register


def _valid(out: int, stride: int = 1) -> Conv:
    """An unpadded 3×3 convolution (the stem's and the grid reductions')."""
    return Conv(out=out, kernel=3, stride=stride, padding=0)


def _max_pool() -> Pool:
    return Pool(mode="max", kernel=3, stride=2)


def _pool_branch(out: int) -> tuple[Layer, ...]:
    return Pool(mode="avg", kernel=3, stride=1, padding=1), Conv(out=out, kernel=1)


def _split(out: int) -> Inception:
    """Parallel 1×3 and 3×1 convolutions, concatenated."""
    return Inception(branches=((Conv(out=out, kernel=(1, 3)),), (Conv(out=out, kernel=(3, 1)),)))


def _inception_a(pool_features: int) -> Inception:
    """InceptionA, 35×35: 1×1, 1×1→5×5, 1×1→3×3→3×3 and avg pool→1×1."""
    return Inception(branches=(
        (Conv(out=64, kernel=1),),
        (Conv(out=48, kernel=1), Conv(out=64, kernel=5)),
        (Conv(out=64, kernel=1), Conv(out=96, kernel=3), Conv(out=96, kernel=3)),
        _pool_branch(pool_features),
    ))


def _inception_b() -> Inception:
    """InceptionB, 35×35 → 17×17: strided 3×3, 1×1→3×3→strided 3×3 and max pool."""
    return Inception(branches=(
        (_valid(384, stride=2),),
        (Conv(out=64, kernel=1), Conv(out=96, kernel=3), _valid(96, stride=2)),
        (_max_pool(),),
    ))


def _inception_c(c7: int) -> Inception:
    """InceptionC, 17×17: 1×1, 1×1→1×7→7×1, 1×1→(7×1→1×7)×2 and avg pool→1×1."""
    return Inception(branches=(
        (Conv(out=192, kernel=1),),
        (Conv(out=c7, kernel=1), Conv(out=c7, kernel=(1, 7)), Conv(out=192, kernel=(7, 1))),
        (Conv(out=c7, kernel=1), Conv(out=c7, kernel=(7, 1)), Conv(out=c7, kernel=(1, 7)),
         Conv(out=c7, kernel=(7, 1)), Conv(out=192, kernel=(1, 7))),
        _pool_branch(192),
    ))


def _inception_d() -> Inception:
    """InceptionD, 17×17 → 8×8: 1×1→strided 3×3, 1×1→1×7→7×1→strided 3×3 and max pool."""
    return Inception(branches=(
        (Conv(out=192, kernel=1), _valid(320, stride=2)),
        (Conv(out=192, kernel=1), Conv(out=192, kernel=(1, 7)), Conv(out=192, kernel=(7, 1)),
         _valid(192, stride=2)),
        (_max_pool(),),
    ))


def _inception_e() -> Inception:
    """InceptionE, 8×8: 1×1, 1×1→(1×3 ‖ 3×1), 1×1→3×3→(1×3 ‖ 3×1) and avg pool→1×1."""
    return Inception(branches=(
        (Conv(out=320, kernel=1),),
        (Conv(out=384, kernel=1), _split(384)),
        (Conv(out=448, kernel=1), Conv(out=384, kernel=3), _split(384)),
        _pool_branch(192),
    ))


@register("inception_v3", params=23_834_568, macs=5_713_216_096, source="torchvision.models / timm",
          variant="torchvision's / timm's Inception3 without the aux head: the widely used reference "
                  "implementation and weights; conv(no bias)+BN+ReLU throughout")
def inception_v3() -> ArchSpec:
    layers = (
        _valid(32, stride=2), _valid(32), Conv(out=64, kernel=3), _max_pool(),
        Conv(out=80, kernel=1), _valid(192), _max_pool(),
        *(_inception_a(p) for p in (32, 64, 64)),
        _inception_b(),
        *(_inception_c(c7) for c7 in (128, 160, 160, 192)),
        _inception_d(),
        _inception_e(), _inception_e(),
        GlobalPool(), Dropout(p=0.5), Linear(out=1000),
    )
    return ArchSpec(name="inception_v3", input=(3, 299, 299), num_classes=1000, layers=layers)
