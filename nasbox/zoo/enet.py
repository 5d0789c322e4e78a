"""ENet (Paszke et al., 2016), for 19-class Cityscapes segmentation at 512×1024.

The variant is the PyTorch port davidtvs/PyTorch-ENet: PReLU in the encoder, ReLU in the decoder, bias-free
convolutions, an activation after each bottleneck's 1×1 expansion as well as after its addition, and a 3×3
stride-2 transposed convolution as the final layer.
"""

from typing import Literal

from nasbox.arch.layers import (
    Act,
    Activation,
    BatchNorm,
    Conv,
    Deconv,
    Dropout,
    EncoderDecoder,
    EnetDown,
    EnetUp,
    Inception,
    Layer,
    Pool,
    Residual,
)
from nasbox.arch.spec import ArchSpec
from nasbox.zoo.registry import register

_ENCODER: Act = "prelu"
_DECODER: Act = "relu"


def _regular(channels: int, act: Act, dropout: float, dilation: int | Literal["asymmetric"] = 1) -> Residual:
    """1×1 reduce → 3×3 (dilated) or 5×1 + 1×5 → 1×1 expand → spatial dropout, added to the input."""
    mid = channels // 4
    if dilation == "asymmetric":
        middle = [Conv(out=mid, kernel=(5, 1), act=act), Conv(out=mid, kernel=(1, 5), act=act)]
    else:
        middle = [Conv(out=mid, kernel=3, dilation=dilation, act=act)]
    body = (Conv(out=mid, kernel=1, act=act), *middle, Conv(out=channels, kernel=1, act=act),
            Dropout(p=dropout, channelwise=True))
    return Residual(body=body, post_act=act)


def _stages_2_3() -> tuple[Layer, ...]:
    """The same eight bottlenecks twice; stage 2's downsampling is the enclosing encoder-decoder's."""
    pattern: tuple[int | Literal["asymmetric"], ...] = (1, 2, "asymmetric", 4, 1, 8, "asymmetric", 16)
    return tuple(_regular(128, _ENCODER, 0.1, dilation) for _ in range(2) for dilation in pattern)


@register("enet", params=351_660, macs=4_037_410_816, reference="computed",
          source="davidtvs/PyTorch-ENet (paper: 0.37M params, 3.83 GFLOPs at an input it does not confirm)",
          variant="PyTorch port: PReLU encoder, ReLU decoder, no biases, 3×3/2 transposed-conv output",
          note="the port's own module has 351,590 params (70 fewer): it shares one PReLU (1 param) among the "
               "activations of a block, where nasbox gives each activation its own")
def enet() -> ArchSpec:
    initial = Inception(branches=(
        (Conv(out=13, kernel=3, stride=2, padding=1, bias=False, norm="none", act="none"),),
        (Pool(mode="max", kernel=3, stride=2, padding=1),),
    ))
    stage2 = EncoderDecoder(down=EnetDown(out=128, dropout=0.1, act=_ENCODER), body=_stages_2_3(),
                            up=EnetUp(out=64, dropout=0.1, act=_DECODER))
    stage1 = EncoderDecoder(
        down=EnetDown(out=64, dropout=0.01, act=_ENCODER),
        body=(*(_regular(64, _ENCODER, 0.01) for _ in range(4)), stage2,
              *(_regular(64, _DECODER, 0.1) for _ in range(2))),
        up=EnetUp(out=16, dropout=0.1, act=_DECODER),
    )
    layers = (
        initial, BatchNorm(), Activation(_ENCODER),
        stage1,
        _regular(16, _DECODER, 0.1),
        Deconv(out=19, kernel=3, stride=2, padding=1, output_padding=1, bias=False, norm="none", act="none"),
    )
    return ArchSpec(name="enet", input=(3, 512, 1024), num_classes=19, layers=layers)
