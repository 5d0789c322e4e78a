"""`nasbox baselines`: every zoo network's analytic cost beside its reference figures, published or computed."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from nasbox import zoo
from nasbox.cost import cost
from nasbox.cost.latency import format_duration
from nasbox.errors import NasboxError
from nasbox.report import format_count, format_table

REFERENCE_MEANING = ("published = the source's own figures (its paper, or its reference implementation counted);\n"
                     "           computed = nasbox's count of the variant it defines, where the source gives none "
                     "exactly\n           (a guard against regressions, not an independent check)")
LATENCY_WARMUP = 2
LATENCY_TIME = 2.0  # seconds of timed runs per network at most (at least 5 runs)


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


def selected_names(only: str | None) -> list[str]:
    """The zoo networks named in `only` (comma-separated), or all of them."""
    if only is None:
        return zoo.names()
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in zoo.names()]
    if unknown or not names:
        raise NasboxError(f"--only: {', '.join(unknown) or repr(only)} is not a zoo network; use names from "
                          f"{', '.join(zoo.names())}")
    return names


def baseline_rows(names: list[str] | None = None) -> list[dict[str, Any]]:
    """One record per zoo network: its analytic and reference figures, and how it may deviate."""
    rows = []
    for name in names or zoo.names():
        entry, spec = zoo.entry(name), zoo.get(name)
        figures = cost(spec)
        rows.append({
            "name": name,
            "input": list(spec.input),
            "params": figures.params,
            "macs": figures.macs,
            "activations": figures.activations,
            "peak_activations": figures.peak_activations,
            "reference_params": entry.reference_params,
            "reference_macs": entry.reference_macs,
            "reference": entry.reference,
            "params_deviation": figures.params / entry.reference_params - 1,
            "macs_deviation": figures.macs / entry.reference_macs - 1,
            "tolerance": entry.tolerance,
            "source": entry.source,
            "variant": entry.variant,
            "note": entry.note,
        })
    return rows


def add_latencies(rows: list[dict[str, Any]], device: str, threads: int) -> None:
    """Measure each row's network end to end and add `latency_ms` (and `latency_iqr_ms`); warnings to stderr."""
    from nasbox.cost.latency import measure_latency, resolve_device
    from nasbox.cost.latency.device import check_threads

    check_threads(threads)
    resolve_device(device)
    for row in rows:
        measured = measure_latency(zoo.get(row["name"]), device=device, threads=threads, warmup=LATENCY_WARMUP,
                                   max_time=LATENCY_TIME)
        row["latency_ms"] = measured.median * 1e3
        row["latency_iqr_ms"] = measured.iqr * 1e3
        if not measured.trustworthy:
            sys.stderr.write(f"nasbox baselines: warning: {row['name']}: {measured.warning()}\n")


def run(args: argparse.Namespace) -> None:
    rows = baseline_rows(selected_names(args.only))
    if args.latency:
        add_latencies(rows, args.device, args.threads)
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
