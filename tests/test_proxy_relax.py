"""Relaxed strides: a proxy at a cut resolution may run the network's first downsampling layers at stride 1, so its
late stages keep more pixels; the target's figures never change, and the relaxed proxy trains."""

from __future__ import annotations

import pytest

from nasbox import zoo
from nasbox.arch.layers import sequence_shape
from nasbox.arch.transform import relax_strides
from nasbox.cost import cost
from nasbox.errors import NasboxError
from nasbox.proxy import ProxyConfig, evaluate
from nasbox.proxy.train import make_proxy
from nasbox.search import make_config
from nasbox.search.data import load_proxy_data


def strides(spec) -> list[object]:
    return [getattr(layer, "stride", None) for layer in spec.layers]


def map_before_pooling(spec) -> tuple[int, int]:
    """Height and width of the last feature map, where global pooling starts."""
    pooled = next(i for i, layer in enumerate(spec.layers) if layer.type_name in ("global_pool", "adaptive_pool"))
    return sequence_shape(spec.layers[:pooled], spec.input, "layers")[1:]


def test_the_first_downsampling_layers_run_at_stride_one_and_later_ones_keep_theirs() -> None:
    resnet = zoo.get("resnet18")  # 7×7/2 conv, 3×3/2 max pool, then stages
    relaxed = relax_strides(resnet, 1)
    assert strides(relaxed)[0] == 1 and strides(relaxed)[1:] == strides(resnet)[1:]
    twice = relax_strides(resnet, 2)
    assert strides(twice)[:2] == [1, 1] and strides(twice)[2:] == strides(resnet)[2:]
    assert relax_strides(resnet, 0) == resnet
    # the pool's stride defaults to its kernel: relaxing it sets 1 explicitly
    squeezenet = relax_strides(zoo.get("squeezenet1_1"), 2)
    assert [layer.type_name for layer in squeezenet.layers[:2]] == ["conv", "pool"]
    assert strides(squeezenet)[:2] == [1, 1]


def test_relaxing_more_layers_than_downsample_relaxes_them_all() -> None:
    lenet = zoo.get("lenet5")
    everything = relax_strides(lenet, 99)
    assert everything != lenet and relax_strides(everything, 1) == everything
    assert cost(everything).macs > cost(lenet).macs


def test_a_relaxed_proxy_has_larger_late_maps_and_the_target_figures_are_unchanged() -> None:
    data = load_proxy_data(make_config({"space": "resnet", "budget_macs": "600M", "subset": "1000", "device": "cpu"}))
    target = zoo.get("resnet18")
    plain = make_proxy(target, ProxyConfig(), data)
    relaxed = make_proxy(target, ProxyConfig(relax_strides=1), data)
    # the last feature map before global pooling: 1×1 at 32 px as designed, 2×2 with the stem's conv relaxed
    assert cost(relaxed).macs > 3 * cost(plain).macs
    assert map_before_pooling(plain) == (1, 1) and map_before_pooling(relaxed) == (2, 2)
    result = evaluate(target, ProxyConfig(relax_strides=1, epochs=2), data)
    assert result.proxy_macs == cost(relaxed).macs and result.accuracy > 0.2  # chance is 0.1


def test_a_negative_count_from_a_flag_or_config_file_is_refused() -> None:
    with pytest.raises(NasboxError, match="--relax-strides: must be at least 0"):
        make_config({"space": "resnet", "relax_strides": "-1"})
