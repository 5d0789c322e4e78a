"""GoogLeNet / Inception v1 (Szegedy et al., 2015, "Going Deeper with Convolutions").

torchvision's form, the one behind the widely used reference weights: batch norm after every convolution (no
biases), a 3×3 convolution where the paper's third branch has a 5×5 (torchvision issue 906), ceil-mode max pools,
no LRN and no auxiliary heads. The paper-faithful form (5×5, biases, no BN) costs 6% more MACs.
"""

from nasbox.arch.layers import Conv, Dropout, GlobalPool, Inception, Linear, Pool
from nasbox.arch.spec import ArchSpec
from nasbox.zoo.registry import register

# (1×1, 3×3 reduce, 3×3, "5×5" reduce, "5×5", pool projection) of each Inception module, by stage.
_STAGE3 = ((64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64))
_STAGE4 = ((192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64),
           (112, 144, 288, 32, 64, 64), (256, 160, 320, 32, 128, 128))
_STAGE5 = ((256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128))


def _max_pool(kernel: int = 3) -> Pool:
    return Pool(mode="max", kernel=kernel, stride=2, ceil_mode=True)


def _inception(c1: int, c3_red: int, c3: int, c5_red: int, c5: int, pool_proj: int) -> Inception:
    """One Inception module: 1×1, 1×1→3×3, 1×1→3×3 (the paper's 5×5) and 3×3 max pool→1×1 branches."""
    return Inception(branches=(
        (Conv(out=c1, kernel=1),),
        (Conv(out=c3_red, kernel=1), Conv(out=c3, kernel=3)),
        (Conv(out=c5_red, kernel=1), Conv(out=c5, kernel=3)),
        (Pool(mode="max", kernel=3, stride=1, padding=1, ceil_mode=True), Conv(out=pool_proj, kernel=1)),
    ))


@register("googlenet", params=6_624_904, macs=1_498_376_192, source="torchvision.models",
          variant="torchvision's: BN after every conv, 3×3 in the '5×5' branch, ceil-mode max pools, no aux heads; "
                  "the widely used reference implementation and weights")
def googlenet() -> ArchSpec:
    layers = (
        Conv(out=64, kernel=7, stride=2), _max_pool(),
        Conv(out=64, kernel=1), Conv(out=192, kernel=3), _max_pool(),
        *(_inception(*w) for w in _STAGE3), _max_pool(),
        *(_inception(*w) for w in _STAGE4), _max_pool(kernel=2),
        *(_inception(*w) for w in _STAGE5),
        GlobalPool(), Dropout(p=0.2), Linear(out=1000),
    )
    return ArchSpec(name="googlenet", input=(3, 224, 224), num_classes=1000, layers=layers)
