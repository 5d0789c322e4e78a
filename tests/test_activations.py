"""The activation-memory model, held against the tensors a real forward pass writes."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

import nasbox
from nasbox import zoo
from nasbox.arch import ArchSpec
from nasbox.arch import layers as L
from nasbox.cost import layer_costs


def _written_by_top_level_layers(spec: ArchSpec) -> int:
    """Elements of every top-level layer's output in a real forward pass (flatten, a view, excluded)."""
    module = nasbox.build(spec).eval()
    total = 0

    def count(mod: torch.nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total
        if not isinstance(mod, torch.nn.Flatten):
            total += output.numel()

    for layer in module.layers:
        layer.register_forward_hook(count)
    with torch.no_grad():
        module(torch.randn(1, *spec.input))
    return total


@pytest.mark.parametrize("name", ["lenet5", "alexnet", "zfnet", "vgg11"])
def test_plain_chains_count_every_layer_output(name: str) -> None:
    spec = zoo.get(name)
    assert nasbox.cost(spec).activations == _written_by_top_level_layers(spec)


def test_peak_of_a_chain_is_the_largest_input_plus_output() -> None:
    spec = zoo.get("vgg11")
    shapes = [spec.input]
    for i, layer in enumerate(spec.layers):
        shapes.append(layer.output_shape(shapes[-1], f"layers[{i}]"))
    expected = max(math.prod(a) + math.prod(b) for a, b in itertools.pairwise(shapes))
    assert nasbox.cost(spec).peak_activations == expected


def test_residual_keeps_its_input_alive_across_the_body() -> None:
    block = L.Residual(body=(L.Conv(out=8), L.Conv(out=8, act="none")))
    spec = ArchSpec(name="r", input=(8, 10, 10), num_classes=8, layers=(block,))
    figures = nasbox.cost(spec)
    x = 8 * 10 * 10
    assert figures.activations == 3 * x
    assert figures.peak_activations == 3 * x


@pytest.mark.parametrize("name", zoo.names())
def test_peak_lies_between_the_largest_tensor_and_the_total(name: str) -> None:
    spec = zoo.get(name)
    figures = nasbox.cost(spec)
    largest = max(math.prod(row.output_shape) for row in layer_costs(spec))
    assert largest < figures.peak_activations <= figures.activations + math.prod(spec.input)
