"""Where a network's cost goes: MACs, params and activations grouped by primitive kind, once blocks are expanded.

The question MobileNet's Table 2 answers ("Resource per layer type"): how much of the compute and of the weights
sits in 1×1 convolutions, depthwise ones, dense k×k ones (by kernel size), grouped and transposed ones, and fully
connected layers. Every figure is `nasbox.cost.analytic`'s, split by the op that owns it, so a network's kinds sum
to its `cost()` totals exactly:

- a convolution's weights and MACs go to its kind: `depthwise` (one group per input channel), `grouped` (more than
  one group otherwise), or the dense `conv KxK` of its kernel (`conv 1x1` among them); transposed convolutions go
  to `transposed`, linear layers to `linear`;
- parameters that are not weights have kinds of their own, as the paper counts conv and linear weights only:
  `batch_norm` (scale and shift, of a conv's norm or of a batch-norm layer), `bias`, and `activation` (PReLU
  slopes, and the output of a stand-alone activation layer);
- an op's written output (activations) goes to its own kind; the ops that compute nothing have kinds for that
  alone: `pool`, `lrn`, `dropout`, `concat` (an inception block's concatenation) and `add` (a residual sum, and
  the output of ENet's bottlenecks, a sum of their two branches, and each sum of a cell's edges). ENet's
  bottlenecks are split into their convs.

Shares: a kind's MACs and activations are shares of the network's totals; its params are a share of the
**weights** (conv, transposed conv and linear), the paper's convention, so the non-weight kinds have no params
share and the shares of each column sum to 100%.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nasbox.arch import layers as L
from nasbox.arch.spec import ArchSpec

DEPTHWISE, GROUPED, TRANSPOSED, LINEAR = "depthwise", "grouped", "transposed", "linear"
BATCH_NORM, BIAS, ACTIVATION = "batch_norm", "bias", "activation"
POOL, LRN, DROPOUT, CONCAT, ADD = "pool", "lrn", "dropout", "concat", "add"
NON_WEIGHT_KINDS = frozenset({BATCH_NORM, BIAS, ACTIVATION, POOL, LRN, DROPOUT, CONCAT, ADD})
_LABELS = {DEPTHWISE: "depthwise conv", GROUPED: "grouped conv", TRANSPOSED: "transposed conv",
           LINEAR: "linear (fully connected)", BATCH_NORM: "batch norm", BIAS: "bias", ACTIVATION: "activation",
           POOL: "pooling", LRN: "LRN", DROPOUT: "dropout", CONCAT: "concatenation", ADD: "residual add"}
_PRELU_PARAMS = 1


def dense_kind(kh: int, kw: int) -> str:
    """The kind of a dense (one-group) convolution with a kh×kw kernel, e.g. 'conv 1x1'."""
    return f"conv {kh}x{kw}"


def kind_label(kind: str) -> str:
    """How a kind reads in a table: '1×1 conv', 'depthwise conv', ..."""
    if kind.startswith("conv "):
        return kind[len("conv "):].replace("x", "×") + " conv"
    return _LABELS[kind]


@dataclass(frozen=True)
class KindCost:
    """One kind's figures and shares (params share: of the weights; None for a kind that holds no weights)."""

    kind: str
    macs: int
    params: int
    activations: int
    macs_share: float
    params_share: float | None
    activations_share: float

    @property
    def label(self) -> str:
        return kind_label(self.kind)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "macs": self.macs, "params": self.params,
                "activations": self.activations, "macs_share": self.macs_share, "params_share": self.params_share,
                "activations_share": self.activations_share}


@dataclass(frozen=True)
class KindCosts:
    """A network's cost by kind, dearest in MACs first, with its totals (equal to `cost()`'s) and its weights."""

    kinds: tuple[KindCost, ...]
    macs: int
    params: int
    activations: int
    weights: int

    def to_dict(self) -> dict[str, Any]:
        return {"kinds": [k.to_dict() for k in self.kinds],
                "total": {"macs": self.macs, "params": self.params, "activations": self.activations,
                          "weights": self.weights}}


class _Tally:
    """MACs, params and activations per kind."""

    def __init__(self) -> None:
        self.figures: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])

    def add(self, kind: str, macs: int = 0, params: int = 0, activations: int = 0) -> None:
        figures = self.figures[kind]
        figures[0] += macs
        figures[1] += params
        figures[2] += activations


