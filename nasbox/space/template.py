"""The compiled template of a search space: nodes that render genes into spec layers, and match a spec back.

Every node does both jobs, so sampling and encoding cannot drift apart: `render` turns drawn genes into values,
`match` yields every binding of genes under which the node renders the given value. Element nodes stand in lists
(a layer list, or the branch list of an inception block) and render to zero or more items; value nodes render one
field value.

Widths are rendered unscaled; the space applies its width multiplier to the finished spec. When matching, `At.scale`
is that multiplier's rule, so a width in the template is compared with the spec's width after scaling.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from nasbox.arch.transform import rewrite_widths
from nasbox.errors import NasboxError
from nasbox.space.genes import Condition, Gene, GeneSource, Value, member

Bindings = dict[str, Any]
_MAX_COMBINATIONS = 200_000


@dataclass(frozen=True)
class At:
    """Where a walk or a match stands: the stage and block index (for scoped genes), the stride of the block,
    the width rule of the multiplier (None: widths are compared as they are), and, at the top level, which spec
    position is the classifier (never scaled)."""

    stage: str = ""
    block: int = -1
    stride: int = 1
    scale: Callable[[int], int] | None = None
    classifier: int | None = None

    def at_position(self, position: int) -> At:
        """The context for the top-level spec layer at `position`: the classifier is never scaled."""
        if self.classifier is None:
            return self
        return At(self.stage, self.block, self.stride, None if position == self.classifier else self.scale)


class GeneDecl:
    """A gene as declared in the space file: a local name in a scope ('global', 'stage' or 'block')."""

    def __init__(self, local: str, scope: str, stage: str, template: Gene,
                 when: tuple[tuple[GeneDecl, tuple[Value, ...]], ...]) -> None:
        self.local, self.scope, self.stage = local, scope, stage
        self.template = template
        self.when = when
        self._genes: dict[int, Gene] = {}

    def full_name(self, block: int) -> str:
        if self.scope == "global":
            return self.local
        if self.scope == "stage":
            return f"{self.stage}.{self.local}"
        return f"{self.stage}.{block}.{self.local}"

    def gene(self, block: int = -1) -> Gene:
        """The gene with full names, for block `block` of its stage when it is a per-block gene."""
        key = block if self.scope == "block" else -1
        gene = self._genes.get(key)
        if gene is None:
            when = tuple(Condition(decl.full_name(block), values) for decl, values in self.when)
            gene = dataclasses.replace(self.template, name=self.full_name(block), when=when)
            self._genes[key] = gene
        return gene


class Walk:
    """One rendering: the genes drawn so far (in draw order) and the source of new ones."""

    def __init__(self, source: GeneSource) -> None:
        self.source = source
        self.genes: Bindings = {}
        self.at = At()

    def draw(self, decls: tuple[GeneDecl, ...]) -> None:
        """Draw each declared gene whose conditions hold, in order (define-by-run)."""
        for decl in decls:
            gene = decl.gene(self.at.block)
            if gene.exists(self.genes):
                self.genes[gene.name] = self.source.draw(gene)


# ------------------------------------------------------------------------------------------------ value nodes


class ValueNode:
    """A field value: a literal, a gene, a stage variable, a product or a tuple of those."""

    width: bool = False

    def render(self, genes: Mapping[str, Any], at: At) -> Any:
        raise NotImplementedError

    def refs(self) -> Iterator[Ref]:
        return iter(())

    def match(self, value: Any, at: At, bound: Bindings) -> Iterator[Bindings]:
        """Every extension of `bound` under which this node renders `value`, by trying the unbound genes (up to
        `_MAX_COMBINATIONS` assignments; beyond that no match is reported)."""
        free = {ref.decl.full_name(at.block): ref.decl.gene(at.block) for ref in self.refs()}
        free = {name: gene for name, gene in free.items() if name not in bound}
        domains = []
        for gene in free.values():
            values = gene.values()
            if values is None:
                return
            domains.append(values)
        combos = 1
        for domain in domains:
            combos *= len(domain)
        if combos > _MAX_COMBINATIONS:
            return
        for combo in itertools.product(*domains):
            trial = {**bound, **dict(zip(free, combo, strict=True))}
            if self._scaled(self.render(trial, at), at) == value:
                yield trial

    def _scaled(self, value: Any, at: At) -> Any:
        if not self.width or at.scale is None:
            return value
        return tuple(map(at.scale, value)) if isinstance(value, tuple) else at.scale(value)


@dataclass
class Lit(ValueNode):
    value: Any
    width: bool = False

    def render(self, genes: Mapping[str, Any], at: At) -> Any:
        return self.value


@dataclass
class Ref(ValueNode):
    """`$name`: a gene's value, converted to the field's type (`lookup`, or `convert` for continuous genes)."""

    decl: GeneDecl
    text: str
    where: str
    lookup: dict[Any, Any] | None
    convert: Callable[[Any], Any]
    width: bool = False

    def render(self, genes: Mapping[str, Any], at: At) -> Any:
        name = self.decl.full_name(at.block)
        try:
            value = genes[name]
        except KeyError:
            conditions = ", ".join(f"{d.local} in {list(v)}" for d, v in self.decl.when)
            raise NasboxError(f"{self.where}: {self.text} is used where gene {name!r} does not exist "
                              f"(it needs {conditions}); move the reference under a matching 'when' or "
                              "'switch'") from None
        if self.lookup is not None:
            return self.lookup[value]
        return self.convert(value)

    def refs(self) -> Iterator[Ref]:
        yield self

    def match(self, value: Any, at: At, bound: Bindings) -> Iterator[Bindings]:
        name = self.decl.full_name(at.block)
        if name in bound or (self.width and at.scale is not None):
            yield from super().match(value, at, bound)
            return
        gene = self.decl.gene(at.block)
        for candidate in dict.fromkeys((value, int(value)) if isinstance(value, float) and value.is_integer()
                                       else (value,)):
            if gene.contains(candidate) and self.render({name: candidate}, at) == value:
                yield {**bound, name: candidate}
                return


@dataclass
class StrideVar(ValueNode):
    """`$stride`: the stage's stride for its first block, 1 for the others."""

    def render(self, genes: Mapping[str, Any], at: At) -> Any:
        return at.stride


