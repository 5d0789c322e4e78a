"""ArchSpec → the source of a standalone PyTorch module: imports only torch, one `nn.Module` subclass.

The class holds `self.layers`, an `nn.Sequential` with one entry per spec layer, built from the same modules in
the same tree as `nasbox.build` (so the state_dict keys are the same: `layers.3.branches.1.0.conv.weight`), with
a comment naming each spec layer. Blocks are written as the ops they expand to. Pure string generation: no torch
here. User strings reach the file only through `nasbox.export.names`.
"""

from __future__ import annotations

from collections.abc import Mapping

from nasbox.arch import layers as L
from nasbox.arch.codec import encode
from nasbox.arch.spec import ArchSpec
from nasbox.arch.transform import classifier_index
from nasbox.cost import cost
from nasbox.export import names
from nasbox.export.expressions import INDENT, LINE, Call, Code, Value, render
from nasbox.export.helpers import HELPERS, IMPORTS, closure
from nasbox.units import format_count

NUM_CLASSES = Code("num_classes")
# layers that may follow the classifier without their parameters depending on its width
_CLASS_FREE = (L.GlobalPool, L.Flatten, L.Pool, L.AdaptivePool, L.Dropout, L.Activation, L.LRN)
_RESERVED = frozenset({*HELPERS, *IMPORTS, "torch", "nn"})


def to_source(spec: ArchSpec, class_name: str | None = None, *, notes: Mapping[str, object] | None = None) -> str:
    """The source of a module defining one `nn.Module` subclass for `spec`, named `class_name` (default: the
    spec's name in CamelCase), constructible with no arguments. `notes` adds lines to the docstring header
    (e.g. `{"proxy accuracy": 0.93}`)."""
    spec.validate()
    name = class_name_for(spec, class_name)
    emitter = _Emitter()
    resizable = _resizable_classifier(spec)
    entries, comments = [], []
    shape = spec.input
    for i, layer in enumerate(spec.layers):
        path = f"layers[{i}]"
        classes = NUM_CLASSES if i == resizable else None
        entries.append(emitter.layer(layer, shape, path, classes))
        comments.append(_describe(i, layer, classifier=classes is not None))
        shape = layer.output_shape(shape, path)
    network = Call("nn.Sequential", tuple(entries), comments=tuple(comments))
    body_indent = INDENT * 2
    assignment = f"{body_indent}self.layers = {render(network, body_indent, LINE - len('self.layers = '))}"
    helpers = closure(emitter.used)
    imports = {imp for h in helpers for imp in HELPERS[h].imports} | emitter.imports
    standard = [IMPORTS["OrderedDict"], ""] if "OrderedDict" in imports else []
    functional = [IMPORTS["F"]] if "F" in imports else []
    header = "\n".join([_module_docstring(spec, name, notes or {}, resizable is not None), "",
                        *standard, "import torch", "from torch import nn", *functional])
    definitions = [*(HELPERS[h].text for h in helpers), _class(spec, name, assignment, resizable is not None)]
    after_imports = "\n\n" if helpers and helpers[0] == "Size" else "\n\n\n"  # isort: one blank line before code
    return header + after_imports + "\n\n\n".join(definitions) + "\n"


def class_name_for(spec: ArchSpec, class_name: str | None = None) -> str:
    """The class name `to_source` gives `spec`'s module: `class_name` or the spec's name, sanitised."""
    return names.class_name(class_name if class_name is not None else spec.name, _RESERVED)


