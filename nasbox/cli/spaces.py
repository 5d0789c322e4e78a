"""`nasbox spaces`: the search spaces, their genes, size and cost range at the target shape."""

from __future__ import annotations

import argparse
import json

from nasbox.report import format_table
from nasbox.space import space_summaries
from nasbox.units import format_count


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("spaces", help="the search spaces: genes, size, MAC range",
                                 description="Every search space of search_spaces/: how many genes it has, how "
                                             "many gene assignments, the smallest and largest MACs at its target "
                                             "shape, and which zoo networks are points of it.")
    parser.add_argument("--json", action="store_true", help="print a JSON list of objects")
    parser.set_defaults(run=run)


def _size(size: int | None) -> str:
    return "infinite" if size is None else f"{size:.2e}" if size >= 10**6 else str(size)


def run(args: argparse.Namespace) -> None:
    summaries = space_summaries()
    if args.json:
        print(json.dumps([summary.to_dict() for summary in summaries], indent=2))
        return
    table = [(s.name, len(s.genes), _size(s.size), format_count(s.min_macs), format_count(s.max_macs),
              ", ".join(s.contains) or "-") for s in summaries]
    print(format_table(("space", "genes", "size", "min MACs", "max MACs", "zoo points"), table,
                       numeric=(False, True, True, True, True, False)))
    print("MACs at each space's target shape (224×224, 1000 classes); size counts distinct gene assignments.")
