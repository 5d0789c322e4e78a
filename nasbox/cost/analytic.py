"""Analytic cost of an ArchSpec, computed from the spec alone (shape inference, no tensors), at batch 1.

What is counted, and why:

- **MACs** are the weight multiply-accumulates of convolutions (grouped and depthwise included), transposed
  convolutions and linear layers: `H_out·W_out·C_out·(C_in/groups)·k_h·k_w` for a convolution,
  `H_in·W_in·C_in·C_out·k_h·k_w` for a transposed one, `F_in·F_out` for a linear layer. Biases, batch norm,
  activations, pooling, LRN, dropout, residual additions, scaling and concatenation are **not** counted. This is the
  convention of torchvision's published figures and of the NAS literature's "mult-adds", and it is exactly half of
  what `torch.utils.flop_counter.FlopCounterMode` reports, so the tests check every primitive against it.
- **Params** are trainable parameters: weights, biases, batch-norm scale and shift (running statistics are buffers
  and are not counted) and one slope per PReLU: the sum of `numel` over `module.parameters()`.
- **Activations** is the sum of the elements of every tensor an op writes, at batch 1: each op's output (a
  convolution with its norm and activation is one op, its in-place activation writing nothing new), every
  concatenation and every residual sum (and its projection). Flatten is a view and writes nothing. It is the memory
  a training step keeps for the backward pass, to within the norm layers' saved inputs.
- **Peak activations** is the largest number of elements live at once in a forward pass without autograd, under
  the model that a tensor lives from the op that writes it until its last reader ends: an op holds its input and
  output; an inception block holds its input until the last branch and every finished branch until the concatenation;
  a residual block holds its input until the addition; ENet holds the pooling indices until the unpooling.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nasbox.arch import layers as L
from nasbox.arch.spec import ArchSpec

_PRELU_PARAMS = 1


@dataclass(frozen=True)
class Cost:
    """The figures of one spec at one input shape; activation figures are element counts at batch 1."""

    macs: int
    params: int
    activations: int
    peak_activations: int


@dataclass(frozen=True)
class LayerCost:
    """One top-level layer's share, for per-layer tables."""

    index: int
    type: str
    output_shape: L.Shape
    macs: int
    params: int
    activations: int


class _Tally:
    __slots__ = ("activations", "macs", "params", "peak")

    def __init__(self) -> None:
        self.macs = self.params = self.activations = self.peak = 0

    def live(self, elements: int) -> None:
        if elements > self.peak:
            self.peak = elements


def cost(spec: ArchSpec, input_shape: L.Shape | None = None) -> Cost:
    """MACs, params and activation memory of `spec` at `input_shape` (default: the spec's own input)."""
    shape = tuple(input_shape) if input_shape is not None else spec.input
    tally = _Tally()
    spec.check_output(_sequence(spec.layers, shape, "layers", tally, held=0, keep_input=False))
    return Cost(tally.macs, tally.params, tally.activations, tally.peak)


def layer_costs(spec: ArchSpec, input_shape: L.Shape | None = None) -> list[LayerCost]:
    """Per top-level layer: output shape, MACs, params and activations."""
    shape = tuple(input_shape) if input_shape is not None else spec.input
    rows = []
    for i, layer in enumerate(spec.layers):
        tally = _Tally()
        shape = _layer(layer, shape, f"layers[{i}]", tally, held=0)
        rows.append(LayerCost(i, layer.type_name, shape, tally.macs, tally.params, tally.activations))
    return rows


def _sequence(layers: tuple[L.Layer, ...], shape: L.Shape, path: str, tally: _Tally, held: int,
              keep_input: bool) -> L.Shape:
    """Walk a list of layers; `keep_input` holds the list's input live throughout (a residual's shortcut)."""
    kept = math.prod(shape) if keep_input else 0
    for i, layer in enumerate(layers):
        shape = _layer(layer, shape, f"{path}[{i}]", tally, held + (kept if i else 0))
    return shape


def _layer(layer: L.Layer, shape: L.Shape, path: str, tally: _Tally, held: int) -> L.Shape:
    count = _OPS.get(type(layer))
    if count is None:
        if isinstance(layer, L.Block):
            return _layer(layer.expanded(shape, path), shape, path, tally, held)
        return _COMBINATORS[type(layer)](layer, shape, path, tally, held)
    out = layer.output_shape(shape, path)
    macs, params = count(layer, shape, out)
    tally.macs += macs
    tally.params += params
    written = 0 if isinstance(layer, L.Flatten) else math.prod(out)
    tally.activations += written
    tally.live(held + math.prod(shape) + written)
    return out


def _act_params(act: str) -> int:
    return _PRELU_PARAMS if act == "prelu" else 0


