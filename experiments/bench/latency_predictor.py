"""How well a latency table predicts networks measured end to end, on this machine's CPU.

For `mobilenet` and `inception_resnet` (by default): build the space's table at its target shape (one thread,
batch 1, the default cover), or load one given with `--table SPACE=FILE`; draw 100 networks apart from the cover,
measure each end to end and predict it from the table. Printed per space: the share predicted within ±10%, the
mean absolute percentage error (MAPE) and Kendall's τ (goal: ≥ 95% and ≥ 0.9), the table's entries and build time.
The reference is a MACs-proportional predictor on the same networks, latency = c × MACs with c the median measured
seconds per MAC of those very networks (fitted on them, so in its favour); the ratio is its MAPE over the table's,
both as the table predicts and with the table's predictions given the same one-number rescaling (which removes a
change of the machine's speed between building and checking).
The machine's load average is printed too, and how well its timings agree with themselves (each network's first
pass against its later ones): other processes on a shared machine inflate and scatter timings, and no predictor
can agree with the measurements better than they agree with themselves.

    python experiments/bench/latency_predictor.py [--spaces mobilenet,inception_resnet] [-n 100] [--seed 0]
                                                  [--table mobilenet=table.json] [--save-tables DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import torch

from nasbox.cost.latency import CheckResult, LatencyTable, build_table, check_table, kendall_tau
from nasbox.cost.latency.check import WITHIN
from nasbox.cost.latency.measure import PASSES
from nasbox.space import load_space
from nasbox.space.cover import check_networks, table_cover


def proportional(result: CheckResult, basis: tuple[float, ...]) -> tuple[float, float, float, float]:
    """Within ±10%, MAPE and τ of latency = c × basis, with c the median measured / basis of the checked networks
    themselves (fitted on them), and c."""
    scale = statistics.median(m / b for m, b in zip(result.measured, basis, strict=True))
    errors = [scale * b / m - 1 for m, b in zip(result.measured, basis, strict=True)]
    return (sum(abs(e) <= WITHIN for e in errors) / len(errors), sum(abs(e) for e in errors) / len(errors),
            kendall_tau(basis, result.measured), scale)


def self_agreement(result: CheckResult, passes: int) -> float:
    """Share of networks whose first pass's median is within ±10% of the later passes' median: how well the
    machine's timings agree with themselves now, the ceiling of any predictor's within-±10% share."""
    agree = 0
    for run in result.measurements:
        first = len(run.samples) // passes
        agree += abs(statistics.median(run.samples[:first]) / statistics.median(run.samples[first:]) - 1) <= WITHIN
    return agree / result.n


def table_for(space: str, given: dict[str, str], save: Path | None) -> tuple[LatencyTable, float | None]:
    """The table of `space`, loaded or built (and then saved under `save`), and its build time in seconds."""
    if space in given:
        return LatencyTable.load(given[space]), None
    start = time.perf_counter()
    table = build_table(table_cover(load_space(space)))
    seconds = time.perf_counter() - start
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        table.save(save / f"{space}.json")
    return table, seconds


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spaces", default="mobilenet,inception_resnet")
    parser.add_argument("-n", type=int, default=100, help="networks checked per space")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--table", action="append", default=[], metavar="SPACE=FILE",
                        help="use this table instead of building one (repeatable)")
    parser.add_argument("--save-tables", type=Path, metavar="DIR", help="save the tables built here")
    args = parser.parse_args()
    given = dict(item.split("=", 1) for item in args.table)
    print(f"torch {torch.__version__}, CPU, 1 thread, batch 1; load average {load()}")
    for space in args.spaces.split(","):
        table, seconds = table_for(space, given, args.save_tables)
        built = f"built in {seconds:.0f} s" if seconds is not None else f"loaded, built {table.date}"
        print(f"{space}: table of {len(table.entries)} entries ({built}; cover {table.cover.get('samples')} "
              f"networks + zoo {table.cover.get('zoo')}; overhead fit on {table.fit.get('networks')} networks, "
              f"MAPE {table.fit.get('mape', float('nan')):.1%})")
        start = time.perf_counter()
        result = check_table(table, check_networks(load_space(space), args.n, args.seed))
        within, mape, tau, _ = proportional(result, result.macs)
        r_within, r_mape, _, rescale = proportional(result, result.predicted)
        print(f"  {result.n} networks checked in {time.perf_counter() - start:.0f} s (load average {load()}; "
              f"{result.untrusted} measurements with a spread > 10%, {result.estimated} with estimated entries)")
        print(f"  table:          within ±10% {result.within_10pct:6.1%}   MAPE {result.mape:6.1%}   "
              f"Kendall tau {result.kendall_tau:.3f}   median error {statistics.median(result.errors):+.1%}")
        print(f"  table rescaled: within ±10% {r_within:6.1%}   MAPE {r_mape:6.1%}   (× {rescale:.3f}, the median "
              "measured / predicted: the machine's speed now against when the table was built)")
        print(f"  MACs reference: within ±10% {within:6.1%}   MAPE {mape:6.1%}   Kendall tau {tau:.3f}")
        print(f"  ratio of MAPEs, reference / table: {mape / result.mape:.1f}x as is, {mape / r_mape:.1f}x rescaled "
              "like the reference")
        print(f"  the machine against itself (first pass vs. the others, same networks): within ±10% "
              f"{self_agreement(result, PASSES):.1%}")


if __name__ == "__main__":
    main()
