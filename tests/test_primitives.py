"""Every primitive, in several configurations: analytic cost and shape equal what the built module does."""

from __future__ import annotations

import dataclasses

import pytest

import nasbox
from nasbox.arch import PRIMITIVES, ArchSpec
from nasbox.arch import layers as L
from tests.conftest import measure

CASES: dict[str, tuple[tuple[int, int, int], tuple[L.Layer, ...]]] = {
    "conv-3x3": ((3, 16, 16), (L.Conv(out=8),)),
    "conv-factorized-1x7": ((4, 9, 9), (L.Conv(out=6, kernel=(1, 7)),)),
    "conv-grouped-stride2-k5": ((8, 15, 15), (L.Conv(out=12, kernel=5, stride=2, groups=4),)),
    "conv-depthwise": ((16, 10, 10), (L.Conv(out=16, groups="depthwise"),)),
    "conv-depthwise-multiplier": ((4, 10, 10), (L.Conv(out=8, groups="depthwise", kernel=5),)),
    "conv-dilated": ((4, 20, 20), (L.Conv(out=4, dilation=4),)),
    "conv-even-valid": ((4, 16, 16), (L.Conv(out=8, kernel=2, stride=2, padding=0, bias=True),)),
    "conv-preact": ((6, 8, 8), (L.Conv(out=4, kernel=1, preact=True),)),
    "conv-tanh-bias-nonorm": ((1, 12, 12), (L.Conv(out=3, kernel=5, padding=0, norm="none", act="tanh"),)),
    "conv-prelu-asym-stride": ((3, 17, 13), (L.Conv(out=5, kernel=(3, 5), stride=(2, 1), act="prelu"),)),
    "deconv-stride2": ((6, 7, 9), (L.Deconv(out=4, kernel=3, stride=2, padding=1, output_padding=1),)),
    "deconv-2x2": ((4, 5, 5), (L.Deconv(out=3, kernel=2, stride=2, norm="none", act="none"),)),
    "linear": ((2, 4, 4), (L.Flatten(), L.Linear(out=10))),
    "linear-prelu-nobias": ((3, 4, 4), (L.GlobalPool(), L.Linear(out=7, bias=False, act="prelu"))),
    "batch_norm-map": ((5, 6, 6), (L.BatchNorm(),)),
    "batch_norm-vector": ((5, 2, 2), (L.Flatten(), L.BatchNorm())),
    "act-all": ((3, 5, 5), tuple(L.Activation(fn=fn) for fn in ("relu", "relu6", "tanh", "sigmoid", "prelu", "none"))),
    "pool-max-ceil": ((3, 15, 15), (L.Pool(mode="max", kernel=3, stride=2, ceil_mode=True),)),
    "pool-max-padded": ((3, 15, 15), (L.Pool(mode="max", kernel=3, stride=2, padding=1),)),
    "pool-avg-exclude-pad": ((3, 8, 8), (L.Pool(mode="avg", kernel=3, stride=1, padding=1, count_include_pad=False),)),
    "global_pool-avg": ((6, 7, 7), (L.GlobalPool(),)),
    "global_pool-max": ((6, 7, 7), (L.GlobalPool(mode="max"),)),
    "adaptive_pool": ((4, 13, 13), (L.AdaptivePool(size=(3, 3)), L.Flatten(), L.Linear(out=5))),
    "flatten": ((2, 3, 3), (L.Flatten(),)),
    "lrn": ((8, 6, 6), (L.LRN(size=5, alpha=1e-4, beta=0.75, k=2.0),)),
    "dropout": ((3, 4, 4), (L.Dropout(p=0.3), L.Dropout(p=0.1, channelwise=True))),
    "inception-googlenet": ((16, 12, 12), (L.Inception(branches=(
        (L.Conv(out=8, kernel=1),),
        (L.Conv(out=4, kernel=1), L.Conv(out=8)),
        (L.Conv(out=2, kernel=1), L.Conv(out=4, kernel=(1, 5)), L.Conv(out=4, kernel=(5, 1))),
        (L.Pool(kernel=3, stride=1, padding=1), L.Conv(out=4, kernel=1)),
    )),)),
    "inception-identity-reduction": ((8, 11, 11), (L.Inception(branches=(
        (L.Pool(kernel=3, stride=2),),
        (L.Conv(out=6, stride=2, padding=0),),
        (L.Conv(out=4, stride=2, padding=0),
         L.Inception(branches=((L.Conv(out=3, kernel=(1, 3)),), (L.Conv(out=3, kernel=(3, 1)),)))),
    )),)),
    "inception-dense-identity": ((4, 6, 6), (L.Inception(branches=((), (L.Conv(out=3),))),)),
    "residual-identity": ((8, 9, 9), (L.Residual(body=(L.Conv(out=8), L.Conv(out=8, act="none")), post_act="relu"),)),
    "residual-projection": ((8, 9, 9), (L.Residual(body=(L.Conv(out=16, stride=2),)),)),
    "residual-scaled-forced-conv": ((6, 8, 8), (L.Residual(body=(L.Conv(out=6, kernel=1, norm="none", act="none"),),
                                                           shortcut="conv", scale=0.2, post_act="prelu"),)),
    "residual-odd-size-pool": ((4, 15, 15), (L.Residual(body=(L.SepConv(out=8), L.Pool(kernel=3, stride=2,
                                                                                        padding=1))),)),
    "encoder_decoder": ((8, 16, 16), (L.EncoderDecoder(
        down=L.EnetDown(out=16, dropout=0.01), body=(L.Conv(out=16, act="prelu"),),
        up=L.EnetUp(out=8, act="relu")),)),
    "encoder_decoder-nested": ((4, 16, 16), (L.EncoderDecoder(
        down=L.EnetDown(out=8, internal_ratio=2),
        body=(L.EncoderDecoder(down=L.EnetDown(out=16), body=(), up=L.EnetUp(out=8)),),
        up=L.EnetUp(out=4, internal_ratio=2)),)),
    "sep_conv": ((8, 10, 10), (L.SepConv(out=12),)),
    "sep_conv-xception-stride2-k5": ((8, 11, 11), (L.SepConv(out=12, kernel=5, stride=2, dw_norm="none",
                                                            dw_act="none", act="none"),)),
    "bottleneck": ((16, 8, 8), (L.Bottleneck(out=32, stride=2),)),
    "bottleneck-v1-grouped": ((16, 8, 8), (L.Bottleneck(out=32, ratio=0.5, stride=2, stride_on="reduce", groups=4,
                                                         out_act="relu"),)),
    "inverted_residual-skip": ((8, 9, 9), (L.InvertedResidual(out=8, expansion=4),)),
    "inverted_residual-t1-stride2-k5": ((8, 9, 9), (L.InvertedResidual(out=12, expansion=1, stride=2, kernel=5),)),
    "fire": ((16, 9, 9), (L.Fire(squeeze=4, expand1x1=8, expand3x3=8),)),
    "fire-bn": ((16, 9, 9), (L.Fire(squeeze=6, expand1x1=5, expand3x3=7, norm="batch"),)),
    "mlpconv": ((3, 16, 16), (L.MlpConv(channels=(12, 10, 6), kernel=5, padding=2),)),
    "mlpconv-stride-bn": ((3, 16, 16), (L.MlpConv(channels=(8, 8), kernel=3, stride=2, norm="batch"),)),
    "cell-nb201": ((8, 8, 8), (L.Cell(edges=(L.ReluConvBn(kernel=3), "zero", "identity", L.ReluConvBn(kernel=1),
                                             L.Pool(mode="avg", kernel=3, stride=1, padding=1,
                                                    count_include_pad=False), "zero")),)),
    "relu_conv_bn-stride2-out": ((4, 9, 9), (L.ReluConvBn(out=8, stride=2),)),
    "residual-shortcut-layers": ((4, 8, 8), (L.Residual(body=(L.ReluConvBn(out=8, stride=2), L.ReluConvBn()),
                                                        shortcut=(L.Pool(mode="avg", kernel=2),
                                                                  L.Conv(out=8, kernel=1, norm="none", act="none",
                                                                         bias=False))),)),
    "dense_block": ((8, 6, 6), (L.DenseBlock(layers=3, growth=4),)),
    "dense_block-dropout-k5": ((8, 6, 6), (L.DenseBlock(layers=2, growth=6, bn_size=2, kernel=5, dropout=0.2),)),
}


