"""How stable a latency measurement is on this machine: the same networks measured again and again.

For a few zoo networks (by default the tiny `lenet5`, then `squeezenet1_1`, `mobilenet_v2` and `resnet18` at
3×224×224), `--rounds` measurements of `measure_latency` each (CPU, `--threads` threads, batch 1), taken
in turn so that a load that comes and goes touches every network alike. It prints, per network, the ratio of the
largest median to the smallest across rounds and the median spread (IQR / median) within a round: what a table's
or a check's ±10% can rely on here. (The tests only check what a measurement reports, never how stable it is.)

    python experiments/bench/latency_stability.py [--networks lenet5,squeezenet1_1,mobilenet_v2,resnet18]
                                                  [--rounds 5] [--repeats 20] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics

import torch

from nasbox import zoo
from nasbox.cost.latency import measure_latency
from nasbox.report import format_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--networks", default="lenet5,squeezenet1_1,mobilenet_v2,resnet18")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    specs = [zoo.get(name) for name in args.networks.split(",")]
    runs: dict[str, list] = {spec.name: [] for spec in specs}
    for _ in range(args.rounds):
        for spec in specs:
            runs[spec.name].append(measure_latency(spec, threads=args.threads, repeats=args.repeats))
    rows = []
    for name, measured in runs.items():
        medians = [m.median for m in measured]
        rows.append((name, f"{max(medians) / min(medians):.2f}", f"{statistics.median(m.spread for m in measured):.1%}",
                     sum(not m.trustworthy for m in measured)))
    print(f"torch {torch.__version__}, CPU, {args.threads} thread(s), batch 1: {args.rounds} rounds of "
          f"{args.repeats} timed runs per network")
    print(format_table(("network", "max/min median", "median IQR/median", "untrusted rounds"), rows,
                       numeric=(False, True, True, True)))


if __name__ == "__main__":
    main()
