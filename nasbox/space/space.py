"""A search space: genes in, ArchSpec out, and back.

`Space.walk` is the one way a space turns gene values into a spec; sampling from a seeded RNG, suggesting through
an Optuna trial and rendering a fixed gene dict differ only in their `GeneSource`. `Space.encode` inverts it, so
a zoo network that is a point of the space can be enqueued into a study as genes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import random
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nasbox.arch.spec import ArchSpec
from nasbox.arch.transform import classifier_index, scale_widths, width_scaler
from nasbox.cost import Cost, cost
from nasbox.errors import NasboxError, SpecError
from nasbox.space.genes import FixedSource, Gene, GeneSource, RandomSource, TrialSource
from nasbox.space.language import MULTIPLIER, SpaceDefinition, read_space
from nasbox.space.template import At, GeneDecl, Stage, Walk


@dataclass(frozen=True)
class Candidate:
    """A point of a space: its genes, the spec they give and that spec's cost at the target shape."""

    genes: dict[str, Any]
    spec: ArchSpec
    cost: Cost


class Space:
    """A search space read from a YAML file (see `search_spaces/README.md` for the language)."""

    def __init__(self, definition: SpaceDefinition) -> None:
        self._d = definition
        self.name = definition.name
        self.source = definition.source
        self.description = definition.description
        self.input = definition.input
        self.num_classes = definition.num_classes
        self.contains = definition.contains
        self._global_decls: tuple[GeneDecl, ...] = (
            (definition.multiplier,) if definition.multiplier else ()) + definition.genes

    def __repr__(self) -> str:
        return f"Space({self.name!r}, {self.source!r})"

    # ------------------------------------------------------------------------------------- genes → spec

    def walk(self, source: GeneSource) -> tuple[dict[str, Any], ArchSpec]:
        """Draw genes from `source` in define-by-run order and render the spec they describe."""
        walk = Walk(source)
        walk.draw(self._global_decls)
        layers = tuple(self._d.layers.items(walk))
        genes = dict(walk.genes)
        spec = ArchSpec(name=f"{self.name}-{genes_digest(genes)}", input=self.input,
                        num_classes=self.num_classes, layers=layers)
        multiplier = genes.get(MULTIPLIER)
        if multiplier is not None and multiplier != 1:
            spec = scale_widths(spec, multiplier, self._d.divisor)
        return genes, spec

    def render(self, genes: Mapping[str, Any]) -> ArchSpec:
        """The spec of a complete gene dict; a missing, unknown or out-of-range gene is an error."""
        source = FixedSource(genes)
        _, spec = self.walk(source)
        source.check_all_used(self.name)
        return spec

    def sample(self, rng: random.Random) -> tuple[dict[str, Any], ArchSpec]:
        """Genes drawn uniformly from a seeded RNG, and their spec."""
        return self.walk(RandomSource(rng))

    def suggest(self, trial: Any) -> tuple[dict[str, Any], ArchSpec]:
        """Genes suggested by an Optuna trial (works with every sampler: conditional genes are define-by-run)."""
        return self.walk(TrialSource(trial))

    def candidate(self, genes: dict[str, Any], spec: ArchSpec) -> Candidate:
        """Cost a rendered spec at the target shape; an invalid spec is a fault of the space file."""
        try:
            return Candidate(genes, spec, cost(spec))
        except SpecError as exc:
            raise NasboxError(f"{self.source}: genes {json.dumps(genes)} give an invalid network: {exc}; "
                              "narrow the genes that allow it") from None

    # ------------------------------------------------------------------------------------- spec → genes

    def encode(self, spec: ArchSpec) -> dict[str, Any]:
        """Genes that render `spec` (its name aside), or an error when it is not a point of the space."""
        if tuple(spec.input) != self.input or spec.num_classes != self.num_classes:
            raise NasboxError(f"{spec.name} takes {spec.input} → {spec.num_classes} classes but space {self.name!r} "
                              f"is for {self.input} → {self.num_classes}; it cannot be a point of it")
        for bound, at in self._multiplier_starts(spec):
            for genes, end in self._d.layers.match_items(spec.layers, 0, at, bound):
                if end != len(spec.layers):
                    continue
                full, rendered = self.walk(FixedSource(genes, fallback="lowest"))
                if rendered.layers == spec.layers:
                    return full
        raise NasboxError(f"{spec.name} is not a point of space {self.name!r}: no genes render its layers")

    def _multiplier_starts(self, spec: ArchSpec) -> Iterator[tuple[dict[str, Any], At]]:
        classifier = classifier_index(spec.layers)
        if self._d.multiplier is None:
            yield {}, At(classifier=classifier)
            return
        values = sorted(self._d.multiplier.gene().values() or (), key=lambda m: abs(m - 1))
        for multiplier in values:
            scale = None if multiplier == 1 else width_scaler(multiplier, self._d.divisor)
            yield {MULTIPLIER: multiplier}, At(scale=scale, classifier=classifier)

    # ------------------------------------------------------------------------------------- description

    def gene_names(self) -> list[str]:
        """Every gene the space can draw, in draw order (per-block genes for the deepest stage)."""
        return list(self.genes_by_name())

    def genes_by_name(self) -> dict[str, Gene]:
        """Every gene the space can draw, by full name, in draw order."""
        genes = {decl.full_name(-1): decl.gene() for decl in self._global_decls}
        for stage in self._d.stages:
            for decl in ((stage.depth,) if isinstance(stage.depth, GeneDecl) else ()) + stage.genes:
                genes[decl.full_name(-1)] = decl.gene()
            for block in range(_max_depth(stage)):
                genes.update({decl.full_name(block): decl.gene(block) for decl in stage.block_genes})
        return genes

    def size(self) -> int | float:
        """How many distinct gene assignments the space holds (infinite with a continuous float gene).

        Genes that others are conditioned on are enumerated, the rest multiply. Stages are counted one after the
        other, remembering the count of the remaining stages for each assignment of the genes they can see."""
        decls = list(self._global_decls)
        for stage in self._d.stages:
            decls += list(stage.decls())
        conditioning = {cond.full_name(0) for decl in decls for cond, _ in decl.when}
        seen_later = {cond.full_name(0) for decl in decls for cond, _ in decl.when
                      if cond.scope == "global" or cond.stage != decl.stage}

        @functools.cache
        def from_stage(index: int, key: tuple) -> int | float:
            if index == len(self._d.stages):
                return 1
            return _stage_size(self._d.stages[index], dict(key), conditioning,
                               lambda a: from_stage(index + 1, _key(a, seen_later)))

        return _count(self._global_decls, {}, -1, conditioning, lambda a: from_stage(0, _key(a, seen_later)))


