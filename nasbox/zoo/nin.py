"""Network in Network (Lin et al., 2014), the CIFAR-10 form.

imgclsmob's `nin_cifar10`, the paper's CIFAR model: three mlpconv stages (5×5, 5×5 and 3×3 convolutions each
followed by 1×1 convolutions, all with biases and ReLU, no batch norm) separated by a 3×3/2 max pool and a 3×3/2
average pool, each followed by dropout; a final 1×1 convolution to the 10 classes and global average pooling in
place of fully connected layers.
"""

from nasbox.arch.layers import Dropout, GlobalPool, MlpConv, Pool
from nasbox.arch.spec import ArchSpec
from nasbox.zoo.registry import register


@register("nin", params=966_986, macs=222_486_528, reference="computed",
          source="Lin et al. 2014; imgclsmob `nin_cifar10` gives the same params and 222.97M MACs",
          variant="imgclsmob's nin_cifar10 (3×32×32 input, 10 classes)")
def nin() -> ArchSpec:
    return ArchSpec(
        name="nin", input=(3, 32, 32), num_classes=10,
        layers=(
            MlpConv(channels=(192, 160, 96), kernel=5),
            Pool(mode="max", kernel=3, stride=2, padding=1), Dropout(),
            MlpConv(channels=(192, 192, 192), kernel=5),
            Pool(mode="avg", kernel=3, stride=2, padding=1), Dropout(),
            MlpConv(channels=(192, 192, 10), kernel=3),
            GlobalPool(mode="avg"),
        ),
    )
