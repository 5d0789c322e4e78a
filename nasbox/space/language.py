"""Reading a search-space file: YAML → checked gene declarations and a compiled template.

Whatever is wrong with the file's form is caught here, before any sampling, and reported as one line that names
the file, the line and the gene or field: unknown keys and primitives, empty choice lists, conditions on genes
not declared before them, gene values that do not fit the field they feed, conditional genes used where they may
not exist, switches that miss a case. (Whether the networks are valid is checked on rendered specs: see
`load_space`.)
"""

from __future__ import annotations

import dataclasses
import math
import re
import typing
from pathlib import Path
from typing import Any, NoReturn

from nasbox import zoo
from nasbox.arch.codec import Tagged, decode, decode_field, field_hints
from nasbox.arch.layers import PRIMITIVES, CellEdge, Layer
from nasbox.errors import NasboxError, SpecError
from nasbox.files import read_text
from nasbox.space.genes import Gene, Value, member
from nasbox.space.ideas import IDEAS
from nasbox.space.template import (
    Element,
    GeneDecl,
    LayerList,
    LayerNode,
    Lit,
    Literal,
    One,
    Product,
    Ref,
    Splice,
    Stage,
    StrideVar,
    Switch,
    TupleValue,
    ValueNode,
    When,
)
from nasbox.yaml_io import parse_yaml

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_GENE_KINDS = ("choices", "int", "float")
_GENE_KEYS = (*_GENE_KINDS, "step", "log", "when", "idea")
_TOP_KEYS = ("name", "description", "input", "num_classes", "contains", "width_multiplier", "width_divisor",
             "genes", "layers")
_STAGE_KEYS = ("stage", "depth", "stride", "genes", "block_genes", "first", "block")
MULTIPLIER = "width_multiplier"


class SpaceError(NasboxError):
    """A search-space file that cannot be used; the message starts with `file:line:`."""


def _line(data: Any, default: int) -> int:
    return getattr(data, "line", default)


def _key_line(data: Any, key: Any, default: int) -> int:
    return getattr(data, "key_lines", {}).get(key, _line(data, default))


class SpaceDefinition:
    """What a space file declares, compiled: see `nasbox.space.space.Space` for what is done with it."""

    def __init__(self, name: str, source: str, description: str, input_shape: tuple[int, int, int],
                 num_classes: int, contains: tuple[str, ...], multiplier: GeneDecl | None, divisor: int,
                 genes: tuple[GeneDecl, ...], layers: Element, stages: tuple[Stage, ...]) -> None:
        self.name, self.source, self.description = name, source, description
        self.input, self.num_classes, self.contains = input_shape, num_classes, contains
        self.multiplier, self.divisor = multiplier, divisor
        self.genes, self.layers, self.stages = genes, layers, stages


def read_space(path: Path) -> SpaceDefinition:
    """Read and compile the space file at `path`."""
    try:
        data = parse_yaml(read_text(path), str(path), located=True)
    except SpaceError:
        raise
    except NasboxError as exc:  # unreadable or malformed: still a space file that cannot be used
        raise SpaceError(str(exc)) from None
    return _Compiler(str(path)).space(data, path.stem)


