"""How fast nasbox samples and costs candidates of a space, what fraction fits a budget, and how fast it draws
networks within a budget.

For `inception_resnet` (by default): the median time to draw one candidate from a seeded RNG, render its spec and
cost it analytically at the target shape (goal < 5 ms), the same through an Optuna trial (RandomSampler,
in-memory study: what a search pays per candidate), the fraction of uniform samples within the MAC budget, and
whether TPE learns the budget from the trial constraints (its feasible share with and without them).
The reference is screening the same candidates without an analytic model: building each on the meta device and
counting a forward pass with FlopCounterMode; the ratio is its median time over nasbox's.

Then, for every space at each budget of 300M, 600M and 1G MACs that it can meet, 100 networks within the budget
drawn by `sample_within` (uniform draws repaired toward cheaper genes; the goal is 100 in under 2 s, the reference
descent of `check_reachable` included) beside rejection sampling (`uniform=True`, at most `--rejection-draws`
draws): samples per second of each and their ratio (where rejection finds any), and the diversity of the repaired
samples: distinct networks among the 100, the mean share of their genes at the anchor's (the least-loaded
network's) values, and their median share of the budget. Everything on one core.

    python experiments/bench/sampling.py [--space inception_resnet] [--samples 2000] [--budget-macs 600M]
                                         [--reference 40] [--seed 0] [--rejection-draws 5000] [--table-only]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import optuna
import torch
from torch.utils.flop_counter import FlopCounterMode

import nasbox
from nasbox.errors import NasboxError
from nasbox.report import format_table
from nasbox.space import Space, load_space, space_names
from nasbox.space.budget import Budget, check_reachable, suggest_within
from nasbox.space.extremes import least_loaded
from nasbox.space.sampling import sample_within
from nasbox.units import format_count, parse_count


def rng_times(space: Space, samples: int, seed: int) -> tuple[list[float], list[int]]:
    """Seconds to sample + render + cost each candidate from a seeded RNG, and each one's MACs."""
    rng = random.Random(seed)
    times, macs = [], []
    for _ in range(samples):
        start = time.perf_counter()
        candidate = space.candidate(*space.sample(rng))
        times.append(time.perf_counter() - start)
        macs.append(candidate.cost.macs)
    return times, macs


