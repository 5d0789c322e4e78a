"""`nasbox baselines`: every zoo network's analytic cost beside its published figures."""

from __future__ import annotations

import argparse
import json
from typing import Any

from nasbox import zoo
from nasbox.cost import cost
from nasbox.report import format_count, format_table


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("baselines", help="cost of every zoo network vs. its published figures",
                                 description="Analytic params, MACs and activations of every zoo network at its "
                                             "standard input, beside the published figures.")
    parser.add_argument("--json", action="store_true", help="print a JSON list of objects")
    parser.set_defaults(run=run)


def baseline_rows() -> list[dict[str, Any]]:
    """One record per zoo network: its measured and published figures, and how it may deviate."""
    rows = []
    for name in zoo.names():
        entry, spec = zoo.entry(name), zoo.get(name)
        figures = cost(spec)
        rows.append({
            "name": name,
            "input": list(spec.input),
            "params": figures.params,
            "macs": figures.macs,
            "activations": figures.activations,
            "peak_activations": figures.peak_activations,
            "published_params": entry.published_params,
            "published_macs": entry.published_macs,
            "params_deviation": figures.params / entry.published_params - 1,
            "macs_deviation": figures.macs / entry.published_macs - 1,
            "source": entry.source,
            "variant": entry.variant,
            "note": entry.note,
        })
    return rows


def run(args: argparse.Namespace) -> None:
    rows = baseline_rows()
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    headers = ("name", "input", "params", "MACs", "activations", "pub. params", "pub. MACs", "Δparams", "ΔMACs")
    table = [(r["name"], "×".join(map(str, r["input"])), format_count(r["params"]), format_count(r["macs"]),
              format_count(r["activations"]), format_count(r["published_params"]),
              format_count(r["published_macs"]), f"{r['params_deviation']:+.2%}", f"{r['macs_deviation']:+.2%}")
             for r in rows]
    print(format_table(headers, table, numeric=(False, False, *[True] * 7)))
    notes = [f"{r['name']}: {r['note']}" for r in rows if r["note"]]
    if notes:
        print("\nnotes:\n" + "\n".join(notes))
