"""`nasbox profile`: per-layer shapes and costs of a zoo network or a spec file."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from nasbox.arch import ArchSpec
from nasbox.cost import cost, layer_costs
from nasbox.errors import NasboxError
from nasbox.report import format_count, format_table
from nasbox.zoo import load_network

LATENCY_REPEATS = 30


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("profile", help="per-layer output shape, params and MACs of a network",
                                 description="Per-layer output shape, params and MACs of a zoo network or a "
                                             "YAML/JSON spec file, with totals.")
    parser.add_argument("network", metavar="NAME_OR_SPEC_FILE", help="a zoo name (see 'nasbox baselines') or a path")
    parser.add_argument("--input", type=str, default=None, metavar="CxHxW",
                        help="input shape, e.g. 3x224x224 (default: the spec's own)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--dump-spec", action="store_true", help="print the spec as YAML and stop")
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
    total, rows = cost(spec, shape), layer_costs(spec, shape)
    latency = profile_latency(spec, shape, args) if args.latency or args.latency_table else None
    if args.json:
        report = {
            "name": spec.name, "input": list(shape),
            "layers": [{"index": r.index, "type": r.type, "output": list(r.output_shape), "params": r.params,
                        "macs": r.macs, "activations": r.activations} for r in rows],
            "total": {"params": total.params, "macs": total.macs, "activations": total.activations,
                      "peak_activations": total.peak_activations},
        }
        if latency is not None:
            report["latency"] = latency
        print(json.dumps(report, indent=2))
        return
    table = [(r.index, r.type, "×".join(map(str, r.output_shape)), f"{r.params:,}", f"{r.macs:,}") for r in rows]
    table.append(("", "total", "", f"{total.params:,}", f"{total.macs:,}"))
    print(f"{spec.name} at {'×'.join(map(str, shape))}")
    print(format_table(("#", "layer", "output", "params", "MACs"), table, numeric=(True, False, False, True, True)))
    print(f"params {format_count(total.params)}, MACs {format_count(total.macs)}, activations "
          f"{format_count(total.activations)} elements (peak {format_count(total.peak_activations)})")
    if latency is not None:
        print(describe_latency(latency))


def profile_latency(spec: ArchSpec, shape: tuple[int, int, int], args: argparse.Namespace) -> dict[str, Any]:
    """Measured (and, with a table, predicted) latency of `spec` at `shape`; warnings go to stderr."""
    from nasbox.cost.latency import LatencyTable, device_name, measure_latency, resolve_device
    from nasbox.cost.latency.device import check_threads

    check_threads(args.threads)
    device = resolve_device(args.device)
    table = LatencyTable.load(args.latency_table) if args.latency_table else None
    threads = args.threads if device.type == "cpu" else None
    warnings = table.compatibility_warnings(space=None, device=args.device, threads=threads,
                                            batch_size=args.batch_size) if table else []
    measured = measure_latency(spec, device=args.device, threads=args.threads, input_shape=shape,
                               batch_size=args.batch_size, repeats=LATENCY_REPEATS,
                               channels_last=args.channels_last, compile=args.compile)
    report: dict[str, Any] = {
        "device": str(device), "device_name": device_name(device), "threads": measured.threads,
        "batch_size": args.batch_size, "channels_last": args.channels_last, "compile": args.compile,
        "measured_ms": measured.median * 1e3, "iqr_ms": measured.iqr * 1e3, "repeats": measured.repeats,
        "trustworthy": measured.trustworthy, "summary": measured.describe()}
    if not measured.trustworthy:
        warnings.append(measured.warning())
    if table is not None:
        prediction = table.prediction(spec.replace(input=shape))
        report.update(predicted_ms=prediction.seconds * 1e3, table=args.latency_table,
                      estimated_entries=len(prediction.estimated))
        if prediction.note():
            warnings.append(prediction.note())
    for warning in warnings:
        sys.stderr.write(f"nasbox profile: warning: {warning}\n")
    return report


def describe_latency(latency: dict[str, Any]) -> str:
    from nasbox.cost.latency import format_duration

    threads = f", {latency['threads']} thread(s)" if latency["threads"] is not None else ""
    line = (f"latency on {latency['device']} ({latency['device_name']}{threads}), batch {latency['batch_size']}: "
            f"measured {latency['summary']}")
    if "predicted_ms" in latency:
        error = latency["predicted_ms"] / latency["measured_ms"] - 1
        line += f"; predicted {format_duration(latency['predicted_ms'] / 1e3)} by {latency['table']} ({error:+.1%})"
    return line
