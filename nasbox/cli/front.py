"""`nasbox front RUN`: the Pareto front a search wrote, beside the baselines, as a table or JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from nasbox.report import format_table
from nasbox.search.front import read_front
from nasbox.search.results import DID_NOT_LEARN
from nasbox.space.budget import describe_limit
from nasbox.units import format_count, format_duration

ACCURACY_HEADERS = ("val acc.", "test acc.")


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("front", help="the Pareto front of a search's run directory",
                                 description="Print the non-dominated networks found so far (searched trials and "
                                             "baselines within the budgets), the baselines' own figures, and "
                                             "the re-scored front of every 'nasbox rescore' of the run.")
    parser.add_argument("run_dir", metavar="RUN", help="the run directory of a 'nasbox search'")
    parser.add_argument("--json", action="store_true", help="print front.json")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    if args.json:
        print(json.dumps(read_front(Path(args.run_dir)), indent=2))
        return
    from nasbox.cli.rescore import print_rescore
    from nasbox.rescore.run import read_rescores

    print_front(Path(args.run_dir))
    for saved in read_rescores(args.run_dir):
        print_rescore(saved)


def print_front(run_dir: Path) -> None:
    """The front table, then the baselines table, then the hypervolumes."""
    data = read_front(run_dir)
    budget = data.get("budget", {})
    print(f"\nPareto front of {data['space']} ({', '.join(data['objectives'])}"
          + (f"; budget {', '.join(describe_limit(k, v) for k, v in budget.items())})" if budget else ")"))
    timed = any(p.get("latency") is not None for p in [*data["front"], *data.get("baselines", [])])
    rows = [(_who(p), *_accuracies(p), format_count(p["macs"]), format_count(p["params"]), *_latency(p, timed))
            for p in data["front"]]
    headers = ("network", *ACCURACY_HEADERS, "MACs", "params", *(("latency",) if timed else ()))
    print(format_table(headers, rows, numeric=(False, *[True] * (len(headers) - 1)))
          if rows else "(no finished trial yet)")
    baselines = data.get("baselines", [])
    if baselines:
        print("\nbaselines (trained with the same proxy)")
        table = [(_who(b), *(_accuracies(b) if b["standing"] != DID_NOT_LEARN else ("–", "–")),
                  format_count(b["macs"]), format_count(b["params"]),
                  *_latency(b, timed), b["standing"])
                 for b in baselines]
        headers = ("baseline", *ACCURACY_HEADERS, "MACs", "params", *(("latency",) if timed else ()), "standing")
        print(format_table(headers, table, numeric=(False, *[True] * (len(headers) - 2), False)))
    trials = data.get("trials", {})
    print("\nval acc. selected each network (the best of many: optimistic);\n"
          "test acc. is on held-out images that no network trained or was selected on")
    excluded = data.get("baselines_hypervolume_excludes") or []
    left_out = f", leaving out {', '.join(excluded)}: did not learn" if excluded else ""
    print(f"hypervolume {data['hypervolume']:.4f} (baselines alone {data['baselines_hypervolume']:.4f}{left_out}); "
          f"{trials.get('finished', 0)} searched trials finished, {trials.get('failed', 0)} failed, "
          f"{trials.get('infeasible', 0)} over budget and never trained"
          + (f", {trials['pruned']} of those finished stopped early" if trials.get("pruned") else ""))


def _accuracies(point: dict) -> tuple[str, str]:
    test = point.get("test_accuracy")
    return f"{point['val_accuracy']:.4f}", f"{test:.4f}" if test is not None else "–"


def _latency(point: dict, timed: bool) -> tuple[str, ...]:
    if not timed:
        return ()
    return (format_duration(point["latency"]) if point.get("latency") is not None else "",)


def _who(point: dict) -> str:
    if point["baseline"] and point["trial"] is not None:
        return f"{point['baseline']} (trial {point['trial']})"
    cell = f" {point['nb201_arch']}" if point.get("nb201_arch") else ""  # NAS-Bench-201's name for the cell
    return point["baseline"] or f"trial {point['trial']}{cell}"