def _module_docstring(spec: ArchSpec, name: str, notes: Mapping[str, object], resizable: bool) -> str:
    figures = cost(spec)
    text = names.docstring_text
    shown = "×".join(map(str, spec.input))
    lines = [
        '"""A standalone PyTorch module written by `nasbox export`: it needs only torch.',
        "",
        f"Network: {text(spec.name)}",
        f"Input: N×{shown}; output: N×{'×'.join(map(str, spec.output_shape()))} ({spec.num_classes} classes)",
        f"MACs: {format_count(figures.macs)} ({figures.macs:,} at batch 1); params: {format_count(figures.params)} "
        f"({figures.params:,})",
        *(f"{text(str(key), 40)}: {text(str(value), 100)}" for key, value in notes.items()),  # an arch string is 97
        "",
        "Use:",
        "",
        f"    model = {name}().eval()",
        '    model.load_state_dict(torch.load("weights.pt", weights_only=True))  # the weights exported beside it',
        f"    logits = model(torch.randn(1, {', '.join(map(str, spec.input))}))",
    ]
    if resizable:
        lines += ["", f"`{name}(num_classes=K)` resizes the classifier,", "whose weights then start fresh."]
    return "\n".join(lines) + '\n"""'


def _class(spec: ArchSpec, name: str, assignment: str, resizable: bool) -> str:
    signature = f"self, num_classes: int = {spec.num_classes}" if resizable else "self"
    return "\n".join([
        f"class {name}(nn.Module):",
        '    """The network in plain PyTorch: `layers[i]` is the spec\'s layer i, as its comment says."""',
        "",
        f"    def __init__({signature}) -> None:",
        "        super().__init__()",
        assignment,
        "",
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:",
        "        return self.layers(x)",
    ])


def _resizable_classifier(spec: ArchSpec) -> int | None:
    """Index of the classifier when a `num_classes` argument can resize it alone (its width is a single op's
    output and no layer after it has parameters sized by it), else None."""
    index = classifier_index(spec.layers)
    if index is None:
        return None
    layer = spec.layers[index]
    fits = (isinstance(layer, (L.Linear, L.Deconv, L.MlpConv))
            or (isinstance(layer, L.Conv) and layer.groups == 1))
    after = spec.layers[index + 1:]
    return index if fits and all(isinstance(a, _CLASS_FREE) for a in after) else None


def _describe(index: int, layer: L.Layer, classifier: bool) -> str:
    """The comment over a top-level layer: its index, type and the fields the spec sets."""
    fields = []
    for key, value in encode(layer).items():
        if key == "type":
            continue
        if isinstance(value, list) and value and isinstance(value[0], (dict, list)):
            fields.append(f"{key}: {len(value)}")
        elif isinstance(value, dict):
            fields.append(f"{key}: {value.get('type', '...')}")
        else:
            fields.append(f"{key}={value}")
    text = f"{index}: {layer.type_name}" + (f" ({', '.join(fields)})" if fields else "")
    return names.comment_text(text + (", width num_classes" if classifier else ""))


def _size(value: L.Pair) -> int | tuple[int, int]:
    """A kernel, stride or padding as written by hand: one int when both sides agree."""
    h, w = L.pair(value)
    return h if h == w else (h, w)


def _act(name: str, inplace: bool) -> Call | None:
    """The activation module nasbox.ops.activation builds, as an expression (None for 'none')."""
    if name == "none":
        return None
    if name in ("relu", "relu6"):
        return Call(f"nn.{'ReLU' if name == 'relu' else 'ReLU6'}", kwargs=(("inplace", True),) if inplace else ())
    return Call({"prelu": "nn.PReLU", "tanh": "nn.Tanh", "sigmoid": "nn.Sigmoid"}[name])


def _options(*pairs: tuple[str, Value, Value]) -> tuple[tuple[str, Value], ...]:
    """Keyword arguments whose value differs from the default: (name, value, default) triples."""
    return tuple((name, value) for name, value, default in pairs if value != default)


def _identifier(name: str) -> str:
    if not names.is_identifier(name):
        raise ValueError(f"child name {name!r} is not an identifier")
    return name