def kind_costs(spec: ArchSpec, input_shape: L.Shape | None = None) -> KindCosts:
    """`spec`'s MACs, params and activations by primitive kind at `input_shape` (default: the spec's own)."""
    shape = tuple(input_shape) if input_shape is not None else spec.input
    tally = _Tally()
    spec.check_output(_sequence(spec.layers, shape, "layers", tally))
    totals = [sum(f[i] for f in tally.figures.values()) for i in range(3)]
    weights = sum(f[1] for kind, f in tally.figures.items() if kind not in NON_WEIGHT_KINDS)

    def share(value: int, total: int) -> float:
        return value / total if total else 0.0

    rows = [KindCost(kind, macs, params, activations, share(macs, totals[0]),
                     None if kind in NON_WEIGHT_KINDS else share(params, weights), share(activations, totals[2]))
            for kind, (macs, params, activations) in tally.figures.items() if macs or params or activations]
    rows.sort(key=lambda r: (-r.macs, -r.params, -r.activations, r.kind))
    return KindCosts(tuple(rows), totals[0], totals[1], totals[2], weights)


def _sequence(layers: tuple[L.Layer, ...], shape: L.Shape, path: str, tally: _Tally) -> L.Shape:
    for i, layer in enumerate(layers):
        shape = _layer(layer, shape, f"{path}[{i}]", tally)
    return shape


def _layer(layer: L.Layer, shape: L.Shape, path: str, tally: _Tally) -> L.Shape:
    count = _OPS.get(type(layer))
    if count is None:
        if isinstance(layer, L.Block):
            return _layer(layer.expanded(shape, path), shape, path, tally)
        return _COMBINATORS[type(layer)](layer, shape, path, tally)
    out = layer.output_shape(shape, path)
    count(layer, shape, out, tally)
    return out


def _act(act: str, tally: _Tally, slopes: int = 1) -> None:
    if act == "prelu":
        tally.add(ACTIVATION, params=slopes * _PRELU_PARAMS)


