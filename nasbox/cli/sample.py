"""`nasbox sample`: draw networks from a search space, within budgets, with their costs."""

from __future__ import annotations

import argparse
import json
import random

from nasbox.errors import NasboxError
from nasbox.nb201.space import ARCH_FIELD, arch_fields
from nasbox.report import format_table
from nasbox.space import load_space
from nasbox.space.budget import Budget
from nasbox.space.sampling import REDRAWS, sample_within
from nasbox.units import format_count, parse_count


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("sample", help="draw networks from a search space, within budgets",
                                 description="Draw K networks from a search space within the budgets (costed "
                                             "analytically at the target shape, nothing built): each a uniform "
                                             "draw, repaired toward cheaper genes when over budget (or, with "
                                             "--uniform, drawn again). Print their costs or, with --json, their "
                                             "specs.")
    parser.add_argument("--space", required=True, metavar="NAME_OR_FILE",
                        help="a space of 'nasbox spaces', or the path of a space YAML file")
    parser.add_argument("-n", type=int, default=10, metavar="K", help="how many networks (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="RNG seed (default 0)")
    parser.add_argument("--budget-macs", metavar="COUNT", help="most MACs at the target shape, e.g. 600M")
    parser.add_argument("--budget-params", metavar="COUNT", help="most parameters, e.g. 5M")
    parser.add_argument("--uniform", action="store_true",
                        help="keep only the uniform draws within the budgets (rejection sampling: uniform over the "
                             "feasible networks, but it may find none under a tight budget)")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON list of {spec, params, macs, genes}; spec is what nasbox.load_spec reads")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    if args.n < 1:
        raise NasboxError(f"-n: {args.n} is not a positive count of networks; give -n 1 or more")
    budget = Budget(
        macs=parse_count(args.budget_macs, "--budget-macs") if args.budget_macs is not None else None,
        params=parse_count(args.budget_params, "--budget-params") if args.budget_params is not None else None)
    space = load_space(args.space)
    candidates, draws = sample_within(space, random.Random(args.seed), budget, args.n, uniform=args.uniform)
    if args.json:
        print(json.dumps([{"spec": c.spec.to_dict(), "params": c.cost.params, "macs": c.cost.macs,
                           "genes": c.genes, **arch_fields(c.genes)} for c in candidates], indent=2))
        return
    archs = [arch_fields(c.genes).get(ARCH_FIELD) for c in candidates]
    named = any(archs)  # NAS-Bench-201's cells are named by their arch strings
    table = [(i, c.spec.name, format_count(c.cost.macs), format_count(c.cost.params), len(c.genes),
              *([arch] if named else [])) for i, (c, arch) in enumerate(zip(candidates, archs, strict=True))]
    print(format_table(("#", "spec", "MACs", "params", "genes", *(["nb201 arch"] if named else [])), table,
                       numeric=(True, False, True, True, True)))
    if budget.limits() and args.uniform:
        print(f"{len(candidates)} of {draws} draws met {budget.describe()} ({len(candidates) / draws:.0%}).")
    elif budget.limits():
        print(f"{len(candidates)} networks within {budget.describe()} from {draws} uniform draws: each the first of "
              f"{REDRAWS} that fits, or else the closest repaired toward cheaper genes (--uniform keeps only the "
              "draws that fit).")
