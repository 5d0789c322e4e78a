"""Every zoo network, generated from the registry: exact analytic cost, forward pass, published figures."""

from __future__ import annotations

import pytest

import nasbox
from nasbox import zoo
from nasbox.arch import ArchSpec
from tests.conftest import measure

TOLERANCE = 0.01


@pytest.mark.parametrize("name", zoo.names())
def test_analytic_cost_equals_the_built_network(name: str) -> None:
    spec = zoo.get(name)
    measured = measure(spec)
    figures = nasbox.cost(spec)
    assert figures.macs == measured.macs
    assert figures.params == measured.params
    assert spec.output_shape() == measured.output_shape
    assert measured.output_shape[0] == spec.num_classes


@pytest.mark.parametrize("name", zoo.names())
def test_published_figures_within_one_percent_or_explained(name: str) -> None:
    entry, figures = zoo.entry(name), nasbox.cost(zoo.get(name))
    deviations = (abs(figures.params / entry.published_params - 1), abs(figures.macs / entry.published_macs - 1))
    assert max(deviations) <= TOLERANCE or entry.note, f"{name} deviates by {max(deviations):.2%} with no note"
    assert entry.source and entry.variant


@pytest.mark.parametrize("name", zoo.names())
def test_round_trip_through_yaml_and_json(name: str) -> None:
    spec = zoo.get(name)
    assert ArchSpec.from_yaml(spec.to_yaml()) == spec
    assert ArchSpec.from_json(spec.to_json()) == spec
    assert ArchSpec.from_dict(spec.to_dict()) == spec


def test_the_zoo_holds_the_24_surveyed_networks() -> None:
    assert set(zoo.names()) == {
        "lenet5", "alexnet", "zfnet", "vgg11", "vgg16", "vgg19", "nin", "googlenet", "inception_v3",
        "inception_v4", "inception_resnet_v2", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
        "wide_resnet50_2", "squeezenet1_0", "squeezenet1_1", "mobilenet_v1", "mobilenet_v2", "xception",
        "densenet121", "enet",
    }


def test_unknown_name_says_what_exists() -> None:
    with pytest.raises(nasbox.NasboxError, match=r"unknown zoo network 'resnet19'.*resnet18"):
        zoo.get("resnet19")


@pytest.mark.parametrize(("name", "size"), [("squeezenet1_1", (97, 131)), ("googlenet", (113, 89)),
                                            ("xception", (101, 150)), ("zfnet", (150, 150)),
                                            ("inception_v3", (139, 160)), ("densenet121", (77, 95))])
def test_shape_inference_and_cost_at_other_input_sizes(name: str, size: tuple[int, int]) -> None:
    spec = zoo.get(name)
    shape = (spec.input[0], *size)
    measured = measure(spec, shape)
    assert nasbox.cost(spec, shape).macs == measured.macs
    assert spec.output_shape(shape) == measured.output_shape
