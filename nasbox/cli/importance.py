"""`nasbox importance RUN`: which genes, and which surveyed ideas, mattered for each objective of a search."""

from __future__ import annotations

import argparse
import json
import sys

from nasbox.objectives import OBJECTIVES
from nasbox.report import format_table


def add_parser(commands: argparse._SubParsersAction) -> None:
    from nasbox.search.importance import EVALUATORS

    parser = commands.add_parser(
        "importance", help="which genes and surveyed ideas of a search mattered for accuracy and for cost",
        description="Rank a run's genes by their importance for each objective (Optuna's PED-ANOVA or fANOVA, over "
                    "its feasible, finished, searched trials), add them up by the idea each encodes (the space "
                    "file's idea: keys), and say which values the best trials used.")
    parser.add_argument("run_dir", metavar="RUN", help="the run directory of a 'nasbox search'")
    parser.add_argument("--objective", choices=tuple(OBJECTIVES), action="append", dest="objectives",
                        help="an objective of the run (repeatable; default: all of them)")
    parser.add_argument("--evaluator", choices=tuple(EVALUATORS), default="ped-anova",
                        help="ped-anova (default: what the best 10%% of trials share) or fanova (variance shares "
                             "from a random forest)")
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="fANOVA's seed (default 0)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    from nasbox.report.importance import gene_table, heading, idea_table
    from nasbox.search.importance import run_importance

    report = run_importance(args.run_dir, args.objectives, evaluator=args.evaluator, seed=args.seed)
    if report.warning:
        sys.stderr.write(f"nasbox importance: warning: {report.warning}\n")
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
        return
    print(heading(report))
    for title, (headers, rows) in (("by idea", idea_table(report)), ("by gene", gene_table(report))):
        numeric = [h in report.objectives or h == "genes" for h in headers]
        print(f"\n{title}")
        print(format_table(headers, rows, numeric=numeric))
