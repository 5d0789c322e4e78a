"""`nasbox profile`: per-layer shapes and costs of a zoo network or a spec file."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from nasbox.arch.layers import disconnected_cells
from nasbox.cost import KindCosts, cost, kind_costs, layer_costs
from nasbox.cost.latency import profile_latency
from nasbox.errors import NasboxError
from nasbox.report import format_table
from nasbox.units import format_count
from nasbox.zoo import load_network

if TYPE_CHECKING:
    from nasbox.cost.latency import LatencyProfile


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("profile", help="per-layer output shape, params and MACs of a network",
                                 description="Per-layer output shape, params and MACs of a zoo network or a "
                                             "YAML/JSON spec file, with totals.")
    parser.add_argument("network", metavar="NAME_OR_SPEC_FILE", help="a zoo name (see 'nasbox baselines') or a path")
    parser.add_argument("--input", type=str, default=None, metavar="CxHxW",
                        help="input shape, e.g. 3x224x224 (default: the spec's own)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--dump-spec", action="store_true", help="print the spec as YAML and stop")
    parser.add_argument("--by-kind", action="store_true",
                        help="group MACs, params and activations by primitive kind (1×1, depthwise, k×k, grouped, "
                             "transposed convs, linear, batch norm, ...) with each kind's share, instead of by layer")
    parser.add_argument("--latency", action="store_true",
                        help="also measure the latency end to end (median and IQR of the timed runs)")
    parser.add_argument("--latency-table", metavar="FILE",
                        help="also predict the latency from this table of 'nasbox latency-table' (implies --latency)")
    parser.add_argument("--device", default="cpu", metavar="DEVICE", help="cpu, cuda or cuda:N (default cpu)")
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="torch CPU threads while measuring (default 1)")
    parser.add_argument("--batch-size", type=int, default=1, metavar="B", help="batch size while measuring (default 1)")
    parser.add_argument("--channels-last", action="store_true", help="measure in channels-last memory format")
    parser.add_argument("--compile", action="store_true", help="measure the network through torch.compile")
    parser.set_defaults(run=run)


def parse_shape(text: str) -> tuple[int, int, int]:
    """Parse 'CxHxW' (e.g. 3x224x224) into positive integers."""
    parts = text.lower().split("x")
    if len(parts) != 3 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise NasboxError(f"--input: expected CxHxW with positive integers such as 3x224x224, got {text!r}")
    return int(parts[0]), int(parts[1]), int(parts[2])


def run(args: argparse.Namespace) -> None:
    spec = load_network(args.network)
    if args.dump_spec:
        print(spec.to_yaml(), end="")
        return
    shape = parse_shape(args.input) if args.input else spec.input
    if shape[0] != spec.input[0]:
        raise NasboxError(f"--input: {spec.name} takes {spec.input[0]} input channels, got {shape[0]}")
    latency = None
    if args.latency or args.latency_table:
        latency = profile_latency(spec, input_shape=shape, device=args.device, threads=args.threads,
                                  batch_size=args.batch_size, channels_last=args.channels_last,
                                  compile=args.compile, table=args.latency_table)
        for warning in latency.warnings:
            sys.stderr.write(f"nasbox profile: warning: {warning}\n")
    disconnected = disconnected_cells(spec.layers)
    if disconnected and not args.json:
        shown = ", ".join(disconnected[:3]) + (f" and {len(disconnected) - 3} more" if len(disconnected) > 3 else "")
        print(f"note: disconnected cell{'s' * (len(disconnected) > 1)} at {shown}: the output cannot be reached from "
              "the input (every path has a zero edge), so what follows sees a constant and the network scores "
              "chance; valid, as in NAS-Bench-201")
    if args.by_kind:
        print_by_kind(spec.name, shape, kind_costs(spec, shape), latency, as_json=args.json)
        return
    total, rows = cost(spec, shape), layer_costs(spec, shape)
    if args.json:
        report = {
            "name": spec.name, "input": list(shape),
            "layers": [{"index": r.index, "type": r.type, "output": list(r.output_shape), "params": r.params,
                        "macs": r.macs, "activations": r.activations} for r in rows],
            "total": {"params": total.params, "macs": total.macs, "activations": total.activations,
                      "peak_activations": total.peak_activations},
            "disconnected_cells": disconnected,
        }
        if latency is not None:
            report["latency"] = latency.to_dict()
        print(json.dumps(report, indent=2))
        return
    table = [(r.index, r.type, "×".join(map(str, r.output_shape)), f"{r.params:,}", f"{r.macs:,}") for r in rows]
    table.append(("", "total", "", f"{total.params:,}", f"{total.macs:,}"))
    print(f"{spec.name} at {'×'.join(map(str, shape))}")
    print(format_table(("#", "layer", "output", "params", "MACs"), table, numeric=(True, False, False, True, True)))
    print(f"params {format_count(total.params)}, MACs {format_count(total.macs)}, activations "
          f"{format_count(total.activations)} elements (peak {format_count(total.peak_activations)})")
    if latency is not None:
        print(latency.describe())


def print_by_kind(name: str, shape: tuple[int, ...], kinds: KindCosts, latency: LatencyProfile | None, *,
                  as_json: bool) -> None:
    """The by-kind table (or JSON): each kind's MACs, params and activations with their shares."""
    if as_json:
        report = {"name": name, "input": list(shape), **kinds.to_dict()}
        if latency is not None:
            report["latency"] = latency.to_dict()
        print(json.dumps(report, indent=2))
        return

    def share(value: float | None) -> str:
        return "–" if value is None else f"{value:.2%}"

    table = [(k.label, f"{k.macs:,}", share(k.macs_share), f"{k.params:,}", share(k.params_share),
              f"{k.activations:,}", share(k.activations_share)) for k in kinds.kinds]
    table.append(("total", f"{kinds.macs:,}", "100.00%", f"{kinds.params:,}", "", f"{kinds.activations:,}", "100.00%"))
    print(f"{name} at {'×'.join(map(str, shape))}, by primitive kind")
    print(format_table(("kind", "MACs", "share", "params", "of weights", "activations", "share"), table,
                       numeric=(False, *[True] * 6)))
    print(f"params shares are of the {kinds.weights:,} conv and linear weights; batch norm and biases are counted "
          "in the total only")
    if latency is not None:
        print(latency.describe())
