"""The primitives of the architecture language.

There are three kinds, and only the first two are known to the builder and the cost model:

- **ops** (`conv`, `linear`, `pool`, ...) compute one tensor from one tensor;
- **combinators** (`inception`, `residual`, `encoder_decoder`) wire lists of layers together;
- **blocks** (`bottleneck`, `sep_conv`, `fire`, ...) are the named building blocks of the surveyed networks. Each
  one `expand`s into ops and combinators, so a new block is one class here and is then built, costed and
  shape-checked like everything else.

Every layer knows the shape it produces from the shape it receives (`output_shape`); shapes are `(C, H, W)` for
feature maps and `(F,)` for vectors. Errors name the layer's path in the spec and say what to change.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar, Literal

from nasbox.arch.codec import Tagged
from nasbox.errors import SpecError

Shape = tuple[int, ...]
Pair = int | tuple[int, int]
Act = Literal["relu", "relu6", "tanh", "sigmoid", "prelu", "none"]
Norm = Literal["batch", "none"]
PoolMode = Literal["max", "avg"]


def positive(default: object = None, *, width: bool = False) -> object:
    """A field that must be ≥ 1 (kernels, strides, widths); required when no default is given."""
    metadata = {"min": 1, "width": True} if width else {"min": 1}
    if default is None:
        return field(metadata=metadata)
    return field(default=default, metadata=metadata)


def width(default: object = None) -> object:
    """A channel or feature count: positive, and scaled by width multipliers (see `arch.transform`)."""
    return positive(default, width=True)


def non_negative(default: object = 0) -> object:
    return field(default=default, metadata={"min": 0})


def pair(value: Pair) -> tuple[int, int]:
    return (value, value) if value.__class__ is int else value


class Layer(Tagged):
    """Any primitive: maps an input shape to an output shape."""

    def output_shape(self, shape: Shape, path: str) -> Shape:
        raise NotImplementedError


class Op(Layer):
    """A primitive that the builder and the cost model handle directly."""


class Block(Layer):
    """A primitive defined by what it expands to."""

    def expand(self, shape: Shape, path: str) -> Layer:
        raise NotImplementedError

    def expanded(self, shape: Shape, path: str) -> Layer:
        """`expand`, remembered: candidates repeat blocks by the thousand, and the ops of a remembered expansion
        keep the geometry they have worked out."""
        return _remembered(_EXPANSIONS, (self, shape), lambda: self.expand(shape, path))

    def output_shape(self, shape: Shape, path: str) -> Shape:
        return self.expanded(shape, path).output_shape(shape, path)


_EXPANSIONS: dict[tuple[Block, Shape], Layer] = {}
_EXPANSIONS_KEPT = 50_000


def _remembered(store: dict, key: tuple, make: Callable[[], object]) -> Any:
    """`store[key]`, made by `make` the first time; the store starts afresh once it holds `_EXPANSIONS_KEPT`."""
    value = store.get(key)
    if value is None:
        value = make()
        if len(store) >= _EXPANSIONS_KEPT:
            store.clear()
        store[key] = value
    return value


def forget_expansions() -> None:
    """Drop remembered block expansions (benchmarks use it to cost candidates as a fresh process would)."""
    _EXPANSIONS.clear()
    _NODE_SHAPES.clear()
    _projection.cache_clear()


def feature_map(shape: Shape, path: str, what: str) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise SpecError(path, f"{what} needs a C×H×W feature map but gets a vector of {shape[0]}; "
                              "move it before the global pool or flatten")
    return shape  # type: ignore[return-value]


def sliding_window(path: str, size: int, kernel: int, stride: int, padding: int, dilation: int = 1,
                   ceil_mode: bool = False, axis: str = "H") -> int:
    """Output length of a convolution or pooling window, with PyTorch's rounding rules."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if span >= 0 and not ceil_mode:
        return span // stride + 1
    if span < 0:
        raise SpecError(path, f"a {kernel}-wide window does not fit the {size}-pixel {axis} axis "
                              f"(padding {padding}); use a smaller kernel or stride, a larger input, or fewer "
                              "downsampling layers before it")
    out = (math.ceil(span / stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def window_output(shape: Shape, path: str, what: str, kernel: Pair, stride: Pair, padding: Pair,
                  dilation: Pair = 1, ceil_mode: bool = False) -> tuple[int, int]:
    _, h, w = feature_map(shape, path, what)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = pair(kernel), pair(stride), pair(padding), pair(dilation)
    return (sliding_window(path, h, kh, sh, ph, dh, ceil_mode, "H"),
            sliding_window(path, w, kw, sw, pw, dw, ceil_mode, "W"))


def same_padding(path: str, kernel: Pair, dilation: Pair) -> tuple[int, int]:
    """The padding that keeps the map size at stride 1; only odd kernels have one."""
    (kh, kw), (dh, dw) = pair(kernel), pair(dilation)
    for k in (kh, kw):
        if k % 2 == 0:
            raise SpecError(f"{path}.kernel", f"must be odd when padding is 'same' (the default), got {k}; "
                                              "use an odd kernel or give an explicit padding")
    return dh * (kh - 1) // 2, dw * (kw - 1) // 2


# ----------------------------------------------------------------------------------------------------- ops


@dataclass(frozen=True)
class Conv(Op):
    """Convolution with optional batch norm and activation (post-activation unless `preact`)."""

    type_name: ClassVar[str] = "conv"
    out: int = width()
    kernel: Pair = positive(3)
    stride: Pair = positive(1)
    padding: Pair | None = field(default=None, metadata={"min": 0})
    dilation: Pair = positive(1)
    groups: int | Literal["depthwise"] = positive(1)
    bias: bool | None = None
    norm: Norm = "batch"
    act: Act = "relu"
    preact: bool = False

    def resolved_padding(self, path: str) -> tuple[int, int]:
        if self.padding is None:
            return same_padding(path, self.kernel, self.dilation)
        return pair(self.padding)

    def resolved_groups(self, in_channels: int) -> int:
        return in_channels if self.groups == "depthwise" else self.groups

    def has_bias(self) -> bool:
        if self.bias is None:
            return self.norm == "none" or self.preact
        return self.bias

    @property
    def window(self) -> tuple[int, int, int, int, int, int, int, int] | None:
        """(kh, kw, sh, sw, dh, dw, ph, pw), worked out once per layer since candidates are costed by the
        thousand; None when 'same' padding is impossible (an even kernel)."""
        try:
            return self.__dict__["_window"]
        except KeyError:
            pass
        (kh, kw), (sh, sw), (dh, dw) = pair(self.kernel), pair(self.stride), pair(self.dilation)
        window = None
        if self.padding is not None or (kh % 2 and kw % 2):
            window = (kh, kw, sh, sw, dh, dw, *self.resolved_padding(""))
        object.__setattr__(self, "_window", window)
        return window

    def output_shape(self, shape: Shape, path: str) -> Shape:
        c, h, w = feature_map(shape, path, "conv")
        groups = self.resolved_groups(c)
        if c % groups or self.out % groups:
            raise SpecError(f"{path}.groups", f"{groups} groups must divide both the {c} input and the "
                                              f"{self.out} output channels; change groups or the widths")
        window = self.window
        if window is None:
            self.resolved_padding(path)
        kh, kw, sh, sw, dh, dw, ph, pw = window
        return (self.out, sliding_window(path, h, kh, sh, ph, dh, axis="H"),
                sliding_window(path, w, kw, sw, pw, dw, axis="W"))


@dataclass(frozen=True)
class Deconv(Op):
    """Transposed convolution (ENet's decoder), with optional batch norm and activation."""

    type_name: ClassVar[str] = "deconv"
    out: int = width()
    kernel: Pair = positive(3)
    stride: Pair = positive(1)
    padding: Pair = non_negative(0)
    output_padding: Pair = non_negative(0)
    bias: bool | None = None
    norm: Norm = "batch"
    act: Act = "relu"

    def has_bias(self) -> bool:
        return self.norm == "none" if self.bias is None else self.bias

    def output_shape(self, shape: Shape, path: str) -> Shape:
        _, h, w = feature_map(shape, path, "deconv")
        (kh, kw), (sh, sw) = pair(self.kernel), pair(self.stride)
        (ph, pw), (oh, ow) = pair(self.padding), pair(self.output_padding)
        if oh >= sh or ow >= sw:
            raise SpecError(f"{path}.output_padding", "must be smaller than the stride")
        out_h, out_w = (h - 1) * sh - 2 * ph + kh + oh, (w - 1) * sw - 2 * pw + kw + ow
        if out_h < 1 or out_w < 1:
            raise SpecError(f"{path}.padding", f"leaves a {out_h}×{out_w} map; reduce the padding")
        return self.out, out_h, out_w


@dataclass(frozen=True)
class Linear(Op):
    """Fully connected layer on a vector (after `flatten` or `global_pool`)."""

    type_name: ClassVar[str] = "linear"
    out: int = width()
    bias: bool = True
    act: Act = "none"

    def output_shape(self, shape: Shape, path: str) -> Shape:
        if len(shape) != 1:
            raise SpecError(path, f"linear needs a vector but gets a {'×'.join(map(str, shape))} map; "
                                  "put a flatten or global_pool before it")
        return (self.out,)


@dataclass(frozen=True)
class BatchNorm(Op):
    type_name: ClassVar[str] = "batch_norm"

    def output_shape(self, shape: Shape, path: str) -> Shape:
        return shape


@dataclass(frozen=True)
class Activation(Op):
    type_name: ClassVar[str] = "act"
    fn: Act = "relu"

    def output_shape(self, shape: Shape, path: str) -> Shape:
        return shape


@dataclass(frozen=True)
class Pool(Op):
    """Max or average pooling; `stride` defaults to the kernel size, as in PyTorch."""

    type_name: ClassVar[str] = "pool"
    mode: PoolMode = "max"
    kernel: Pair = positive(2)
    stride: Pair | None = field(default=None, metadata={"min": 1})
    padding: Pair = non_negative(0)
    ceil_mode: bool = False
    count_include_pad: bool = True

    def resolved_stride(self) -> Pair:
        return self.kernel if self.stride is None else self.stride

    def output_shape(self, shape: Shape, path: str) -> Shape:
        (kh, kw), (ph, pw) = pair(self.kernel), pair(self.padding)
        if 2 * ph > kh or 2 * pw > kw:
            raise SpecError(f"{path}.padding", "must be at most half the kernel size")
        h, w = window_output(shape, path, "pool", self.kernel, self.resolved_stride(), self.padding,
                             ceil_mode=self.ceil_mode)
        return shape[0], h, w


@dataclass(frozen=True)
class GlobalPool(Op):
    """Pool each channel to one value and flatten to a vector."""

    type_name: ClassVar[str] = "global_pool"
    mode: PoolMode = "avg"

    def output_shape(self, shape: Shape, path: str) -> Shape:
        return (feature_map(shape, path, "global_pool")[0],)


@dataclass(frozen=True)
class AdaptivePool(Op):
    """Pool to a fixed map size whatever the input size (torchvision's AlexNet and VGG heads)."""

    type_name: ClassVar[str] = "adaptive_pool"
    size: Pair = positive(1)
    mode: PoolMode = "avg"

    def output_shape(self, shape: Shape, path: str) -> Shape:
        return (feature_map(shape, path, "adaptive_pool")[0], *pair(self.size))


@dataclass(frozen=True)
class Flatten(Op):
    type_name: ClassVar[str] = "flatten"

    def output_shape(self, shape: Shape, path: str) -> Shape:
        return (math.prod(shape),)


@dataclass(frozen=True)
class LRN(Op):
    """Local response normalization across channels (AlexNet, GoogLeNet's paper form)."""

    type_name: ClassVar[str] = "lrn"
    size: int = positive(5)
    alpha: float = 1e-4
    beta: float = 0.75
    k: float = 1.0

    def output_shape(self, shape: Shape, path: str) -> Shape:
        feature_map(shape, path, "lrn")
        return shape


@dataclass(frozen=True)
class Dropout(Op):
    type_name: ClassVar[str] = "dropout"
    p: float = 0.5
    channelwise: bool = False

    def output_shape(self, shape: Shape, path: str) -> Shape:
        if not 0.0 <= self.p < 1.0:
            raise SpecError(f"{path}.p", f"must be in [0, 1), got {self.p}")
        return shape


# ----------------------------------------------------------------------------------------------- combinators


def sequence_shape(layers: tuple[Layer, ...], shape: Shape, path: str) -> Shape:
    for i, layer in enumerate(layers):
        shape = layer.output_shape(shape, f"{path}[{i}]")
    return shape


@dataclass(frozen=True)
class Named(Layer):
    """A sequence whose children have names (what a block expands to); not written in specs."""

    children: tuple[tuple[str, Layer], ...]

    def output_shape(self, shape: Shape, path: str) -> Shape:
        for name, layer in self.children:
            shape = layer.output_shape(shape, f"{path}.{name}")
        return shape


@dataclass(frozen=True)
class Inception(Layer):
    """Parallel branches on the same input, concatenated along channels; an empty branch is the identity."""

    type_name: ClassVar[str] = "inception"
    branches: tuple[tuple[Layer, ...], ...]

    def output_shape(self, shape: Shape, path: str) -> Shape:
        feature_map(shape, path, "inception")
        outs = [sequence_shape(b, shape, f"{path}.branches[{i}]") for i, b in enumerate(self.branches)]
        return concat_shape(outs, path)


def concat_shape(outs: list[Shape], path: str) -> Shape:
    """The shape of branch outputs concatenated along channels; they must share H×W."""
    if not outs:
        raise SpecError(f"{path}.branches", "needs at least one branch")
    first = outs[0]
    if len(first) != 3 or any(o[1:] != first[1:] for o in outs):
        listed = ", ".join("×".join(map(str, o)) for o in outs)
        raise SpecError(f"{path}.branches", f"branch outputs must share H×W to concatenate, got {listed}; "
                                            "match their strides and paddings")
    return sum(o[0] for o in outs), first[1], first[2]


@dataclass(frozen=True)
class Residual(Layer):
    """`post_act(shortcut(x) + scale * body(x))`; the shortcut projects (1×1 conv + BN) when shapes differ, or is
    the layers given (NAS-Bench-201's and ResNet-D's 2×2 average pool before the 1×1 conv)."""

    type_name: ClassVar[str] = "residual"
    body: tuple[Layer, ...]
    shortcut: Literal["auto", "identity", "conv"] | tuple[Layer, ...] = "auto"
    scale: float = 1.0
    post_act: Act = "none"

    def output_shape(self, shape: Shape, path: str) -> Shape:
        out = sequence_shape(self.body, shape, f"{path}.body")
        if isinstance(self.shortcut, tuple):
            self.shortcut_layers(shape, out, path)
        else:
            self.projection(shape, out, path)
        return out

    def shortcut_layers(self, shape: Shape, out: Shape, path: str) -> tuple[Layer, ...]:
        """The layers of a shortcut given as layers, checked to map the input to the body's output shape."""
        assert isinstance(self.shortcut, tuple)
        got = sequence_shape(self.shortcut, shape, f"{path}.shortcut")
        if got != out:
            raise SpecError(f"{path}.shortcut", f"outputs {'×'.join(map(str, got))} but the body "
                                                f"{'×'.join(map(str, out))}; make both map the input alike")
        return self.shortcut

    def projection(self, shape: Shape, out: Shape, path: str) -> Conv | None:
        """The shortcut's 1×1 convolution, or None for the identity (or a shortcut given as layers)."""
        if isinstance(self.shortcut, tuple):
            return None
        if self.shortcut != "conv" and shape == out:
            return None
        if self.shortcut == "identity":
            raise SpecError(f"{path}.shortcut", f"identity cannot join {'×'.join(map(str, shape))} to "
                                                f"{'×'.join(map(str, out))}; use 'auto' or 'conv'")
        if len(shape) != 3 or len(out) != 3:
            raise SpecError(path, "a residual body must keep a C×H×W map")
        proj = _projection(out[0], max(1, round(shape[1] / out[1])), max(1, round(shape[2] / out[2])))
        if proj.output_shape(shape, path) != out:
            raise SpecError(path, f"no 1×1 projection maps {'×'.join(map(str, shape))} to "
                                  f"{'×'.join(map(str, out))}; make the body's strides divide the input size")
        return proj


@lru_cache(maxsize=4096)
def _projection(channels: int, stride_h: int, stride_w: int) -> Conv:
    return Conv(out=channels, kernel=1, stride=(stride_h, stride_w), padding=0, act="none")


@dataclass(frozen=True)
class EnetBottleneck:
    """What ENet's down- and upsampling bottlenecks share: width, 1×1 reduction ratio, dropout, activation."""

    out: int = width()
    internal_ratio: int = positive(4)
    dropout: float = 0.1
    act: Act = "prelu"

    def internal(self, in_channels: int) -> int:
        return in_channels // self.internal_ratio

    def checked_map(self, shape: Shape, path: str) -> tuple[int, int, int]:
        c, h, w = feature_map(shape, path, "an ENet bottleneck")
        if c // self.internal_ratio < 1:
            raise SpecError(f"{path}.internal_ratio", f"leaves no channels of {c}; lower it")
        if not 0.0 <= self.dropout < 1.0:
            raise SpecError(f"{path}.dropout", f"must be in [0, 1), got {self.dropout}")
        return c, h, w


@dataclass(frozen=True)
class EnetDown(EnetBottleneck):
    """ENet's downsampling bottleneck: max pool (indices kept) + zero-padded channels, beside a conv branch.

    Only valid as the `down` of an `encoder_decoder`, which hands its pooling indices to the matching `up`.
    """

    def output_shape(self, shape: Shape, path: str) -> Shape:
        c, h, w = self.checked_map(shape, path)
        if self.out < c:
            raise SpecError(f"{path}.out", f"must be at least the {c} input channels")
        if h % 2 or w % 2:
            raise SpecError(path, f"needs an even map size to unpool exactly, got {h}×{w}")
        return self.out, h // 2, w // 2


@dataclass(frozen=True)
class EnetUp(EnetBottleneck):
    """ENet's upsampling bottleneck: 1×1 conv + max unpool with the matching indices, beside a deconv branch."""

    def output_shape(self, shape: Shape, path: str) -> Shape:
        _, h, w = self.checked_map(shape, path)
        return self.out, 2 * h, 2 * w


@dataclass(frozen=True)
class EncoderDecoder(Layer):
    """ENet's pairing: a downsampling bottleneck, a body, and the upsampling bottleneck that reuses its indices."""

    type_name: ClassVar[str] = "encoder_decoder"
    down: EnetDown
    body: tuple[Layer, ...]
    up: EnetUp

    def output_shape(self, shape: Shape, path: str) -> Shape:
        inner = self.down.output_shape(shape, f"{path}.down")
        inner = sequence_shape(self.body, inner, f"{path}.body")
        return self.up.output_shape(self.check_body(shape, inner, path), f"{path}.up")

    def check_body(self, shape: Shape, inner: Shape, path: str) -> Shape:
        """The body's output, once checked to match the pooling indices that `up` unpools."""
        if len(inner) != 3 or inner[1:] != (shape[1] // 2, shape[2] // 2):
            raise SpecError(f"{path}.body", "must keep the map size so the indices can be unpooled")
        if self.up.out != shape[0]:
            raise SpecError(f"{path}.up.out", f"must equal the {shape[0]} input channels whose pooling indices "
                                              f"it unpools, got {self.up.out}")
        return inner


CellEdge = Layer | Literal["zero", "identity"]


@dataclass(frozen=True)
class Cell(Layer):
    """A directed acyclic cell (NAS-Bench-201, DARTS): node 0 is the cell's input, node j the sum over i < j of
    edge (j←i) applied to node i, the last node the output. `edges` lists every pair by target, then source:
    (1←0), (2←0), (2←1), (3←0), (3←1), (3←2), ...; an edge is a layer or block, `zero` (absent: it adds zeros,
    as the benchmark's `none` does) or `identity`. Node j's incoming edges must agree on its shape. A cell whose
    output does not depend on its input is valid: NAS-Bench-201 has such cells, and they score chance."""

    type_name: ClassVar[str] = "cell"
    edges: tuple[CellEdge, ...]

    @property
    def nodes(self) -> int:
        """How many nodes `edges` connects (n nodes have n(n-1)/2 edges); 0 when the count is not such a number."""
        n = round((1 + math.sqrt(1 + 8 * len(self.edges))) / 2)
        return n if n * (n - 1) // 2 == len(self.edges) and self.edges else 0

    def wiring(self) -> tuple[tuple[int, int], ...]:
        """(target, source) of each edge, in the order of `edges`."""
        return _wiring(self.nodes)

    def connected(self) -> bool:
        """Whether the output is reachable from the input through edges that are not `zero`."""
        reached = {0}
        for (j, i), edge in zip(self.wiring(), self.edges, strict=True):
            if i in reached and edge != "zero":
                reached.add(j)
        return self.nodes - 1 in reached

    def node_shapes(self, shape: Shape, path: str) -> tuple[Shape, ...]:
        """The shape of every node, the input's first; each edge's output is checked against its target's.
        Remembered, as block expansions are: a network repeats its cell, and a sampler costs thousands."""
        return _remembered(_NODE_SHAPES, (self, shape), lambda: self._node_shapes(shape, path))

    def _node_shapes(self, shape: Shape, path: str) -> tuple[Shape, ...]:
        if not self.nodes:
            raise SpecError(f"{path}.edges", f"has {len(self.edges)} edges, but a cell of n nodes has n(n-1)/2 "
                                             "(1, 3, 6, 10, ...): list one edge per pair of nodes, `zero` where none")
        shapes: list[Shape] = [shape]
        for k, ((j, i), edge) in enumerate(zip(self.wiring(), self.edges, strict=True)):
            edge_path = f"{path}.edges[{k}]"
            out = shapes[i] if isinstance(edge, str) else edge.output_shape(shapes[i], edge_path)
            if i == 0:
                shapes.append(out)
            elif out != shapes[j]:
                raise SpecError(edge_path, f"gives node {j} a {'×'.join(map(str, out))} map where its edge from "
                                           f"node 0 gives {'×'.join(map(str, shapes[j]))}; make every edge into a "
                                           "node output the same shape")
        return tuple(shapes)

    def output_shape(self, shape: Shape, path: str) -> Shape:
        return self.node_shapes(shape, path)[-1]


_NODE_SHAPES: dict[tuple[Cell, Shape], tuple[Shape, ...]] = {}


def disconnected_cells(value: object, path: str = "layers") -> list[str]:
    """The paths of the cells inside `value` (a layer or a tuple of them) whose output does not depend on their
    input: in a plain sequence of layers, such a cell makes the whole network's output a constant."""
    if isinstance(value, tuple):
        return [found for i, item in enumerate(value) for found in disconnected_cells(item, f"{path}[{i}]")]
    if not isinstance(value, Layer):
        return []
    found = [path] if isinstance(value, Cell) and not value.connected() else []
    for name in value.__dataclass_fields__:
        child = getattr(value, name)
        if isinstance(child, (tuple, Layer)):
            found += disconnected_cells(child, f"{path}.{name}")
    return found


@lru_cache(maxsize=64)
def _wiring(nodes: int) -> tuple[tuple[int, int], ...]:
    return tuple((j, i) for j in range(1, nodes) for i in range(j))


# ---------------------------------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class SepConv(Block):
    """Depthwise-separable convolution (MobileNet v1, Xception): depthwise k×k then pointwise 1×1."""

    type_name: ClassVar[str] = "sep_conv"
    out: int = width()
    kernel: Pair = positive(3)
    stride: Pair = positive(1)
    dilation: Pair = positive(1)
    norm: Norm = "batch"
    act: Act = "relu"
    dw_norm: Norm = "batch"
    dw_act: Act | None = None

    def expand(self, shape: Shape, path: str) -> Layer:
        c = feature_map(shape, path, "sep_conv")[0]
        dw_act = self.act if self.dw_act is None else self.dw_act
        return Named((
            ("depthwise", Conv(out=c, kernel=self.kernel, stride=self.stride, dilation=self.dilation,
                               groups="depthwise", bias=False, norm=self.dw_norm, act=dw_act)),
            ("pointwise", Conv(out=self.out, kernel=1, bias=False, norm=self.norm, act=self.act)),
        ))


@dataclass(frozen=True)
class ReluConvBn(Block):
    """ReLU → conv → batch norm (NAS-Bench-201's and DARTS's `ReLUConvBN`): the activation comes first, on the
    block's input, and leaves that input untouched, so a cell can feed the same node to several edges. Without
    `out` it keeps its input's channels, so one cell serves every stage."""

    type_name: ClassVar[str] = "relu_conv_bn"
    out: int | None = field(default=None, metadata={"min": 1, "width": True})
    kernel: Pair = positive(3)
    stride: Pair = positive(1)
    padding: Pair | None = field(default=None, metadata={"min": 0})
    dilation: Pair = positive(1)

    def expand(self, shape: Shape, path: str) -> Layer:
        out = feature_map(shape, path, "relu_conv_bn")[0] if self.out is None else self.out
        return Named((
            ("act", Activation("relu")),
            ("conv", Conv(out=out, kernel=self.kernel, stride=self.stride, padding=self.padding,
                          dilation=self.dilation, bias=False, act="none")),
        ))


@dataclass(frozen=True)
class Bottleneck(Block):
    """1×1 reduce → k×k → 1×1 expand (ResNet, Inception); `ratio` is mid width / output width."""

    type_name: ClassVar[str] = "bottleneck"
    out: int = width()
    ratio: float = 0.25
    kernel: Pair = positive(3)
    stride: Pair = positive(1)
    groups: int = positive(1)
    stride_on: Literal["conv", "reduce"] = "conv"
    act: Act = "relu"
    out_act: Act = "none"

    def mid(self) -> int:
        return max(1, round(self.out * self.ratio))

    def expand(self, shape: Shape, path: str) -> Layer:
        if self.ratio <= 0:
            raise SpecError(f"{path}.ratio", f"must be positive, got {self.ratio}")
        mid = self.mid()
        reduce_stride, conv_stride = (self.stride, 1) if self.stride_on == "reduce" else (1, self.stride)
        return Named((
            ("reduce", Conv(out=mid, kernel=1, stride=reduce_stride, padding=0, act=self.act)),
            ("conv", Conv(out=mid, kernel=self.kernel, stride=conv_stride, groups=self.groups, act=self.act)),
            ("expand", Conv(out=self.out, kernel=1, act=self.out_act)),
        ))


@dataclass(frozen=True)
class InvertedResidual(Block):
    """MobileNet v2: 1×1 expand → depthwise k×k → linear 1×1 project, with an identity skip when shapes match."""

    type_name: ClassVar[str] = "inverted_residual"
    out: int = width()
    expansion: float = 6.0
    kernel: Pair = positive(3)
    stride: Pair = positive(1)
    act: Act = "relu6"
    skip: bool = True

    def expand(self, shape: Shape, path: str) -> Layer:
        c = feature_map(shape, path, "inverted_residual")[0]
        if self.expansion <= 0:
            raise SpecError(f"{path}.expansion", f"must be positive, got {self.expansion}")
        mid = max(1, round(c * self.expansion))
        children: list[tuple[str, Layer]] = []
        if mid != c:
            children.append(("expand", Conv(out=mid, kernel=1, act=self.act)))
        children += [
            ("depthwise", Conv(out=mid, kernel=self.kernel, stride=self.stride, groups="depthwise", act=self.act)),
            ("project", Conv(out=self.out, kernel=1, act="none")),
        ]
        body = Named(tuple(children))
        if self.skip and pair(self.stride) == (1, 1) and c == self.out:
            return Residual(body=(body,), shortcut="identity")
        return body


@dataclass(frozen=True)
class Fire(Block):
    """SqueezeNet: 1×1 squeeze, then 1×1 and 3×3 expands concatenated."""

    type_name: ClassVar[str] = "fire"
    squeeze: int = width()
    expand1x1: int = width()
    expand3x3: int = width()
    norm: Norm = "none"
    act: Act = "relu"

    def expand(self, shape: Shape, path: str) -> Layer:
        return Named((
            ("squeeze", Conv(out=self.squeeze, kernel=1, norm=self.norm, act=self.act)),
            ("expand", Inception(branches=(
                (Conv(out=self.expand1x1, kernel=1, norm=self.norm, act=self.act),),
                (Conv(out=self.expand3x3, kernel=3, norm=self.norm, act=self.act),),
            ))),
        ))


@dataclass(frozen=True)
class MlpConv(Block):
    """NiN: a k×k convolution followed by 1×1 convolutions (a per-pixel MLP)."""

    type_name: ClassVar[str] = "mlpconv"
    channels: tuple[int, ...] = field(default=(), metadata={"min": 1, "width": True})
    kernel: Pair = positive(3)
    stride: Pair = positive(1)
    padding: Pair | None = field(default=None, metadata={"min": 0})
    norm: Norm = "none"
    act: Act = "relu"

    def expand(self, shape: Shape, path: str) -> Layer:
        if not self.channels:
            raise SpecError(f"{path}.channels", "needs at least one width")
        first = Conv(out=self.channels[0], kernel=self.kernel, stride=self.stride, padding=self.padding,
                     norm=self.norm, act=self.act)
        rest = [Conv(out=c, kernel=1, norm=self.norm, act=self.act) for c in self.channels[1:]]
        return Named(tuple((f"conv{i}", conv) for i, conv in enumerate([first, *rest])))


@dataclass(frozen=True)
class DenseBlock(Block):
    """DenseNet: each layer (BN-ReLU-1×1, BN-ReLU-k×k) adds `growth` channels concatenated to its input."""

    type_name: ClassVar[str] = "dense_block"
    layers: int = positive()
    growth: int = width()
    bn_size: int = positive(4)
    kernel: Pair = positive(3)
    dropout: float = 0.0

    def expand(self, shape: Shape, path: str) -> Layer:
        body: tuple[Layer, ...] = (
            Conv(out=self.bn_size * self.growth, kernel=1, bias=False, preact=True),
            Conv(out=self.growth, kernel=self.kernel, bias=False, preact=True),
        )
        if self.dropout:
            body += (Dropout(p=self.dropout),)
        unit = Inception(branches=((), body))
        return Named(tuple((f"layer{i + 1}", unit) for i in range(self.layers)))


PRIMITIVES: dict[str, type[Layer]] = {name: cls for name, cls in Tagged.registry.items()
                                      if issubclass(cls, Layer)}
