"""`nasbox spaces`: the search spaces, their genes, size and cost range at the target shape."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from nasbox.cost import Cost
from nasbox.report import format_table
from nasbox.space import load_space, space_names
from nasbox.space.extremes import cheapest, dearest
from nasbox.space.genes import describe
from nasbox.units import format_count


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("spaces", help="the search spaces: genes, size, MAC range",
                                 description="Every search space of search_spaces/: how many genes it has, how "
                                             "many gene assignments, the smallest and largest MACs at its target "
                                             "shape, and which zoo networks are points of it.")
    parser.add_argument("--json", action="store_true", help="print a JSON list of objects")
    parser.set_defaults(run=run)


def space_rows() -> list[dict[str, Any]]:
    """One record per named space."""
    rows = []
    for name in space_names():
        space = load_space(name)
        low, high = cheapest(space), dearest(space)
        by_params = (cheapest(space, _params), dearest(space, _params))
        size = space.size()
        rows.append({
            "name": name,
            "description": space.description,
            "input": list(space.input),
            "num_classes": space.num_classes,
            "genes": space.gene_names(),
            "gene_domains": {name: describe(gene) + (
                " when " + ", ".join(f"{c.gene} in {list(c.values)}" for c in gene.when) if gene.when else "")
                for name, gene in space.genes_by_name().items()},
            "size": size if not math.isinf(size) else None,
            "min_macs": low.cost.macs,
            "max_macs": high.cost.macs,
            "min_params": by_params[0].cost.params,
            "max_params": by_params[1].cost.params,
            "contains": list(space.contains),
            "file": space.source,
        })
    return rows


def _params(cost: Cost) -> int:
    return cost.params


def _size(size: int | None) -> str:
    return "infinite" if size is None else f"{size:.2e}" if size >= 10**6 else str(size)


def run(args: argparse.Namespace) -> None:
    rows = space_rows()
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    table = [(r["name"], len(r["genes"]), _size(r["size"]), format_count(r["min_macs"]), format_count(r["max_macs"]),
              ", ".join(r["contains"]) or "-") for r in rows]
    print(format_table(("space", "genes", "size", "min MACs", "max MACs", "zoo points"), table,
                       numeric=(False, True, True, True, True, False)))
    print("MACs at each space's target shape (224×224, 1000 classes); size counts distinct gene assignments.")