@dataclass
class Product(ValueNode):
    """`{product: [a, b, ...], divisor: d}`: an integer width from genes (a base width times a ratio)."""

    operands: tuple[ValueNode, ...]
    divisor: int
    width: bool = False

    def render(self, genes: Mapping[str, Any], at: At) -> Any:
        total = 1.0
        for operand in self.operands:
            total *= operand.render(genes, at)
        return max(self.divisor, round(total / self.divisor) * self.divisor)

    def refs(self) -> Iterator[Ref]:
        for operand in self.operands:
            yield from operand.refs()


@dataclass
class TupleValue(ValueNode):
    """A list of values for a tuple field, such as a factorized kernel `[1, $k]`."""

    items: tuple[ValueNode, ...]

    def render(self, genes: Mapping[str, Any], at: At) -> Any:
        return tuple(item.render(genes, at) for item in self.items)

    def match(self, value: Any, at: At, bound: Bindings) -> Iterator[Bindings]:
        if not isinstance(value, tuple) or len(value) != len(self.items):
            return
        yield from _chain_values(self.items, value, at, bound)


def _chain_values(nodes: tuple[ValueNode, ...], values: tuple, at: At, bound: Bindings) -> Iterator[Bindings]:
    if not nodes:
        yield bound
        return
    for extended in nodes[0].match(values[0], at, bound):
        yield from _chain_values(nodes[1:], values[1:], at, extended)


@dataclass
class LayerNode(ValueNode):
    """A primitive (or a nested dataclass such as ENet's bottlenecks) whose fields are nodes."""

    cls: type
    fields: dict[str, ValueNode]

    def render(self, genes: Mapping[str, Any], at: At) -> Any:
        return self.cls(**{name: node.render(genes, at) for name, node in self.fields.items()})

    def _defaults(self) -> dict[str, Any]:
        """The fields the template leaves out, with the defaults they take."""
        if "_default_values" not in self.__dict__:
            self.__dict__["_default_values"] = {
                f.name: f.default for f in dataclasses.fields(self.cls)
                if f.init and f.name not in self.fields and f.default is not dataclasses.MISSING}
        return self.__dict__["_default_values"]

    def match(self, value: Any, at: At, bound: Bindings) -> Iterator[Bindings]:
        if type(value) is not self.cls or any(getattr(value, name) != default
                                              for name, default in self._defaults().items()):
            return
        names = tuple(self.fields)
        yield from _chain_values(tuple(self.fields.values()), tuple(getattr(value, n) for n in names), at, bound)


