"""What a search space holds, in figures: its genes and their domains, its size, and its cost range.

The cost range is found by coordinate descent (`extremes`), so it is reachable by networks of the space; the size
counts distinct gene assignments (None when a float gene makes it infinite).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from nasbox.cost import Cost
from nasbox.space.extremes import cheapest, dearest
from nasbox.space.genes import Gene, describe
from nasbox.space.space import Space, load_space, space_names


@dataclass(frozen=True)
class SpaceSummary:
    """A space's genes, size, smallest and largest MACs and params at its target shape, and its zoo points."""

    name: str
    description: str
    input: tuple[int, ...]
    num_classes: int
    genes: tuple[str, ...]
    gene_domains: dict[str, str]
    size: int | None
    min_macs: int
    max_macs: int
    min_params: int
    max_params: int
    contains: tuple[str, ...]
    file: str

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain data (what `nasbox spaces --json` prints per space)."""
        data = asdict(self)
        return {key: list(value) if isinstance(value, tuple) else value for key, value in data.items()}


def describe_space(space: Space | str | Path) -> SpaceSummary:
    """The summary of `space` (a Space, or a space name or file as `load_space` takes)."""
    space = space if isinstance(space, Space) else load_space(space)
    size = space.size()
    return SpaceSummary(
        name=space.name,
        description=space.description,
        input=tuple(space.input),
        num_classes=space.num_classes,
        genes=tuple(space.gene_names()),
        gene_domains={name: _domain(gene) for name, gene in space.genes_by_name().items()},
        size=None if math.isinf(size) else int(size),
        min_macs=cheapest(space).cost.macs,
        max_macs=dearest(space).cost.macs,
        min_params=cheapest(space, _params).cost.params,
        max_params=dearest(space, _params).cost.params,
        contains=tuple(space.contains),
        file=space.source,
    )


def space_summaries() -> list[SpaceSummary]:
    """The summary of every named space (`space_names`), in name order."""
    return [describe_space(name) for name in space_names()]


def _domain(gene: Gene) -> str:
    conditions = ", ".join(f"{c.gene} in {list(c.values)}" for c in gene.when)
    return describe(gene) + (f" when {conditions}" if conditions else "")


def _params(cost: Cost) -> int:
    return cost.params
