"""LeNet-5 (LeCun et al., 1998)."""

from nasbox.arch.layers import Conv, Flatten, Linear, Pool
from nasbox.arch.spec import ArchSpec
from nasbox.zoo.registry import register


@register("lenet5", params=61_706, macs=416_520, reference="computed",
          source="LeCun et al. 1998 (the original, with partial C3 and RBF output: 60,000 params)",
          variant="dense C3 (every S2 map feeds every C3 map), tanh, average pooling, linear output instead "
                  "of the RBF layer: the form every modern reimplementation uses")
def lenet5() -> ArchSpec:
    return ArchSpec(
        name="lenet5", input=(1, 32, 32), num_classes=10,
        layers=(
            Conv(out=6, kernel=5, padding=0, norm="none", act="tanh"),
            Pool(mode="avg", kernel=2),
            Conv(out=16, kernel=5, padding=0, norm="none", act="tanh"),
            Pool(mode="avg", kernel=2),
            Flatten(),
            Linear(out=120, act="tanh"),
            Linear(out=84, act="tanh"),
            Linear(out=10),
        ),
    )