@dataclass
class LayerList(ValueNode):
    """A field holding a list of layers (a residual body) or of branches (an inception block)."""

    elements: Element

    def render(self, genes: Mapping[str, Any], at: At) -> Any:
        return tuple(self.elements.items(_FrozenWalk(genes, at)))

    def match(self, value: Any, at: At, bound: Bindings) -> Iterator[Bindings]:
        if not isinstance(value, tuple):
            return
        for extended, end in self.elements.match_items(value, 0, at, bound):
            if end == len(value):
                yield extended


class _FrozenWalk(Walk):
    """A walk over genes already drawn: nested lists render under it, and may not draw genes."""

    def __init__(self, genes: Mapping[str, Any], at: At) -> None:
        self.genes = genes  # type: ignore[assignment]
        self.at = at


# ---------------------------------------------------------------------------------------------- element nodes


class Element:
    """An entry of a list: renders to zero or more items and matches a run of items."""

    def items(self, walk: Walk) -> list[Any]:
        raise NotImplementedError

    def match_items(self, seq: tuple, pos: int, at: At, bound: Bindings) -> Iterator[tuple[Bindings, int]]:
        raise NotImplementedError


@dataclass
class One(Element):
    """Exactly one item: a layer in a layer list, or a branch in a branch list."""

    node: ValueNode

    def items(self, walk: Walk) -> list[Any]:
        return [self.node.render(walk.genes, walk.at)]

    def match_items(self, seq: tuple, pos: int, at: At, bound: Bindings) -> Iterator[tuple[Bindings, int]]:
        if pos < len(seq):
            for extended in self.node.match(seq[pos], at.at_position(pos), bound):
                yield extended, pos + 1


@dataclass
class Literal(Element):
    """Fixed layers, such as a stem or head taken from the zoo."""

    layers: tuple[Any, ...]

    def items(self, walk: Walk) -> list[Any]:
        return list(self.layers)

    def match_items(self, seq: tuple, pos: int, at: At, bound: Bindings) -> Iterator[tuple[Bindings, int]]:
        end = pos + len(self.layers)
        if end > len(seq):
            return
        for offset, layer in enumerate(self.layers):
            scale = at.at_position(pos + offset).scale
            if (rewrite_widths(layer, scale) if scale else layer) != seq[pos + offset]:
                return
        yield bound, end


@dataclass
class Splice(Element):
    """A list of elements, rendered one after the other."""

    elements: tuple[Element, ...]

    def items(self, walk: Walk) -> list[Any]:
        out: list[Any] = []
        for element in self.elements:
            out += element.items(walk)
        return out

    def match_items(self, seq: tuple, pos: int, at: At, bound: Bindings) -> Iterator[tuple[Bindings, int]]:
        yield from self._from(0, seq, pos, at, bound)

    def _from(self, index: int, seq: tuple, pos: int, at: At, bound: Bindings) -> Iterator[tuple[Bindings, int]]:
        if index == len(self.elements):
            yield bound, pos
            return
        for extended, end in self.elements[index].match_items(seq, pos, at, bound):
            yield from self._from(index + 1, seq, end, at, extended)


def _assignments(decls: tuple[GeneDecl, ...], at: At, bound: Bindings) -> Iterator[Bindings]:
    """`bound`, extended with every value of each of `decls` that it leaves unbound."""
    free = [decl.gene(at.block) for decl in decls if decl.full_name(at.block) not in bound]
    domains = [gene.values() or () for gene in free]
    for combo in itertools.product(*domains):
        yield {**bound, **{gene.name: value for gene, value in zip(free, combo, strict=True)}}


