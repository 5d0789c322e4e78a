"""`nasbox baselines`: every zoo network's analytic cost beside its reference figures, published or computed."""

from __future__ import annotations

import argparse
import json
import sys

from nasbox import zoo
from nasbox.report import format_table
from nasbox.units import format_count, format_duration

REFERENCE_MEANING = ("published = the source's own figures (its paper, or its reference implementation counted);\n"
                     "           computed = nasbox's count of the variant it defines, where the source gives none "
                     "exactly\n           (a guard against regressions, not an independent check)")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("baselines", help="cost of every zoo network vs. its reference figures",
                                 description="Analytic params, MACs and activations of every zoo network at its "
                                             "standard input, beside its reference figures: published by its "
                                             "source, or computed by nasbox where the source gives none exactly.")
    parser.add_argument("--json", action="store_true", help="print a JSON list of objects")
    parser.add_argument("--latency", action="store_true",
                        help="also measure each network's latency at batch 1 (JSON key latency_ms)")
    parser.add_argument("--device", default="cpu", metavar="DEVICE", help="cpu, cuda or cuda:N (default cpu)")
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="torch CPU threads while measuring (default 1)")
    parser.add_argument("--only", metavar="NAMES", help="comma-separated zoo networks (default: all)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    networks = zoo.parse_names(args.only, "--only") if args.only is not None else None
    rows = [figures.to_dict() for figures in zoo.reference_figures(networks)]
    if args.latency:
        latencies = zoo.measure_zoo_latency(networks, device=args.device, threads=args.threads)
        for row in rows:
            measured = latencies[row["name"]]
            row.update(latency_ms=measured.median * 1e3, latency_iqr_ms=measured.iqr * 1e3)
            if not measured.trustworthy:
                sys.stderr.write(f"nasbox baselines: warning: {row['name']}: {measured.warning()}\n")
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    latency = ("latency",) if args.latency else ()
    headers = ("name", "input", "params", "MACs", *latency, "activations", "ref. params", "ref. MACs", "reference",
               "Δparams", "ΔMACs")
    table = [(r["name"], "×".join(map(str, r["input"])), format_count(r["params"]), format_count(r["macs"]),
              *((format_duration(r["latency_ms"] / 1e3),) if args.latency else ()),
              format_count(r["activations"]), format_count(r["reference_params"]), format_count(r["reference_macs"]),
              r["reference"], f"{r['params_deviation']:+.2%}", f"{r['macs_deviation']:+.2%}")
             for r in rows]
    numeric = (False, False, True, True, *(True for _ in latency), True, True, True, False, True, True)
    print(format_table(headers, table, numeric=numeric))
    print("\nreference: " + REFERENCE_MEANING)
    if args.latency:
        threads = f", {args.threads} thread(s)" if args.device == "cpu" else ""
        print(f"\nlatency: median of timed runs at batch 1 on {args.device}{threads}")
    notes = [f"{r['name']}" + (f" (within ±{r['tolerance']:.2%})" if r["tolerance"] else "") + f": {r['note']}"
             for r in rows if r["note"]]
    if notes:
        print("\nnotes:\n" + "\n".join(notes))
