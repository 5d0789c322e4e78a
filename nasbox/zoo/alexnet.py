"""AlexNet (Krizhevsky et al., 2012) and ZFNet (Zeiler & Fergus, 2013, "Visualizing and Understanding
Convolutional Networks").

AlexNet is torchvision's one-tower form (Krizhevsky 2014, "One weird trick"): 64/192/384/256/256 filters, no
groups and no LRN, an adaptive 6×6 average pool before the classifier. The paper's two-GPU form (grouped convs,
LRN, 227 input) has 0.2% fewer params and 1.4% more MACs.

ZFNet follows imgclsmob's `zfnet`, the paper's Fig. 3: 7×7/2 then 5×5/2 convolutions, each followed by ReLU and
LRN (size 5, k 2), ceil-mode 3×3/2 max pools, and no adaptive pool (the maps are 6×6 at a 224 input).
"""

from nasbox.arch.layers import LRN, AdaptivePool, Conv, Dropout, Flatten, Layer, Linear, Pool
from nasbox.arch.spec import ArchSpec
from nasbox.zoo.registry import register


def _conv(out: int, kernel: int, stride: int = 1, padding: int = 1) -> Conv:
    return Conv(out=out, kernel=kernel, stride=stride, padding=padding, norm="none")


def _max_pool(ceil_mode: bool = False) -> Pool:
    return Pool(mode="max", kernel=3, stride=2, ceil_mode=ceil_mode)


def _hidden(dropout_first: bool) -> tuple[Layer, ...]:
    """A 4096-wide ReLU layer with dropout before (torchvision) or after (imgclsmob) it."""
    fc = Linear(out=4096, act="relu")
    return (Dropout(), fc) if dropout_first else (fc, Dropout())


@register("alexnet", params=61_100_840, macs=714_188_480, source="torchvision.models",
          variant="torchvision's one-tower form (64/192/384/256/256, no groups, no LRN, adaptive 6×6 pool)")
def alexnet() -> ArchSpec:
    return ArchSpec(
        name="alexnet", input=(3, 224, 224), num_classes=1000,
        layers=(
            _conv(64, 11, stride=4, padding=2), _max_pool(),
            _conv(192, 5, padding=2), _max_pool(),
            _conv(384, 3), _conv(256, 3), _conv(256, 3), _max_pool(),
            AdaptivePool(size=6, mode="avg"), Flatten(),
            *_hidden(dropout_first=True), *_hidden(dropout_first=True), Linear(out=1000),
        ),
    )


@register("zfnet", params=62_357_608, macs=1_168_032_896, reference="computed",
          source="Zeiler & Fergus 2013; imgclsmob `zfnet` gives the same params and 1,170.33M MACs (padding and "
                 "pool rounding)",
          variant="imgclsmob's: 96/256/384/384/256, LRN (size 5, k 2) after the first two convs, ceil-mode pools")
def zfnet() -> ArchSpec:
    lrn = LRN(size=5, alpha=1e-4, beta=0.75, k=2.0)
    return ArchSpec(
        name="zfnet", input=(3, 224, 224), num_classes=1000,
        layers=(
            _conv(96, 7, stride=2, padding=1), lrn, _max_pool(ceil_mode=True),
            _conv(256, 5, stride=2, padding=0), lrn, _max_pool(ceil_mode=True),
            _conv(384, 3), _conv(384, 3), _conv(256, 3), _max_pool(ceil_mode=True),
            Flatten(),
            *_hidden(dropout_first=False), *_hidden(dropout_first=False), Linear(out=1000),
        ),
    )