@dataclass
class When(Element):
    """`{when: {gene: values}, then: ..., else: ...}`: the `then` part when every condition holds."""

    conditions: tuple[tuple[GeneDecl, tuple[Value, ...]], ...]
    then: Element
    otherwise: Element | None

    def holds(self, genes: Mapping[str, Any], at: At) -> bool:
        return all(decl.full_name(at.block) in genes and member(genes[decl.full_name(at.block)], values)
                   for decl, values in self.conditions)

    def items(self, walk: Walk) -> list[Any]:
        if self.holds(walk.genes, walk.at):
            return self.then.items(walk)
        return self.otherwise.items(walk) if self.otherwise else []

    def match_items(self, seq: tuple, pos: int, at: At, bound: Bindings) -> Iterator[tuple[Bindings, int]]:
        decls = tuple(decl for decl, _ in self.conditions)
        for assigned in _assignments(decls, at, bound):
            if self.holds(assigned, at):
                yield from self.then.match_items(seq, pos, at, assigned)
            else:
                yield from self._otherwise(seq, pos, at, assigned)
        if any(decl.full_name(at.block) not in bound for decl in decls):
            yield from self._otherwise(seq, pos, at, bound)  # a condition on a gene that does not exist is false

    def _otherwise(self, seq: tuple, pos: int, at: At, bound: Bindings) -> Iterator[tuple[Bindings, int]]:
        if self.otherwise:
            yield from self.otherwise.match_items(seq, pos, at, bound)
        else:
            yield bound, pos


@dataclass
class Switch(Element):
    """`{switch: gene, cases: {value: ...}}`: the case of the gene's value."""

    decl: GeneDecl
    cases: dict[Any, Element]

    def _case(self, value: Any) -> Element:
        for key, element in self.cases.items():
            if member(value, (key,)):
                return element
        raise KeyError(value)

    def items(self, walk: Walk) -> list[Any]:
        return self._case(walk.genes[self.decl.full_name(walk.at.block)]).items(walk)

    def match_items(self, seq: tuple, pos: int, at: At, bound: Bindings) -> Iterator[tuple[Bindings, int]]:
        for assigned in _assignments((self.decl,), at, bound):
            yield from self._case(assigned[self.decl.full_name(at.block)]).match_items(seq, pos, at, assigned)


@dataclass
class Stage(Element):
    """A stage: an optional `first` part (a reduction), then `depth` repeats of a block. The stage's stride goes
    to `first`, or else to the first block. Its genes are drawn once the depth is known (none for an empty stage),
    the per-block ones once per block."""

    name: str
    depth: GeneDecl | int
    stride: int
    genes: tuple[GeneDecl, ...]
    block_genes: tuple[GeneDecl, ...]
    block: Element
    first: Element | None = None

    def _at(self, at: At, index: int) -> At:
        """Block `index`'s context; -1 is the `first` part, which takes the stride when there is one."""
        leading = index == -1 if self.first is not None else index == 0
        return At(self.name, index, self.stride if leading else 1, at.scale, at.classifier)

    def items(self, walk: Walk) -> list[Any]:
        outer = walk.at
        walk.at = At(self.name, -1, 1, outer.scale, outer.classifier)
        if isinstance(self.depth, GeneDecl):
            walk.draw((self.depth,))
            depth = walk.genes[self.depth.full_name(-1)]
        else:
            depth = self.depth
        if depth:
            walk.draw(self.genes)
        out: list[Any] = []
        if depth and self.first is not None:
            walk.at = self._at(outer, -1)
            out += self.first.items(walk)
        for index in range(depth):
            walk.at = self._at(outer, index)
            walk.draw(self.block_genes)
            out += self.block.items(walk)
        walk.at = outer
        return out

    def match_items(self, seq: tuple, pos: int, at: At, bound: Bindings) -> Iterator[tuple[Bindings, int]]:
        if isinstance(self.depth, GeneDecl):
            depths = [(assigned, assigned[self.depth.full_name(-1)])
                      for assigned in _assignments((self.depth,), at, bound)]
        else:
            depths = [(bound, self.depth)]
        for assigned, depth in depths:
            if depth and self.first is not None:
                for extended, end in self.first.match_items(seq, pos, self._at(at, -1), assigned):
                    yield from self._blocks(0, depth, seq, end, at, extended)
            else:
                yield from self._blocks(0, depth, seq, pos, at, assigned)

    def _blocks(self, index: int, depth: int, seq: tuple, pos: int, at: At,
                bound: Bindings) -> Iterator[tuple[Bindings, int]]:
        if index == depth:
            yield bound, pos
            return
        for extended, end in self.block.match_items(seq, pos, self._at(at, index), bound):
            yield from self._blocks(index + 1, depth, seq, end, at, extended)

    def decls(self) -> Iterator[GeneDecl]:
        """Every gene declaration of the stage, in draw order."""
        if isinstance(self.depth, GeneDecl):
            yield self.depth
        yield from self.genes
        yield from self.block_genes