def _spec(case: str) -> ArchSpec:
    shape, layers = CASES[case]
    out = L.sequence_shape(layers, shape, "layers")
    return ArchSpec(name=case, input=shape, num_classes=out[0], layers=layers)


def _types(value: object) -> set[str]:
    found = set()
    if isinstance(value, tuple):
        for item in value:
            found |= _types(item)
    elif dataclasses.is_dataclass(value):
        name = getattr(value, "type_name", "")
        if name:
            found.add(name)
        for f in dataclasses.fields(value):
            found |= _types(getattr(value, f.name))
    return found


def test_every_primitive_has_cases() -> None:
    covered = set().union(*(_types(layers) for _, layers in CASES.values()))
    assert covered == set(PRIMITIVES)


@pytest.mark.parametrize("case", sorted(CASES))
def test_analytic_cost_and_shape_match_the_built_module(case: str) -> None:
    spec = _spec(case)
    measured = measure(spec)
    figures = nasbox.cost(spec)
    assert figures.macs == measured.macs
    assert figures.params == measured.params
    assert spec.output_shape() == measured.output_shape


@pytest.mark.parametrize("case", ["inception-googlenet", "residual-projection", "encoder_decoder", "fire"])
@pytest.mark.parametrize("size", [32, 48])
def test_shape_inference_at_other_input_sizes(case: str, size: int) -> None:
    spec = _spec(case)
    shape = (spec.input[0], size, size)
    measured = measure(spec, shape)
    assert spec.output_shape(shape) == measured.output_shape
    assert nasbox.cost(spec, shape).macs == measured.macs
