"""`nasbox profile`: per-layer shapes and costs of a zoo network or a spec file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from nasbox import zoo
from nasbox.arch import ArchSpec, load_spec
from nasbox.cost import cost, layer_costs
from nasbox.errors import NasboxError
from nasbox.report import format_count, format_table


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("profile", help="per-layer output shape, params and MACs of a network",
                                 description="Per-layer output shape, params and MACs of a zoo network or a "
                                             "YAML/JSON spec file, with totals.")
    parser.add_argument("network", metavar="NAME_OR_SPEC_FILE", help="a zoo name (see 'nasbox baselines') or a path")
    parser.add_argument("--input", type=str, default=None, metavar="CxHxW",
                        help="input shape, e.g. 3x224x224 (default: the spec's own)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--dump-spec", action="store_true", help="print the spec as YAML and stop")
    parser.set_defaults(run=run)


def parse_shape(text: str) -> tuple[int, int, int]:
    """Parse 'CxHxW' (e.g. 3x224x224) into positive integers."""
    parts = text.lower().split("x")
    if len(parts) != 3 or not all(p.isdigit() and int(p) > 0 for p in parts):
        raise NasboxError(f"--input: expected CxHxW with positive integers such as 3x224x224, got {text!r}")
    return int(parts[0]), int(parts[1]), int(parts[2])


def resolve_spec(name_or_path: str) -> ArchSpec:
    """A zoo network by name, or a spec read from a YAML/JSON file."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml", ".json") or path.exists():
        return load_spec(path)
    if name_or_path in zoo.names():
        return zoo.get(name_or_path)
    raise NasboxError(f"{name_or_path!r} is neither a zoo network nor a spec file; give a path to a .yaml/.json "
                      f"spec or one of {', '.join(zoo.names())}")


def run(args: argparse.Namespace) -> None:
    spec = resolve_spec(args.network)
    if args.dump_spec:
        print(spec.to_yaml(), end="")
        return
    shape = parse_shape(args.input) if args.input else spec.input
    if shape[0] != spec.input[0]:
        raise NasboxError(f"--input: {spec.name} takes {spec.input[0]} input channels, got {shape[0]}")
    total, rows = cost(spec, shape), layer_costs(spec, shape)
    if args.json:
        print(json.dumps({
            "name": spec.name, "input": list(shape),
            "layers": [{"index": r.index, "type": r.type, "output": list(r.output_shape), "params": r.params,
                        "macs": r.macs, "activations": r.activations} for r in rows],
            "total": {"params": total.params, "macs": total.macs, "activations": total.activations,
                      "peak_activations": total.peak_activations},
        }, indent=2))
        return
    table = [(r.index, r.type, "×".join(map(str, r.output_shape)), f"{r.params:,}", f"{r.macs:,}") for r in rows]
    table.append(("", "total", "", f"{total.params:,}", f"{total.macs:,}"))
    print(f"{spec.name} at {'×'.join(map(str, shape))}")
    print(format_table(("#", "layer", "output", "params", "MACs"), table, numeric=(True, False, False, True, True)))
    print(f"params {format_count(total.params)}, MACs {format_count(total.macs)}, activations "
          f"{format_count(total.activations)} elements (peak {format_count(total.peak_activations)})")
