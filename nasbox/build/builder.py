"""Turn a validated ArchSpec into modules, one builder per op or combinator, dispatched by spec class."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from nasbox.arch import layers as L
from nasbox.arch.spec import ArchSpec
from nasbox.ops import blocks as ops

Builder = Callable[[Any, L.Shape, str], nn.Module]


class Network(nn.Module):
    """A built ArchSpec: `layers` holds one module per spec layer, in order."""

    def __init__(self, spec: ArchSpec, layers: nn.Sequential) -> None:
        super().__init__()
        self.spec = spec
        self.layers = layers

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def build(spec: ArchSpec, input_shape: L.Shape | None = None) -> Network:
    """Build the module for `spec` at `input_shape` (default: the spec's own input)."""
    shape = tuple(input_shape) if input_shape is not None else spec.input
    spec.output_shape(shape)
    return Network(spec, build_sequence(spec.layers, shape, "layers")[0])


def build_sequence(layers: tuple[L.Layer, ...], shape: L.Shape, path: str) -> tuple[nn.Sequential, L.Shape]:
    """The modules of a list of layers, and the shape they output."""
    modules = []
    for i, layer in enumerate(layers):
        modules.append(build_layer(layer, shape, f"{path}[{i}]"))
        shape = layer.output_shape(shape, f"{path}[{i}]")
    return nn.Sequential(*modules), shape


def build_layer(layer: L.Layer, shape: L.Shape, path: str) -> nn.Module:
    if isinstance(layer, L.Block):
        return build_layer(layer.expanded(shape, path), shape, path)
    return _BUILDERS[type(layer)](layer, shape, path)


def _unit(parts: list[tuple[str, nn.Module | None]], kind: type[nn.Sequential] = nn.Sequential) -> nn.Sequential:
    return kind(OrderedDict((n, m) for n, m in parts if m is not None))


def _norm(channels: int, shape: L.Shape) -> nn.Module:
    return nn.BatchNorm2d(channels) if len(shape) == 3 else nn.BatchNorm1d(channels)


def _conv(layer: L.Conv, shape: L.Shape, path: str) -> nn.Module:
    cin = shape[0]
    conv = nn.Conv2d(cin, layer.out, L.pair(layer.kernel), L.pair(layer.stride), layer.resolved_padding(path),
                     L.pair(layer.dilation), layer.resolved_groups(cin), bias=layer.has_bias())
    if layer.preact:
        norm = nn.BatchNorm2d(cin) if layer.norm == "batch" else None
        return _unit([("bn", norm), ("act", ops.activation(layer.act, inplace=norm is not None)), ("conv", conv)],
                     ops.PreActivation)
    norm = nn.BatchNorm2d(layer.out) if layer.norm == "batch" else None
    return _unit([("conv", conv), ("bn", norm), ("act", ops.activation(layer.act, inplace=True))])


def _deconv(layer: L.Deconv, shape: L.Shape, path: str) -> nn.Module:
    conv = nn.ConvTranspose2d(shape[0], layer.out, L.pair(layer.kernel), L.pair(layer.stride),
                              L.pair(layer.padding), L.pair(layer.output_padding), bias=layer.has_bias())
    norm = nn.BatchNorm2d(layer.out) if layer.norm == "batch" else None
    return _unit([("conv", conv), ("bn", norm), ("act", ops.activation(layer.act, inplace=True))])


def _linear(layer: L.Linear, shape: L.Shape, path: str) -> nn.Module:
    return _unit([("fc", nn.Linear(shape[0], layer.out, bias=layer.bias)),
                  ("act", ops.activation(layer.act, inplace=True))])


def _pool(layer: L.Pool, shape: L.Shape, path: str) -> nn.Module:
    kernel, stride, padding = L.pair(layer.kernel), L.pair(layer.resolved_stride()), L.pair(layer.padding)
    if layer.mode == "max":
        return nn.MaxPool2d(kernel, stride, padding, ceil_mode=layer.ceil_mode)
    return nn.AvgPool2d(kernel, stride, padding, ceil_mode=layer.ceil_mode,
                        count_include_pad=layer.count_include_pad)


def _adaptive_pool(layer: L.AdaptivePool, shape: L.Shape, path: str) -> nn.Module:
    size = L.pair(layer.size)
    return nn.AdaptiveMaxPool2d(size) if layer.mode == "max" else nn.AdaptiveAvgPool2d(size)


def _dropout(layer: L.Dropout, shape: L.Shape, path: str) -> nn.Module:
    return nn.Dropout2d(layer.p) if layer.channelwise else nn.Dropout(layer.p)


def _activation(layer: L.Activation, shape: L.Shape, path: str) -> nn.Module:
    return ops.activation(layer.fn) or nn.Identity()


def _named(layer: L.Named, shape: L.Shape, path: str) -> nn.Module:
    modules = {}
    for name, child in layer.children:
        modules[name] = build_layer(child, shape, f"{path}.{name}")
        shape = child.output_shape(shape, f"{path}.{name}")
    return nn.Sequential(OrderedDict(modules))


def _inception(layer: L.Inception, shape: L.Shape, path: str) -> nn.Module:
    return ops.Concat([build_sequence(branch, shape, f"{path}.branches[{i}]")[0]
                       for i, branch in enumerate(layer.branches)])


def _residual(layer: L.Residual, shape: L.Shape, path: str) -> nn.Module:
    body, out = build_sequence(layer.body, shape, f"{path}.body")
    if isinstance(layer.shortcut, tuple):
        shortcut = build_sequence(layer.shortcut_layers(shape, out, path), shape, f"{path}.shortcut")[0]
    else:
        projection = layer.projection(shape, out, path)
        shortcut = _conv(projection, shape, path) if projection is not None else None
    return ops.Residual(body, shortcut, layer.scale, ops.activation(layer.post_act, inplace=True))


def _cell(layer: L.Cell, shape: L.Shape, path: str) -> nn.Module:
    nodes = layer.node_shapes(shape, path)
    edges = [ops.Zero() if edge == "zero" else nn.Identity() if edge == "identity"
             else build_layer(edge, nodes[i], f"{path}.edges[{k}]")
             for k, ((_, i), edge) in enumerate(zip(layer.wiring(), layer.edges, strict=True))]
    return ops.Cell(edges)


def _enet_down(layer: L.EnetDown, shape: L.Shape, path: str) -> nn.Module:
    return ops.EnetDown(shape[0], layer.out, layer.internal(shape[0]), layer.dropout, layer.act)


def _enet_up(layer: L.EnetUp, shape: L.Shape, path: str) -> nn.Module:
    return ops.EnetUp(shape[0], layer.out, layer.internal(shape[0]), layer.dropout, layer.act)


def _encoder_decoder(layer: L.EncoderDecoder, shape: L.Shape, path: str) -> nn.Module:
    inner = layer.down.output_shape(shape, f"{path}.down")
    body, out = build_sequence(layer.body, inner, f"{path}.body")
    return ops.EncoderDecoder(_enet_down(layer.down, shape, f"{path}.down"), body,
                              _enet_up(layer.up, out, f"{path}.up"))


_BUILDERS: dict[type, Builder] = {
    L.Conv: _conv,
    L.Deconv: _deconv,
    L.Linear: _linear,
    L.BatchNorm: lambda layer, shape, path: _norm(shape[0], shape),
    L.Activation: _activation,
    L.Pool: _pool,
    L.GlobalPool: lambda layer, shape, path: ops.GlobalPool(layer.mode),
    L.AdaptivePool: _adaptive_pool,
    L.Flatten: lambda layer, shape, path: nn.Flatten(1),
    L.LRN: lambda layer, shape, path: nn.LocalResponseNorm(layer.size, layer.alpha, layer.beta, layer.k),
    L.Dropout: _dropout,
    L.Named: _named,
    L.Inception: _inception,
    L.Residual: _residual,
    L.Cell: _cell,
    L.EncoderDecoder: _encoder_decoder,
}