def optuna_times(space: Space, samples: int, seed: int) -> list[float]:
    """Seconds per candidate through `study.ask()` and `Space.suggest` (define-by-run), then costing."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        trial = study.ask()
        candidate = space.candidate(*space.suggest(trial))
        study.tell(trial, float(candidate.cost.macs))
        times.append(time.perf_counter() - start)
    return times


def feasible_share(space: Space, budget: Budget, trials: int, seed: int, told: bool) -> float:
    """Share of feasible candidates among the last half of `trials` TPE trials that maximise MACs, with the budget
    `told` to the sampler as trial constraints or not: pushed towards large networks, an untold sampler leaves the
    budget behind, a told one learns where the feasible region ends."""
    feasible = []

    def objective(trial: optuna.Trial) -> float:
        if told:
            candidate, _, fits = suggest_within(space, trial, budget)
        else:
            candidate = space.candidate(*space.suggest(trial))
            fits = budget.admits(candidate.cost)
        feasible.append(fits)
        return float(candidate.cost.macs)

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=trials)
    return sum(feasible[trials // 2:]) / (trials - trials // 2)


def reference_times(space: Space, samples: int, seed: int) -> list[float]:
    """Seconds to sample, build on the meta device and count MACs with FlopCounterMode, checked against nasbox."""
    rng = random.Random(seed)
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        genes, spec = space.sample(rng)
        with torch.device("meta"):
            module = nasbox.build(spec).eval()
        with FlopCounterMode(display=False) as counter, torch.inference_mode():
            module(torch.empty(1, *spec.input, device="meta"))
        times.append(time.perf_counter() - start)
        if counter.get_total_flops() // 2 != nasbox.cost(spec).macs:
            raise SystemExit(f"MAC mismatch on {spec.name}: genes {genes}")
    return times


def feasible_rows(budgets: tuple[int, ...], count: int, rejection_draws: int, seed: int) -> list[tuple]:
    """One row per space and reachable budget: repaired and rejection sampling of `count` networks compared."""
    rows = []
    for name in space_names():
        space = load_space(name)
        for macs in budgets:
            budget = Budget(macs=macs)
            try:
                check_reachable(space, budget)
            except NasboxError:
                rows.append((name, format_count(macs), "unreachable", "", "", "", "", "", ""))
                continue
            start = time.perf_counter()
            repaired, _ = sample_within(space, random.Random(seed), budget, count)
            seconds = time.perf_counter() - start
            anchor = least_loaded(space, lambda c, b=budget: b.load(c.cost))
            at_anchor = statistics.mean(sum(c.genes.get(k) == v for k, v in anchor.genes.items()) / len(anchor.genes)
                                        for c in repaired)
            rate, uniform_rate, found = count / seconds, *rejection_rate(space, budget, count, rejection_draws, seed)
            rows.append((name, format_count(macs), f"{seconds:.2f}", f"{rate:.0f}",
                         f"{uniform_rate:.1f} ({found}/{count})" if found else f"0 in {rejection_draws} draws",
                         f"{rate / uniform_rate:.2g}x" if found else "-", len({c.spec.name for c in repaired}),
                         f"{at_anchor:.0%}", f"{statistics.median(c.cost.macs for c in repaired) / macs:.2f}"))
    return rows


def rejection_rate(space: Space, budget: Budget, count: int, draws: int, seed: int) -> tuple[float, int]:
    """Networks within `budget` per second by rejection sampling, and how many of `count` it found in `draws`."""
    rng, found = random.Random(seed), 0
    start = time.perf_counter()
    for _ in range(draws):
        found += budget.admits(space.candidate(*space.sample(rng)).cost)
        if found == count:
            break
    return found / (time.perf_counter() - start), found


def print_feasible_table(count: int, rejection_draws: int, seed: int) -> None:
    rows = feasible_rows((300 * 10**6, 600 * 10**6, 10**9), count, rejection_draws, seed)
    print(f"\n{count} networks within a MAC budget per space: repaired (default) vs. rejection sampling (--uniform)")
    print(format_table(("space", "budget", f"s/{count}", "repaired/s", "rejection/s (found)", "ratio", "distinct",
                        "genes at anchor", "median load"), rows, numeric=(False, True, True, True, True, True, True,
                                                                          True, True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--space", default="inception_resnet")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--budget-macs", default="600M")
    parser.add_argument("--reference", type=int, default=40, help="candidates screened the reference way")
    parser.add_argument("--trials", type=int, default=200, help="trials of the constrained-sampler comparison")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rejection-draws", type=int, default=5000, help="most draws of rejection sampling per row")
    parser.add_argument("--table-only", action="store_true", help="only the table of sampling within budgets")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.table_only:
        print_feasible_table(100, args.rejection_draws, args.seed)
        return
    space = load_space(args.space)
    budget = Budget(macs=parse_count(args.budget_macs, "--budget-macs"))

    times, macs = rng_times(space, args.samples, args.seed)
    trial_times = optuna_times(space, args.samples // 4, args.seed)
    reference = reference_times(space, args.reference, args.seed)
    ours, through_optuna, theirs = (statistics.median(t) * 1e3 for t in (times, trial_times, reference))
    fitting = sum(m <= budget.macs for m in macs) / len(macs)

    print(f"space {space.name}: {args.samples} uniform samples, one core, torch {torch.__version__}")
    print(f"  sample + render + cost, seeded RNG      median {ours:.2f} ms (p90 "
          f"{statistics.quantiles(times, n=10)[-1] * 1e3:.2f} ms; goal < 5 ms)")
    print(f"  the same through an Optuna trial        median {through_optuna:.2f} ms ({len(trial_times)} trials)")
    print(f"  reference: build on meta + FlopCounter  median {theirs:.1f} ms ({len(reference)} candidates, MACs "
          "equal)")
    print(f"  ratio reference / nasbox: {theirs / ours:.0f}x")
    told, untold = (feasible_share(space, budget, args.trials, args.seed, told) for told in (True, False))
    print(f"  TPE maximising MACs, feasible share of its last {args.trials - args.trials // 2} of {args.trials} "
          f"trials: {told:.0%} with the budget as constraints, {untold:.0%} without")
    print(f"  within {budget.describe()}: {fitting:.1%} of samples (MACs median {statistics.median(macs) / 1e6:.0f}M, "
          f"range {min(macs) / 1e6:.0f}M to {max(macs) / 1e9:.2f}G)")
    print_feasible_table(100, args.rejection_draws, args.seed)


if __name__ == "__main__":
    main()