class _Compiler:
    def __init__(self, source: str) -> None:
        self.source = source
        self.scopes: list[dict[str, GeneDecl]] = []
        self.by_full_name: dict[str, GeneDecl] = {}
        self.stage: str = ""
        self.stages: list[Stage] = []
        self.facts: list[tuple[GeneDecl, tuple[Value, ...]]] = []
        self.may_be_empty: dict[str, bool] = {}

    def fail(self, line: int, message: str) -> NoReturn:
        raise SpaceError(f"{self.source}:{line}: {message}")

    # ------------------------------------------------------------------------------------------- the file

    def space(self, data: Any, default_name: str) -> SpaceDefinition:
        if not isinstance(data, dict):
            self.fail(1, "a space file is a mapping with input, num_classes, genes and layers")
        self._known_keys(data, _TOP_KEYS, "a space", 1)
        for key in ("input", "num_classes", "layers"):
            if key not in data:
                self.fail(1, f"missing {key!r}; a space needs input, num_classes and layers")
        name = data.get("name", default_name)
        if not isinstance(name, str) or not _NAME.match(name):
            self.fail(_line(data, 1), f"name {name!r} must be a word (letters, digits, _)")
        input_shape = self._shape(data["input"], _line(data, 1))
        num_classes = self._positive_int(data["num_classes"], "num_classes", _line(data, 1))
        contains = self._contains(data.get("contains", []), _line(data, 1))
        self.scopes.append({})
        multiplier = None
        if MULTIPLIER in data:
            multiplier = self._gene(MULTIPLIER, data[MULTIPLIER], "global", _line(data, 1))
            values = multiplier.template.values()
            if values is None or any(v <= 0 for v in values):
                self.fail(multiplier.template.line, f"{MULTIPLIER} needs positive choices or a stepped range")
        divisor = self._positive_int(data.get("width_divisor", 8), "width_divisor", _line(data, 1))
        genes = self._genes(data.get("genes", {}), "global", _line(data, 1))
        layers = self._elements(data["layers"], "layers", _line(data, 1), top=True)
        return SpaceDefinition(name, self.source, str(data.get("description", "")).strip(), input_shape,
                               num_classes, contains, multiplier, divisor, genes, layers, tuple(self.stages))

    def _known_keys(self, data: dict, known: tuple[str, ...], what: str, line: int) -> None:
        for key in data:
            if key not in known:
                self.fail(_key_line(data, key, line), f"unknown key {key!r} in {what}; use {', '.join(known)}")

    def _shape(self, value: Any, line: int) -> tuple[int, int, int]:
        if (not isinstance(value, list) or len(value) != 3
                or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)):
            self.fail(_line(value, line), f"input must be [channels, height, width] positive integers, got {value!r}")
        return value[0], value[1], value[2]

    def _positive_int(self, value: Any, what: str, line: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.fail(line, f"{what} must be a positive integer, got {value!r}")
        return value

    def _contains(self, value: Any, line: int) -> tuple[str, ...]:
        if not isinstance(value, list):
            self.fail(line, "contains must be a list of zoo network names")
        for name in value:
            if name not in zoo.names():
                self.fail(_line(value, line), f"contains: unknown zoo network {name!r}; use one of "
                                              f"{', '.join(zoo.names())}")
        return tuple(value)

    # ------------------------------------------------------------------------------------------- genes

    def _genes(self, data: Any, scope: str, line: int) -> tuple[GeneDecl, ...]:
        if not isinstance(data, dict):
            self.fail(_line(data, line), "genes must be a mapping from gene name to its definition")
        return tuple(self._gene(name, spec, scope, _key_line(data, name, line)) for name, spec in data.items())

    def _gene(self, local: Any, data: Any, scope: str, line: int) -> GeneDecl:
        line = _line(data, line)
        if not isinstance(local, str) or not _NAME.match(local):
            self.fail(line, f"gene name {local!r} must be a word (letters, digits, _)")
        if local in ("stride", "product") or (scope != "global" and local == MULTIPLIER):
            self.fail(line, f"gene name {local!r} is reserved; choose another")
        label = f"gene {local!r}"
        if isinstance(data, list):
            data = {"choices": data}
        if not isinstance(data, dict):
            self.fail(line, f"{label} must be a list of choices or a mapping with choices, int or float; "
                            f"got {data!r}")
        kinds = [k for k in data if k in _GENE_KINDS]
        for key in data:
            if key not in _GENE_KEYS:
                if not kinds:
                    self.fail(line, f"{label} has unknown type {key!r}; use choices, int or float")
                self.fail(line, f"{label}: unknown key {key!r}; a gene takes {', '.join(_GENE_KEYS)}")
        if len(kinds) != 1:
            self.fail(line, f"{label} needs exactly one of choices, int or float")
        kind = kinds[0]
        template = dataclasses.replace(self._domain(label, kind, data, line), idea=self._idea(label, data, line))
        when = self._conditions(label, data.get("when", {}), line)
        decl = GeneDecl(local, scope, self.stage, template, when)
        self.scopes[-1][local] = decl
        if scope == "stage":
            self.by_full_name[decl.full_name(-1)] = decl
        return decl

    def _domain(self, label: str, kind: str, data: dict, line: int) -> Gene:
        step, log = data.get("step"), data.get("log", False)
        if not isinstance(log, bool):
            self.fail(line, f"{label}: log must be true or false")
        if kind == "choices":
            choices = data["choices"]
            if step is not None or log:
                self.fail(line, f"{label}: step and log apply to int and float ranges, not choices")
            if not isinstance(choices, list) or not choices:
                self.fail(line, f"{label}: empty choice list; list at least one value")
            for choice in choices:
                if not isinstance(choice, (bool, int, float, str)) or (
                        isinstance(choice, float) and not math.isfinite(choice)):
                    self.fail(line, f"{label}: choice {choice!r} is not a number, string or true/false")
            if len({(type(c), c) for c in choices}) != len(choices):
                self.fail(line, f"{label}: choices repeat a value; list each once")
            return Gene("", "choices", choices=tuple(choices), line=line)
        bounds = data[kind]
        number = int if kind == "int" else (int, float)
        if (not isinstance(bounds, list) or len(bounds) != 2
                or not all(isinstance(b, number) and not isinstance(b, bool) and math.isfinite(b) for b in bounds)):
            self.fail(line, f"{label}: {kind} must be [low, high] with {kind} bounds, got {bounds!r}")
        low, high = bounds
        if low > high:
            self.fail(line, f"{label}: low {low} is above high {high}; swap them")
        if step is not None and (not isinstance(step, number) or isinstance(step, bool) or step <= 0):
            self.fail(line, f"{label}: step must be a positive {kind}, got {step!r}")
        if log and (low <= 0 or step not in (None, 1) or (kind == "float" and step is not None)):
            self.fail(line, f"{label}: a log range needs low > 0 and no step (Optuna's rule)")
        return Gene("", kind, low=low, high=high, step=step if step != 1 or kind == "float" else None, log=log,
                    line=line)

    def _idea(self, label: str, data: dict, line: int) -> str | None:
        idea = data.get("idea")
        if idea is not None and idea not in IDEAS:
            self.fail(line, f"{label}: unknown idea {idea!r}; use one of {', '.join(IDEAS)}")
        return idea

    def _conditions(self, label: str, data: Any, line: int) -> tuple[tuple[GeneDecl, tuple[Value, ...]], ...]:
        if not isinstance(data, dict) or (not data and data != {}):
            self.fail(line, f"{label}: when must map gene names to a value or a list of values")
        out = []
        for name, values in data.items():
            decl = self._resolve(name, line, f"{label}: condition on {name!r}",
                                 "declare it before this gene or fix the name")
            values = tuple(values) if isinstance(values, list) else (values,)
            for value in values:
                if not decl.template.contains(value):
                    self.fail(line, f"{label}: condition value {value!r} is never taken by gene {name!r}")
            out.append((decl, values))
        return tuple(out)

    def _check_exists(self, decl: GeneDecl, line: int, what: str) -> None:
        """Refuse a use of a conditional gene where the enclosing 'when's and 'switch'es do not ensure it exists."""
        for needed, values in decl.when:
            if not any(known is needed and all(member(v, values) for v in known_values)
                       for known, known_values in self.facts):
                self.fail(line, f"{what}: gene {decl.local!r} exists only when {needed.local!r} is one of "
                                f"{list(values)}; use it under a 'when' or 'switch' that ensures this")
        if decl.scope == "stage" and decl.stage != self.stage and self.may_be_empty.get(decl.stage):
            self.fail(line, f"{what}: gene {decl.full_name(-1)!r} exists only when stage {decl.stage!r} has "
                            "blocks, and its depth can be 0; give that stage a depth of at least 1")

    def _resolve(self, name: Any, line: int, what: str, fix: str) -> GeneDecl:
        if isinstance(name, str):
            for scope in reversed(self.scopes):
                if name in scope:
                    return scope[name]
            if name in self.by_full_name:
                return self.by_full_name[name]
        self.fail(line, f"{what}, which is not a declared gene; {fix}")

    # ------------------------------------------------------------------------------------------- template

    def _elements(self, data: Any, context: str, line: int, top: bool = False) -> Element:
        if not isinstance(data, list):
            self.fail(_line(data, line), f"expected a list of {context}, got {data!r}")
        return Splice(tuple(self._element(item, context, _line(data, line), top) for item in data))

    def _element(self, data: Any, context: str, line: int, top: bool = False) -> Element:
        line = _line(data, line)
        if context == "edges" and not isinstance(data, dict):
            return self._bare_edge(data, line)
        if isinstance(data, list):
            if context == "branches":
                return One(LayerList(self._elements(data, "layers", line)))
            return self._elements(data, context, line, top)
        if not isinstance(data, dict):
            self.fail(line, f"expected a layer (a mapping with 'type'), got {data!r}")
        if "when" in data:
            return self._when(data, context, line, top)
        if "switch" in data:
            return self._switch(data, context, line, top)
        if context == "branches":
            self.fail(line, "a branch is a list of layers; wrap this one in [ ]")
        if context == "edges" and ("zoo" in data or "stage" in data):
            self.fail(line, "a cell's edge is one layer or block, zero or identity; not a zoo slice or a stage")
        if "zoo" in data:
            return self._zoo(data, line)
        if "stage" in data:
            if not top:
                self.fail(line, "stages belong in the top-level layer list")
            return self._stage(data, line)
        return One(self._layer(data, line))

    def _bare_edge(self, data: Any, line: int) -> Element:
        """A cell edge written as `zero` or `identity`."""
        if isinstance(data, list):
            self.fail(line, "a cell's edge is one layer or block, zero or identity, not a list; drop the [ ]")
        try:
            return One(Lit(decode(CellEdge, data, "edge")))
        except SpecError:
            self.fail(line, f"a cell's edge is a layer (a mapping with 'type'), zero or identity; got {data!r}")

    def _when(self, data: dict, context: str, line: int, top: bool) -> When:
        self._known_keys(data, ("when", "then", "else"), "a 'when'", line)
        if "then" not in data:
            self.fail(line, "a 'when' needs 'then' (and may have 'else')")
        conditions = self._conditions("'when'", data["when"], line)
        otherwise = self._element(data["else"], context, line, top) if "else" in data else None
        self.facts += conditions
        then = self._element(data["then"], context, line, top)
        del self.facts[len(self.facts) - len(conditions):]
        return When(conditions, then, otherwise)

    def _switch(self, data: dict, context: str, line: int, top: bool) -> Switch:
        self._known_keys(data, ("switch", "cases"), "a 'switch'", line)
        decl = self._resolve(data["switch"], line, f"switch on {data['switch']!r}", "fix the name")
        self._check_exists(decl, line, f"switch on {decl.local!r}")
        cases = data.get("cases")
        values = decl.template.values()
        if not isinstance(cases, dict) or values is None:
            self.fail(line, "a switch needs 'cases' and a gene with a finite list of values")
        compiled: dict[Any, Element] = {}
        for key, case in cases.items():
            if not decl.template.contains(key):
                self.fail(_line(cases, line), f"switch on {decl.local!r}: case {key!r} is never taken")
            self.facts.append((decl, (key,)))
            compiled[key] = self._element(case, context, _key_line(cases, key, line), top)
            self.facts.pop()
        for value in values:
            if not member(value, tuple(compiled)):
                self.fail(line, f"switch on {decl.local!r} has no case for {value!r}; add one")
        return Switch(decl, compiled)

    def _zoo(self, data: dict, line: int) -> Literal:
        self._known_keys(data, ("zoo", "layers"), "a zoo slice", line)
        name, text = data["zoo"], data.get("layers", ":")
        if name not in zoo.names():
            self.fail(line, f"unknown zoo network {name!r}; use one of {', '.join(zoo.names())}")
        match = re.fullmatch(r"\s*(-?\d+)?\s*:\s*(-?\d+)?\s*", str(text))
        if not match:
            self.fail(line, f"zoo layers {text!r} must be a slice such as '0:2' or '-2:'")
        start, stop = (int(g) if g is not None else None for g in match.groups())
        layers = zoo.get(name).layers[start:stop]
        if not layers:
            self.fail(line, f"zoo slice {name}[{text}] is empty")
        return Literal(layers)

    def _stage(self, data: dict, line: int) -> Stage:
        self._known_keys(data, _STAGE_KEYS, "a stage", line)
        name = data["stage"]
        if not isinstance(name, str) or not _NAME.match(name) or any(s.name == name for s in self.stages):
            self.fail(line, f"stage name {name!r} must be a word and unique")
        if "block" not in data or "depth" not in data:
            self.fail(line, f"stage {name!r} needs 'depth' and 'block'")
        stride = self._positive_int(data.get("stride", 1), f"stage {name!r}: stride", line)
        self.stage = name
        self.scopes.append({})
        depth: GeneDecl | int
        if isinstance(data["depth"], int) and not isinstance(data["depth"], bool) and data["depth"] >= 0:
            depth = data["depth"]
        else:
            depth = self._gene("depth", data["depth"], "stage", line)
            if depth.when:
                self.fail(depth.template.line, f"stage {name!r}: depth cannot have a 'when'; let it take 0 instead")
            values = depth.template.values()
            if values is None or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values):
                self.fail(depth.template.line, f"stage {name!r}: depth takes non-negative integers")
            self.may_be_empty[name] = 0 in values
        genes = self._genes(data.get("genes", {}), "stage", line)
        first = self._elements(data["first"], "layers", line) if "first" in data else None
        self.scopes.append({})
        block_genes = self._genes(data.get("block_genes", {}), "block", line)
        block = self._elements(data["block"], "layers", line)
        self.scopes.pop()
        self.scopes.pop()
        self.stage = ""
        stage = Stage(name, depth, stride, genes, block_genes, block, first)
        self.stages.append(stage)
        return stage

    def _layer(self, data: dict, line: int, cls: type | None = None) -> LayerNode:
        label = "layer"
        if cls is None:
            kind = data.get("type")
            if kind is None:
                self.fail(line, "a layer needs 'type' (or use zoo, stage, when or switch)")
            cls = PRIMITIVES.get(kind) if isinstance(kind, str) else None
            if cls is None:
                self.fail(line, f"unknown primitive {kind!r}; use one of {', '.join(sorted(PRIMITIVES))}")
            label = kind
        hints = field_hints(cls)
        fields: dict[str, ValueNode] = {}
        for key, value in data.items():
            if key == "type" and issubclass(cls, Tagged):
                continue
            if key not in hints:
                self.fail(line, f"{label}: unknown field {key!r}; it takes {', '.join(sorted(hints))}")
            fields[key] = self._value(value, cls, key, f"{label}.{key}", _key_line(data, key, line))
        for key, (_, f) in hints.items():
            if key not in data and f.default is f.default_factory:  # both MISSING: a required field
                self.fail(line, f"{label} needs {key!r}")
        return LayerNode(cls, fields)

    def _value(self, data: Any, cls: type, name: str, label: str, line: int) -> ValueNode:
        hint, f = field_hints(cls)[name]
        line = _line(data, line)
        width = bool(f.metadata.get("width"))
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin is tuple and args == (Layer, Ellipsis):
            return LayerList(self._elements(data, "layers", line))
        if origin is tuple and args == (CellEdge, Ellipsis):
            return LayerList(self._elements(data, "edges", line))
        if origin is tuple and len(args) == 2 and typing.get_origin(args[0]) is tuple:
            return LayerList(self._elements(data, "branches", line))
        if isinstance(hint, type) and not issubclass(hint, (int, float, str, bool)):
            if not isinstance(data, dict):
                self.fail(line, f"{label}: expected a mapping")
            return self._layer(data, line, hint)
        return self._scalar(data, hint, cls, name, label, line, width)

    def _scalar(self, data: Any, hint: Any, cls: type, name: str, label: str, line: int, width: bool) -> ValueNode:
        if isinstance(data, str) and data.startswith("$"):
            return self._ref(data, hint, cls, name, label, line, width)
        if isinstance(data, dict) and "product" in data:
            return self._product(data, cls, name, label, line, width)
        if isinstance(data, list) and _has_refs(data):
            element_hints = _tuple_hints(hint, len(data))
            if element_hints is None:
                self.fail(line, f"{label} does not take a list")
            return TupleValue(tuple(self._element_value(item, h, label, line, width, cls, name)
                                    for item, h in zip(data, element_hints, strict=True)))
        try:
            return Lit(decode_field(cls, name, data, label), width)
        except SpecError as exc:
            self.fail(line, str(exc))

    def _element_value(self, item: Any, hint: Any, label: str, line: int, width: bool, cls: type,
                       name: str) -> ValueNode:
        if isinstance(item, str) and item.startswith("$"):
            return self._ref(item, hint, cls, name, label, line, width)
        try:
            return Lit(decode(hint, item, label), width)
        except SpecError as exc:
            self.fail(line, str(exc))

    def _ref(self, text: str, hint: Any, cls: type, name: str, label: str, line: int, width: bool,
             check_min: bool = True) -> ValueNode:
        local = text[1:]
        if local == "stride":
            if not self.stage:
                self.fail(line, f"{label}: $stride is only defined inside a stage's block")
            return StrideVar()
        decl = self._resolve(local, line, f"{label}: {text} refers to {local!r}", "declare it under genes")
        self._check_exists(decl, line, f"{label}: {text}")
        gene = decl.template
        values = gene.values()
        probe = values if values is not None else (gene.low, gene.high)
        low = field_hints(cls)[name][1].metadata.get("min") if check_min else None
        lookup = {}
        for value in probe:
            try:
                decoded = decode(hint, value, label)
                if low is not None and isinstance(decoded, (int, float)) and decoded < low:
                    raise SpecError(label, f"must be at least {low}, got {decoded}")
            except SpecError as exc:
                self.fail(line, f"gene {decl.local!r} value {value!r} does not fit {label}: {exc.message}")
            lookup[value] = decoded
        convert = int if gene.kind == "int" else float
        return Ref(decl, text, f"{self.source}:{line}", lookup if values is not None else None, convert, width)

    def _product(self, data: dict, cls: type, name: str, label: str, line: int, width: bool) -> Product:
        self._known_keys(data, ("product", "divisor"), "a product", line)
        operands = data["product"]
        if not isinstance(operands, list) or not operands:
            self.fail(line, f"{label}: product takes a list of numbers and $genes")
        try:
            decode(field_hints(cls)[name][0], 1, label)
        except SpecError:
            self.fail(line, f"{label} is not an integer field; product makes integers")
        nodes: list[ValueNode] = []
        for operand in operands:
            if isinstance(operand, str) and operand.startswith("$"):
                nodes.append(self._ref(operand, float, cls, name, label, line, False, check_min=False))
            elif isinstance(operand, (int, float)) and not isinstance(operand, bool) and operand > 0:
                nodes.append(Lit(operand))
            else:
                self.fail(line, f"{label}: product operand {operand!r} is not a positive number or $gene")
        divisor = self._positive_int(data.get("divisor", 1), f"{label}: divisor", line)
        return Product(tuple(nodes), divisor, width)


def _has_refs(data: Any) -> bool:
    if isinstance(data, str):
        return data.startswith("$")
    if isinstance(data, list):
        return any(_has_refs(item) for item in data)
    return False


def _tuple_hints(hint: Any, length: int) -> tuple[Any, ...] | None:
    """The element types of the tuple form of `hint` (a Pair's `tuple[int, int]`, a `tuple[int, ...]`)."""
    options = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, type(int | str)) else (hint,)
    for option in options:
        if typing.get_origin(option) is tuple:
            args = typing.get_args(option)
            if len(args) == 2 and args[1] is Ellipsis:
                return (args[0],) * length
            if len(args) == length:
                return args
    return None