def _conv(layer: L.Conv, shape: L.Shape, out: L.Shape, tally: _Tally) -> None:
    cin, (kh, kw) = shape[0], layer.window[:2]
    groups = layer.resolved_groups(cin)
    kind = dense_kind(kh, kw) if groups == 1 else DEPTHWISE if groups == cin else GROUPED
    weights = layer.out * (cin // groups) * kh * kw
    tally.add(kind, macs=weights * out[1] * out[2], params=weights, activations=math.prod(out))
    if layer.has_bias():
        tally.add(BIAS, params=layer.out)
    if layer.norm == "batch":
        tally.add(BATCH_NORM, params=2 * (cin if layer.preact else layer.out))
    _act(layer.act, tally)


def _deconv(layer: L.Deconv, shape: L.Shape, out: L.Shape, tally: _Tally) -> None:
    kh, kw = L.pair(layer.kernel)
    weights = shape[0] * layer.out * kh * kw
    tally.add(TRANSPOSED, macs=weights * shape[1] * shape[2], params=weights, activations=math.prod(out))
    if layer.has_bias():
        tally.add(BIAS, params=layer.out)
    if layer.norm == "batch":
        tally.add(BATCH_NORM, params=2 * layer.out)
    _act(layer.act, tally)


def _linear(layer: L.Linear, shape: L.Shape, out: L.Shape, tally: _Tally) -> None:
    weights = shape[0] * layer.out
    tally.add(LINEAR, macs=weights, params=weights, activations=layer.out)
    if layer.bias:
        tally.add(BIAS, params=layer.out)
    _act(layer.act, tally)


def _enet_down(layer: L.EnetDown, shape: L.Shape, out: L.Shape, tally: _Tally) -> None:
    """A 2×2/2 conv to the internal width, a 3×3 conv, a 1×1 expansion, each with batch norm and PReLU."""
    cin, mid, pixels = shape[0], layer.internal(shape[0]), out[1] * out[2]
    for kind, weights in ((dense_kind(2, 2), cin * mid * 4), (dense_kind(3, 3), mid * mid * 9),
                          (dense_kind(1, 1), mid * layer.out)):
        tally.add(kind, macs=weights * pixels, params=weights)
    tally.add(BATCH_NORM, params=2 * (mid + mid + layer.out))
    _act(layer.act, tally, slopes=4)
    tally.add(ADD, activations=math.prod(out))


def _enet_up(layer: L.EnetUp, shape: L.Shape, out: L.Shape, tally: _Tally) -> None:
    """The main 1×1 conv, and a 1×1 reduction, a 2×2/2 transposed conv and a 1×1 expansion beside it."""
    cin, mid, pixels_in = shape[0], layer.internal(shape[0]), shape[1] * shape[2]
    tally.add(dense_kind(1, 1), macs=(cin * layer.out + cin * mid) * pixels_in + mid * layer.out * out[1] * out[2],
              params=cin * layer.out + cin * mid + mid * layer.out)
    tally.add(TRANSPOSED, macs=mid * mid * 4 * pixels_in, params=mid * mid * 4)
    tally.add(BATCH_NORM, params=2 * (layer.out + 2 * mid + layer.out))
    _act(layer.act, tally, slopes=4)
    tally.add(ADD, activations=math.prod(out))


def _writes(kind: str) -> Callable[[Any, L.Shape, L.Shape, _Tally], None]:
    """An op that only writes its output, counted under `kind`."""
    return lambda layer, shape, out, tally: tally.add(kind, activations=math.prod(out))


def _batch_norm(layer: L.BatchNorm, shape: L.Shape, out: L.Shape, tally: _Tally) -> None:
    tally.add(BATCH_NORM, params=2 * shape[0], activations=math.prod(out))


def _activation(layer: L.Activation, shape: L.Shape, out: L.Shape, tally: _Tally) -> None:
    tally.add(ACTIVATION, activations=math.prod(out))
    _act(layer.fn, tally)


_OPS: dict[type, Callable[[Any, L.Shape, L.Shape, _Tally], None]] = {
    L.Conv: _conv,
    L.Deconv: _deconv,
    L.Linear: _linear,
    L.BatchNorm: _batch_norm,
    L.Activation: _activation,
    L.Pool: _writes(POOL),
    L.GlobalPool: _writes(POOL),
    L.AdaptivePool: _writes(POOL),
    L.Flatten: lambda layer, shape, out, tally: None,  # a view: writes nothing
    L.LRN: _writes(LRN),
    L.Dropout: _writes(DROPOUT),
    L.EnetDown: _enet_down,
    L.EnetUp: _enet_up,
}


def _named(layer: L.Named, shape: L.Shape, path: str, tally: _Tally) -> L.Shape:
    for name, child in layer.children:
        shape = _layer(child, shape, f"{path}.{name}", tally)
    return shape


def _inception(layer: L.Inception, shape: L.Shape, path: str, tally: _Tally) -> L.Shape:
    outs = [_sequence(branch, shape, f"{path}.branches[{i}]", tally) for i, branch in enumerate(layer.branches)]
    out = L.concat_shape(outs, path)
    tally.add(CONCAT, activations=math.prod(out))
    return out


def _residual(layer: L.Residual, shape: L.Shape, path: str, tally: _Tally) -> L.Shape:
    body_out = _sequence(layer.body, shape, f"{path}.body", tally)
    projection = layer.projection(shape, body_out, path)
    if isinstance(layer.shortcut, tuple):
        _sequence(layer.shortcut_layers(shape, body_out, path), shape, f"{path}.shortcut", tally)
    elif projection is not None:
        _layer(projection, shape, f"{path}.shortcut", tally)
    _act(layer.post_act, tally)
    tally.add(ADD, activations=math.prod(body_out))
    return body_out


def _cell(layer: L.Cell, shape: L.Shape, path: str, tally: _Tally) -> L.Shape:
    """Each edge's op under its own kind; every sum of two edges' outputs is an `add`."""
    nodes = layer.node_shapes(shape, path)
    for k, ((j, i), edge) in enumerate(zip(layer.wiring(), layer.edges, strict=True)):
        if not isinstance(edge, str):
            _layer(edge, nodes[i], f"{path}.edges[{k}]", tally)
        if i:
            tally.add(ADD, activations=math.prod(nodes[j]))
    return nodes[-1]


def _encoder_decoder(layer: L.EncoderDecoder, shape: L.Shape, path: str, tally: _Tally) -> L.Shape:
    inner = _layer(layer.down, shape, f"{path}.down", tally)
    inner = _sequence(layer.body, inner, f"{path}.body", tally)
    return _layer(layer.up, layer.check_body(shape, inner, path), f"{path}.up", tally)


_COMBINATORS: dict[type, Callable[[Any, L.Shape, str, _Tally], L.Shape]] = {
    L.Named: _named,
    L.Inception: _inception,
    L.Residual: _residual,
    L.Cell: _cell,
    L.EncoderDecoder: _encoder_decoder,
}