def _max_depth(stage: Stage) -> int:
    if isinstance(stage.depth, int):
        return stage.depth
    return max(stage.depth.gene().values() or (0,))


def _key(assign: dict[str, Any], names: set[str]) -> tuple:
    return tuple(sorted((n, assign[n]) for n in names if n in assign))


def _count(decls: tuple[GeneDecl, ...], assign: dict[str, Any], block: int, conditioning: set[str],
           then: Callable[[dict[str, Any]], int | float]) -> int | float:
    """Assignments of `decls` (given `assign`), each continued by `then`; conditioning genes are enumerated."""
    if not decls:
        return then(assign)
    decl, rest = decls[0], decls[1:]
    gene = decl.gene(block)
    if not gene.exists(assign):
        return _count(rest, assign, block, conditioning, then)
    if decl.full_name(0) in conditioning:
        values = gene.values()
        if values is None:
            return math.inf
        return sum(_count(rest, {**assign, gene.name: v}, block, conditioning, then) for v in values)
    return gene.size() * _count(rest, assign, block, conditioning, then)


def _stage_size(stage: Stage, assign: dict[str, Any], conditioning: set[str],
                then: Callable[[dict[str, Any]], int | float]) -> int | float:
    if isinstance(stage.depth, GeneDecl):
        gene = stage.depth.gene()
        depths = [({**assign, gene.name: d}, d) for d in gene.values() or ()]
    else:
        depths = [(assign, stage.depth)]
    total: int | float = 0
    for assigned, depth in depths:
        if depth == 0:
            total += then(assigned)
            continue
        total += _count(stage.genes, assigned, -1, conditioning, lambda a, d=depth: _count(
            stage.block_genes, a, 0, conditioning, lambda _: 1) ** d * then(a))
    return total


def genes_digest(genes: Mapping[str, Any]) -> str:
    """A short stable name for a gene dict (sampled specs are named `<space>-<digest>`)."""
    return hashlib.sha1(json.dumps(genes, sort_keys=True).encode()).hexdigest()[:10]


# ----------------------------------------------------------------------------------------------- finding spaces


def space_dirs() -> list[Path]:
    """Where named spaces live: the source tree's `search_spaces/`, then the installed copy."""
    return [Path(__file__).resolve().parents[2] / "search_spaces",
            Path(sys.prefix) / "share" / "nasbox" / "search_spaces"]


def space_names() -> list[str]:
    names: dict[str, None] = {}
    for directory in space_dirs():
        if directory.is_dir():
            names.update(dict.fromkeys(sorted(p.stem for p in directory.glob("*.yaml"))))
    return list(names)


def load_space(name_or_path: str | Path) -> Space:
    """A space by name (a file of `search_spaces/`) or by path to a YAML file."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return _load(str(path.resolve()))
    for directory in space_dirs():
        candidate = directory / f"{name_or_path}.yaml"
        if candidate.is_file():
            return _load(str(candidate))
    raise NasboxError(f"unknown space {str(name_or_path)!r}; use one of {', '.join(space_names())} "
                      "or the path of a space YAML file")


@functools.lru_cache(maxsize=32)
def _load_cached(path: str, mtime: float) -> Space:
    space = Space(read_space(Path(path)))
    for end in ("lowest", "highest"):  # cheap, and catches most genes that can never give a valid network
        space.candidate(*space.walk(FixedSource({}, fallback=end)))
    return space


def _load(path: str) -> Space:
    try:
        mtime = Path(path).stat().st_mtime
    except OSError:
        mtime = 0.0
    return _load_cached(path, mtime)
