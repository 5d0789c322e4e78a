"""`nasbox latency-table` and `nasbox latency-check`: a space's latency lookup table on this device, and how well
its predictions match end-to-end measurements."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

from nasbox.cost.latency import LatencyTable, build_table, check_table
from nasbox.cost.latency.measure import REPEATS
from nasbox.devices import check_threads, resolve_device
from nasbox.errors import NasboxError
from nasbox.space import load_space
from nasbox.space.cover import FIT_NETWORKS, SAMPLES, check_networks, table_cover
from nasbox.units import format_duration


def add_device_options(parser: argparse.ArgumentParser, *, default_threads: int | None = 1) -> None:
    """--device and --threads, as every latency-measuring command takes them."""
    parser.add_argument("--device", default="cpu", metavar="DEVICE", help="cpu, cuda or cuda:N (default cpu)")
    parser.add_argument("--threads", type=int, default=default_threads, metavar="N",
                        help=f"torch CPU threads while measuring (default {default_threads or 'the table'})")


def add_parser(commands: argparse._SubParsersAction) -> None:
    table = commands.add_parser(
        "latency-table", help="measure a space's latency lookup table on this device",
        description="Measure the latency of every entry (op with its configuration and input shape, "
                    "concatenation, residual join) that the networks of a space execute at its target shape, over "
                    "a cover of the space (the entries of N sampled networks and its zoo points), and fit the "
                    "per-network overhead on networks measured end to end. Writes a JSON table.")
    table.add_argument("--space", required=True, metavar="NAME_OR_FILE",
                       help="a space of 'nasbox spaces', or the path of a space YAML file")
    add_device_options(table)
    table.add_argument("--batch-size", type=int, default=1, metavar="B", help="batch size (default 1)")
    table.add_argument("--samples", type=int, default=SAMPLES, metavar="N",
                       help=f"networks whose entries form the cover (default {SAMPLES})")
    table.add_argument("--fit-networks", type=int, default=FIT_NETWORKS, metavar="N",
                       help=f"networks measured end to end to fit the overhead (default {FIT_NETWORKS})")
    table.add_argument("--seed", type=int, default=0, help="RNG seed of the cover (default 0)")
    table.add_argument("--channels-last", action="store_true", help="measure in channels-last memory format")
    table.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the table (JSON)")
    table.set_defaults(run=run_table)

    check = commands.add_parser(
        "latency-check", help="how well a latency table predicts networks measured end to end",
        description="Draw networks from a space (apart from the table's cover), measure each end to end on the "
                    "table's device and thread count, and print the share predicted within ±10%%, the mean "
                    "absolute percentage error and Kendall's tau between predicted and measured latency.")
    check.add_argument("--space", required=True, metavar="NAME_OR_FILE", help="the space the table was built for")
    check.add_argument("--table", required=True, metavar="FILE", help="a table from 'nasbox latency-table'")
    check.add_argument("-n", type=int, default=100, metavar="K", help="how many networks (default 100)")
    check.add_argument("--seed", type=int, default=0, help="RNG seed (default 0)")
    check.add_argument("--device", default=None, metavar="DEVICE", help="measure on this device (default: the table's)")
    check.add_argument("--threads", type=int, default=None, metavar="N",
                       help="torch CPU threads while measuring (default: the table's)")
    check.add_argument("--repeats", type=int, default=REPEATS, metavar="R",
                       help=f"timed runs per network (default {REPEATS})")
    check.add_argument("--json", action="store_true",
                       help="print JSON: within_10pct, mape, kendall_tau, n, and each network's figures")
    check.set_defaults(run=run_check)


def warn(command: str, message: str) -> None:
    sys.stderr.write(f"nasbox {command}: warning: {message}\n")


def progress_printer(command: str) -> Callable[[str, int, int], None] | None:
    """A progress callback that rewrites one stderr line, or None when stderr is not a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(stage: str, done: int, total: int) -> None:
        sys.stderr.write(f"\r{command}: {stage} {done}/{total}" + ("\n" if done == total else ""))
        sys.stderr.flush()

    return show


def run_table(args: argparse.Namespace) -> None:
    check_threads(args.threads)
    resolve_device(args.device)
    space = load_space(args.space)
    start = time.perf_counter()
    table = build_table(table_cover(space, args.samples, args.seed, args.fit_networks), device=args.device,
                        threads=args.threads, batch_size=args.batch_size, channels_last=args.channels_last,
                        progress=progress_printer("latency-table"))
    table.save(args.output)
    threads = f", {table.threads} thread(s)" if table.threads is not None else ""
    print(f"{args.output}: {len(table.entries)} entries of space {table.space!r} on {table.device} "
          f"({table.device_name}{threads}, torch {table.torch_version}), built in {time.perf_counter() - start:.0f} s")
    print(f"overhead {format_duration(table.overhead.intercept)} + {format_duration(table.overhead.per_entry)} per "
          f"entry; fitted on {table.fit['networks']} networks: mean error {table.fit['mape']:.1%}, "
          f"largest {table.fit['max_error']:.1%}")


def run_check(args: argparse.Namespace) -> None:
    if args.n < 2:
        raise NasboxError(f"-n: {args.n} is too few networks to judge a table; give -n 2 or more")
    check_threads(args.threads)
    table = LatencyTable.load(args.table)
    space = load_space(args.space)
    device = args.device or table.device
    threads = args.threads if args.threads is not None else table.threads
    resolve_device(device)
    for warning in table.compatibility_warnings(space=space.name, device=device, threads=threads):
        warn("latency-check", warning)
    result = check_table(table, check_networks(space, args.n, args.seed), device=device, threads=threads,
                         repeats=args.repeats, progress=progress_printer("latency-check"))
    if result.untrusted:
        warn("latency-check", f"{result.untrusted} of {result.n} measurements had a spread too wide to trust; "
                              "another process was probably using the device")
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
        return
    print(f"space {space.name!r}, {result.n} networks on {device}: predicted by {args.table} vs. measured")
    print(f"  within ±10%   {result.within_10pct:.1%}")
    print(f"  MAPE          {result.mape:.1%}")
    print(f"  Kendall tau   {result.kendall_tau:.3f}")
    if result.estimated:
        print(f"  {result.estimated} network(s) had entries missing from the table, estimated from their family")