def _conv(layer: L.Conv, shape: L.Shape, out: L.Shape) -> tuple[int, int]:
    cin, (kh, kw) = shape[0], layer.window[:2]
    weights = layer.out * (cin // layer.resolved_groups(cin)) * kh * kw
    norm_channels = cin if layer.preact else layer.out
    params = (weights + (layer.out if layer.has_bias() else 0)
              + (2 * norm_channels if layer.norm == "batch" else 0) + _act_params(layer.act))
    return weights * out[1] * out[2], params


def _deconv(layer: L.Deconv, shape: L.Shape, out: L.Shape) -> tuple[int, int]:
    kh, kw = L.pair(layer.kernel)
    weights = shape[0] * layer.out * kh * kw
    params = (weights + (layer.out if layer.has_bias() else 0)
              + (2 * layer.out if layer.norm == "batch" else 0) + _act_params(layer.act))
    return weights * shape[1] * shape[2], params


def _linear(layer: L.Linear, shape: L.Shape, out: L.Shape) -> tuple[int, int]:
    weights = shape[0] * layer.out
    return weights, weights + (layer.out if layer.bias else 0) + _act_params(layer.act)


def _enet_down(layer: L.EnetDown, shape: L.Shape, out: L.Shape) -> tuple[int, int]:
    cin, mid, pixels = shape[0], layer.internal(shape[0]), out[1] * out[2]
    weights = cin * mid * 4 + mid * mid * 9 + mid * layer.out
    params = weights + 2 * (mid + mid + layer.out) + 4 * _act_params(layer.act)
    return weights * pixels, params


def _enet_up(layer: L.EnetUp, shape: L.Shape, out: L.Shape) -> tuple[int, int]:
    cin, mid, pixels_in = shape[0], layer.internal(shape[0]), shape[1] * shape[2]
    main, reduce, deconv, expand = cin * layer.out, cin * mid, mid * mid * 4, mid * layer.out
    macs = (main + reduce + deconv) * pixels_in + expand * out[1] * out[2]
    params = main + reduce + deconv + expand + 2 * (layer.out + 2 * mid + layer.out) + 4 * _act_params(layer.act)
    return macs, params


def _free(layer: Any, shape: L.Shape, out: L.Shape) -> tuple[int, int]:
    return 0, 0


_OPS: dict[type, Callable[[Any, L.Shape, L.Shape], tuple[int, int]]] = {
    L.Conv: _conv,
    L.Deconv: _deconv,
    L.Linear: _linear,
    L.BatchNorm: lambda layer, shape, out: (0, 2 * shape[0]),
    L.Activation: lambda layer, shape, out: (0, _act_params(layer.fn)),
    L.Pool: _free,
    L.GlobalPool: _free,
    L.AdaptivePool: _free,
    L.Flatten: _free,
    L.LRN: _free,
    L.Dropout: _free,
    L.EnetDown: _enet_down,
    L.EnetUp: _enet_up,
}


def _named(layer: L.Named, shape: L.Shape, path: str, tally: _Tally, held: int) -> L.Shape:
    for name, child in layer.children:
        shape = _layer(child, shape, f"{path}.{name}", tally, held)
    return shape


def _inception(layer: L.Inception, shape: L.Shape, path: str, tally: _Tally, held: int) -> L.Shape:
    has_identity = any(not branch for branch in layer.branches)
    finished, outs = 0, []
    for i, branch in enumerate(layer.branches):
        last = i == len(layer.branches) - 1
        branch_out = _sequence(branch, shape, f"{path}.branches[{i}]", tally, held + finished,
                               keep_input=has_identity or not last)
        outs.append(branch_out)
        if branch:
            finished += math.prod(branch_out)
    out = L.concat_shape(outs, path)
    kept_input = math.prod(shape) if has_identity else 0
    tally.activations += math.prod(out)
    tally.live(held + kept_input + finished + math.prod(out))
    return out


def _residual(layer: L.Residual, shape: L.Shape, path: str, tally: _Tally, held: int) -> L.Shape:
    body_out = _sequence(layer.body, shape, f"{path}.body", tally, held, keep_input=True)
    projection = layer.projection(shape, body_out, path)
    skip = shape
    if isinstance(layer.shortcut, tuple):
        skip = _sequence(layer.shortcut_layers(shape, body_out, path), shape, f"{path}.shortcut", tally,
                         held + math.prod(body_out), keep_input=False)
    elif projection is not None:
        skip = _layer(projection, shape, f"{path}.shortcut", tally, held + math.prod(body_out))
    tally.params += _act_params(layer.post_act)
    tally.activations += math.prod(body_out)
    tally.live(held + math.prod(skip) + 2 * math.prod(body_out))
    return body_out


def _cell(layer: L.Cell, shape: L.Shape, path: str, tally: _Tally, held: int) -> L.Shape:
    """Every node stays live until the cell's output is done; an edge's op sees the others and the running sum.
    A `zero` or `identity` edge computes nothing; each further edge into a node writes a new sum."""
    nodes = layer.node_shapes(shape, path)
    sizes = [math.prod(n) for n in nodes]
    for k, ((j, i), edge) in enumerate(zip(layer.wiring(), layer.edges, strict=True)):
        earlier = sum(sizes[:j])
        if not isinstance(edge, str):
            _layer(edge, nodes[i], f"{path}.edges[{k}]", tally, held + earlier - sizes[i] + (sizes[j] if i else 0))
        if i:
            tally.activations += sizes[j]
            tally.live(held + earlier + 2 * sizes[j])
    return nodes[-1]


def _encoder_decoder(layer: L.EncoderDecoder, shape: L.Shape, path: str, tally: _Tally, held: int) -> L.Shape:
    inner = _layer(layer.down, shape, f"{path}.down", tally, held)
    indices = shape[0] * inner[1] * inner[2]
    inner = _sequence(layer.body, inner, f"{path}.body", tally, held + indices, keep_input=False)
    return _layer(layer.up, layer.check_body(shape, inner, path), f"{path}.up", tally, held + indices)


_COMBINATORS: dict[type, Callable[[Any, L.Shape, str, _Tally, int], L.Shape]] = {
    L.Named: _named,
    L.Inception: _inception,
    L.Residual: _residual,
    L.Cell: _cell,
    L.EncoderDecoder: _encoder_decoder,
}
