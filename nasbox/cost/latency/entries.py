"""A spec as the list of lookup-table entries it executes: one per op, per concatenation and per residual join.

An entry is what the builder turns into one unit of work: an op (a conv with its norm and activation, a pool, a
linear layer, ...) at its input shape, the concatenation of an inception block's branch outputs, a residual block's
join (scale, add, post-activation), or the sum of two of a cell's edges. Blocks are expanded first, so a bottleneck
is its three convs. The entry's `key` names its configuration and input shape exactly (two layers with one key run
the same kernels); its `family` drops the sizes, so that an entry a table lacks can be estimated from a measured one
of the same family. Containers (the sequence of a block, the list of branches) are not entries: their cost is part
of the per-network overhead that the table fits."""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass
from typing import Any

from nasbox.arch import layers as L
from nasbox.arch.codec import encode
from nasbox.arch.spec import ArchSpec

_SIZE_FIELDS = ("out",)  # every op's width field: blocks are expanded into ops first


@dataclass(frozen=True)
class Entry:
    """One unit of work of a network: `layer` (an op, or the combinator it joins) run on `inputs`."""

    key: str
    family: str
    kind: str  # "op", "concat", "join" or "add"
    layer: Any
    inputs: tuple[L.Shape, ...]
    output: L.Shape
    macs: int

    @property
    def elements(self) -> int:
        """Elements read and written: the memory traffic that bounds the ops without MACs."""
        return sum(math.prod(s) for s in self.inputs) + math.prod(self.output)

    @property
    def work(self) -> int:
        """What an entry's time scales with within its family: MACs where it has them, else elements."""
        return self.macs or self.elements


def spec_entries(spec: ArchSpec, input_shape: L.Shape | None = None) -> list[Entry]:
    """The entries `spec` executes at `input_shape` (default: its own input), in execution order."""
    shape = tuple(input_shape) if input_shape is not None else spec.input
    entries: list[Entry] = []
    _sequence(spec.layers, shape, "layers", entries)
    return entries


def _sequence(layers: tuple[L.Layer, ...], shape: L.Shape, path: str, out: list[Entry]) -> L.Shape:
    for i, layer in enumerate(layers):
        shape = _layer(layer, shape, f"{path}[{i}]", out)
    return shape


def _layer(layer: L.Layer, shape: L.Shape, path: str, out: list[Entry]) -> L.Shape:
    if isinstance(layer, L.Block):
        return _layer(layer.expanded(shape, path), shape, path, out)
    if isinstance(layer, L.Named):
        for name, child in layer.children:
            shape = _layer(child, shape, f"{path}.{name}", out)
        return shape
    if isinstance(layer, L.Inception):
        outs = [_sequence(branch, shape, f"{path}.branches[{i}]", out) for i, branch in enumerate(layer.branches)]
        result = L.concat_shape(outs, path)
        out.append(Entry(f"concat @ {'+'.join(map(_shape, outs))}", "concat", "concat", layer, tuple(outs), result, 0))
        return result
    if isinstance(layer, L.Residual):
        body = _sequence(layer.body, shape, f"{path}.body", out)
        projection = layer.projection(shape, body, path)
        if isinstance(layer.shortcut, tuple):
            _sequence(layer.shortcut_layers(shape, body, path), shape, f"{path}.shortcut", out)
        elif projection is not None:
            _layer(projection, shape, f"{path}.shortcut", out)
        join = L.Residual(body=(), scale=layer.scale, post_act=layer.post_act)
        config = _config(join, drop=("body",))
        out.append(Entry(f"residual({config}) @ {_shape(body)}", f"residual({config})", "join", join, (body, body),
                         body, 0))
        return body
    if isinstance(layer, L.Cell):
        return _cell(layer, shape, path, out)
    if isinstance(layer, L.EncoderDecoder):
        inner = _op(layer.down, "enet_down", shape, path, out)
        inner = _sequence(layer.body, inner, f"{path}.body", out)
        return _op(layer.up, "enet_up", layer.check_body(shape, inner, path), path, out)
    return _op(layer, layer.type_name, shape, path, out)


def _cell(layer: L.Cell, shape: L.Shape, path: str, out: list[Entry]) -> L.Shape:
    """A cell's edges that compute (not `zero`, not `identity`), and an `add` for each further edge into a node."""
    nodes = layer.node_shapes(shape, path)
    for k, ((j, i), edge) in enumerate(zip(layer.wiring(), layer.edges, strict=True)):
        if not isinstance(edge, str):
            _layer(edge, nodes[i], f"{path}.edges[{k}]", out)
        if i:
            out.append(Entry(f"add @ {_shape(nodes[j])}", "add", "add", None, (nodes[j], nodes[j]), nodes[j], 0))
    return nodes[-1]


def _op(layer: Any, name: str, shape: L.Shape, path: str, out: list[Entry]) -> L.Shape:
    result = layer.output_shape(shape, path)
    if isinstance(layer, L.Conv):
        layer = _canonical_conv(layer)
    config, family = _names(layer)
    out.append(Entry(f"{name}({config}) @ {_shape(shape)}", f"{name}({family})", "op", layer, (shape,), result,
                     _macs(layer, shape, result)))
    return result


@functools.lru_cache(maxsize=8192)
def _names(layer: Any) -> tuple[str, str]:
    """An op's configuration as written in its key, and without its sizes (its family)."""
    return _config(layer), _config(layer, drop=_SIZE_FIELDS)


@functools.lru_cache(maxsize=8192)
def _canonical_conv(layer: L.Conv) -> L.Conv:
    """The same convolution written one way: square pairs as one number, 'same' padding left implicit."""
    square = {name: _square(getattr(layer, name)) for name in ("kernel", "stride", "dilation", "padding")}
    conv = dataclasses.replace(layer, **square)
    if conv.padding is not None:
        implicit = dataclasses.replace(conv, padding=None)
        if implicit.window == conv.window:
            return implicit
    return conv


def _square(value: Any) -> Any:
    return value[0] if isinstance(value, tuple) and value[0] == value[1] else value


def _macs(layer: Any, shape: L.Shape, out: L.Shape) -> int:
    if isinstance(layer, L.Conv):
        kh, kw = L.pair(layer.kernel)
        return out[0] * (shape[0] // layer.resolved_groups(shape[0])) * kh * kw * out[1] * out[2]
    if isinstance(layer, L.Deconv):
        kh, kw = L.pair(layer.kernel)
        return shape[0] * layer.out * kh * kw * shape[1] * shape[2]
    if isinstance(layer, L.Linear):
        return shape[0] * layer.out
    return 0


def _config(layer: Any, drop: tuple[str, ...] = ()) -> str:
    fields = {k: v for k, v in encode(layer).items() if k != "type" and k not in drop}
    return ", ".join(f"{k}={_value(v)}" for k, v in fields.items())


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "x".join(map(_value, value))
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _shape(shape: L.Shape) -> str:
    return "x".join(map(str, shape))
