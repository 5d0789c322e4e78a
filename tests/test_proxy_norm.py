"""The proxy's added batch norm: networks designed before batch norm (SqueezeNet 1.1) learn in a proxy's few steps
with it and stay at chance without; the added norm folds into its conv, so the family of functions is the
network's own; every zoo network within the default budget learns under the default recipe."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nasbox import zoo
from nasbox.arch.transform import with_batch_norm
from nasbox.build import build
from nasbox.cost import cost
from nasbox.proxy import ProxyConfig, ProxyData, evaluate
from nasbox.proxy.train import make_proxy
from nasbox.search import make_config
from nasbox.search.baselines import retarget
from nasbox.search.data import load_proxy_data
from nasbox.search.front import learned
from nasbox.space import load_space

SPACE = "inception_resnet"


@pytest.fixture(scope="module")
def data() -> ProxyData:
    return load_proxy_data(make_config({"space": SPACE, "budget_macs": "600M", "device": "cpu"}))


def at_target(name: str):
    space = load_space(SPACE)
    return retarget(zoo.get(name), space.input, space.num_classes)


def test_every_conv_of_squeezenet_gets_a_batch_norm_and_normalised_networks_are_unchanged() -> None:
    squeezenet = build(with_batch_norm(zoo.get("squeezenet1_1")))
    convs = [m for m in squeezenet.modules() if isinstance(m, nn.Conv2d)]
    norms = [m for m in squeezenet.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(convs) == len(norms) == 26 and all(conv.bias is None for conv in convs)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in build(zoo.get("squeezenet1_1")).modules())
    mobilenet = zoo.get("mobilenet_v2")
    assert with_batch_norm(mobilenet) == mobilenet


def test_an_added_batch_norm_folds_into_its_conv_so_the_function_family_is_the_networks_own() -> None:
    torch.manual_seed(0)
    unit = build(with_batch_norm(zoo.get("squeezenet1_1"))).layers[0]  # conv, bn, relu
    conv, norm = unit.conv, unit.bn
    with torch.no_grad():
        norm.running_mean.uniform_(-1, 1), norm.running_var.uniform_(0.5, 2)
        norm.weight.uniform_(0.5, 2), norm.bias.uniform_(-1, 1)
    unit.eval()
    folded = torch.nn.utils.fusion.fuse_conv_bn_eval(conv, norm)  # a plain conv with a bias, as designed
    x = torch.randn(2, 3, 64, 64)
    assert torch.allclose(unit(x), torch.relu(folded(x)), atol=1e-5)


def test_the_target_figures_are_those_of_the_network_as_designed(data: ProxyData) -> None:
    spec = at_target("squeezenet1_1")
    assert cost(spec) == cost(zoo.get("squeezenet1_1").replace(input=spec.input))
    as_designed = make_proxy(spec, ProxyConfig(batch_norm="as-designed"), data)
    assert make_proxy(spec, ProxyConfig(), data) == with_batch_norm(as_designed)


def test_squeezenet_learns_with_the_added_norm_and_stays_at_chance_as_designed(data: ProxyData) -> None:
    spec = at_target("squeezenet1_1")
    scored_on = len(data.val_labels)
    added = evaluate(spec, ProxyConfig(), data, seed=0).accuracy
    designed = evaluate(spec, ProxyConfig(batch_norm="as-designed"), data, seed=0).accuracy
    assert learned(added, 1 / data.num_classes, scored_on)
    assert not learned(designed, 1 / data.num_classes, scored_on)


def within_default_budget() -> list[str]:
    return [name for name in zoo.names() if (spec := at_target(name)) is not None and cost(spec).macs <= 600e6]


def test_the_default_budget_holds_networks_with_and_without_their_own_batch_norm() -> None:
    names = within_default_budget()
    assert {"lenet5", "squeezenet1_1", "mobilenet_v1", "mobilenet_v2"} <= set(names)


@pytest.mark.slow
@pytest.mark.parametrize("name", within_default_budget())
def test_every_zoo_network_within_the_default_budget_learns_under_the_default_recipe(data: ProxyData,
                                                                                  name: str) -> None:
    accuracy = evaluate(at_target(name), ProxyConfig(), data, seed=1).accuracy
    assert learned(accuracy, 1 / data.num_classes, len(data.val_labels)), accuracy