class _Emitter:
    """Turns layers into constructor expressions, remembering which helpers and imports they use."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.imports: set[str] = set()

    def sequence(self, layers: tuple[L.Layer, ...], shape: L.Shape, path: str) -> Call:
        entries = []
        for i, layer in enumerate(layers):
            entries.append(self.layer(layer, shape, f"{path}[{i}]"))
            shape = layer.output_shape(shape, f"{path}[{i}]")
        return Call("nn.Sequential", tuple(entries))

    def layer(self, layer: L.Layer, shape: L.Shape, path: str, classes: Code | None = None) -> Value:
        """The expression building `layer` at input `shape`; `classes` replaces the width of its last op."""
        if isinstance(layer, L.Block):
            return self.layer(layer.expanded(shape, path), shape, path, classes)
        handler = getattr(self, f"_{type(layer).__name__.lower()}")
        return handler(layer, shape, path, classes)

    def _use(self, helper: str) -> str:
        self.used.add(helper)
        return helper

    def _conv(self, layer: L.Conv, shape: L.Shape, path: str, classes: Code | None) -> Call:
        cin = shape[0]
        norm = layer.norm == "batch"
        options = _options(
            ("stride", _size(layer.stride), 1), ("padding", _size(layer.resolved_padding(path)), 0),
            ("dilation", _size(layer.dilation), 1), ("groups", layer.resolved_groups(cin), 1),
            ("bias", layer.has_bias(), False), ("bn", norm, True),
            ("act", _act(layer.act, inplace=norm if layer.preact else True), None))
        helper = self._use("bn_act_conv" if layer.preact else "conv_bn_act")
        return Call(helper, (cin, classes or layer.out, _size(layer.kernel)), options)

    def _deconv(self, layer: L.Deconv, shape: L.Shape, path: str, classes: Code | None) -> Call:
        options = _options(
            ("stride", _size(layer.stride), 1), ("padding", _size(layer.padding), 0),
            ("output_padding", _size(layer.output_padding), 0), ("bias", layer.has_bias(), False),
            ("bn", layer.norm == "batch", True), ("act", _act(layer.act, inplace=True), None))
        return Call(self._use("deconv_bn_act"), (shape[0], classes or layer.out, _size(layer.kernel)), options)

    def _linear(self, layer: L.Linear, shape: L.Shape, path: str, classes: Code | None) -> Call:
        options = _options(("bias", layer.bias, True), ("act", _act(layer.act, inplace=True), None))
        return Call(self._use("linear_act"), (shape[0], classes or layer.out), options)

    def _batchnorm(self, layer: L.BatchNorm, shape: L.Shape, path: str, classes: Code | None) -> Call:
        return Call("nn.BatchNorm2d" if len(shape) == 3 else "nn.BatchNorm1d", (shape[0],))

    def _activation(self, layer: L.Activation, shape: L.Shape, path: str, classes: Code | None) -> Call:
        return _act(layer.fn, inplace=False) or Call("nn.Identity")

    def _pool(self, layer: L.Pool, shape: L.Shape, path: str, classes: Code | None) -> Call:
        kernel = _size(layer.kernel)
        options = _options(("stride", _size(layer.resolved_stride()), kernel), ("padding", _size(layer.padding), 0),
                           ("ceil_mode", layer.ceil_mode, False))
        if layer.mode == "max":
            return Call("nn.MaxPool2d", (kernel,), options)
        return Call("nn.AvgPool2d", (kernel,), options + _options(("count_include_pad", layer.count_include_pad,
                                                                   True)))

    def _globalpool(self, layer: L.GlobalPool, shape: L.Shape, path: str, classes: Code | None) -> Call:
        return Call(self._use("GlobalMaxPool" if layer.mode == "max" else "GlobalAvgPool"))

    def _adaptivepool(self, layer: L.AdaptivePool, shape: L.Shape, path: str, classes: Code | None) -> Call:
        return Call("nn.AdaptiveMaxPool2d" if layer.mode == "max" else "nn.AdaptiveAvgPool2d", (_size(layer.size),))

    def _flatten(self, layer: L.Flatten, shape: L.Shape, path: str, classes: Code | None) -> Call:
        return Call("nn.Flatten", (1,))

    def _lrn(self, layer: L.LRN, shape: L.Shape, path: str, classes: Code | None) -> Call:
        return Call("nn.LocalResponseNorm", (layer.size,), (("alpha", layer.alpha), ("beta", layer.beta),
                                                            ("k", layer.k)))

    def _dropout(self, layer: L.Dropout, shape: L.Shape, path: str, classes: Code | None) -> Call:
        return Call("nn.Dropout2d" if layer.channelwise else "nn.Dropout", (layer.p,))

    def _named(self, layer: L.Named, shape: L.Shape, path: str, classes: Code | None) -> Call:
        children = []
        last = len(layer.children) - 1
        for i, (name, child) in enumerate(layer.children):
            children.append((_identifier(name), self.layer(child, shape, f"{path}.{name}",
                                                           classes if i == last else None)))
            shape = child.output_shape(shape, f"{path}.{name}")
        self.imports.add("OrderedDict")
        return Call("nn.Sequential", (Call("OrderedDict", kwargs=tuple(children)),))

    def _inception(self, layer: L.Inception, shape: L.Shape, path: str, classes: Code | None) -> Call:
        branches = tuple(self.sequence(branch, shape, f"{path}.branches[{i}]")
                         for i, branch in enumerate(layer.branches))
        return Call(self._use("Concat"), branches)

    def _residual(self, layer: L.Residual, shape: L.Shape, path: str, classes: Code | None) -> Call:
        body = self.sequence(layer.body, shape, f"{path}.body")
        out = L.sequence_shape(layer.body, shape, f"{path}.body")
        projection = layer.projection(shape, out, path)
        if isinstance(layer.shortcut, tuple):
            shortcut = self.sequence(layer.shortcut_layers(shape, out, path), shape, f"{path}.shortcut")
        else:
            shortcut = self._conv(projection, shape, path, None) if projection is not None else None
        options = _options(("shortcut", shortcut, None), ("scale", float(layer.scale), 1.0),
                           ("post_act", _act(layer.post_act, inplace=True), None))
        return Call(self._use("Residual"), (body,), options)

    def _cell(self, layer: L.Cell, shape: L.Shape, path: str, classes: Code | None) -> Call:
        nodes = layer.node_shapes(shape, path)
        edges, comments = [], []
        for k, ((j, i), edge) in enumerate(zip(layer.wiring(), layer.edges, strict=True)):
            comments.append(f"edge {k}: node {j} <- node {i}")
            if edge == "zero":
                edges.append(Call(self._use("Zero")))
            elif edge == "identity":
                edges.append(Call("nn.Identity"))
            else:
                edges.append(self.layer(edge, nodes[i], f"{path}.edges[{k}]"))
        return Call(self._use("Cell"), tuple(edges), comments=tuple(comments))

    def _encoderdecoder(self, layer: L.EncoderDecoder, shape: L.Shape, path: str, classes: Code | None) -> Call:
        inner = layer.down.output_shape(shape, f"{path}.down")
        out = L.sequence_shape(layer.body, inner, f"{path}.body")
        return Call(self._use("EncoderDecoder"), (
            self._enet("EnetDown", layer.down, shape[0]),
            self.sequence(layer.body, inner, f"{path}.body"),
            self._enet("EnetUp", layer.up, out[0]),
        ))

    def _enet(self, helper: str, layer: L.EnetBottleneck, cin: int) -> Call:
        act = {"prelu": "nn.PReLU", "relu": "nn.ReLU", "relu6": "nn.ReLU6", "tanh": "nn.Tanh",
               "sigmoid": "nn.Sigmoid", "none": "nn.Identity"}[layer.act]
        return Call(self._use(helper), (cin, layer.out, layer.internal(cin), float(layer.dropout)),
                    _options(("act", Code(act), Code("nn.PReLU"))))

