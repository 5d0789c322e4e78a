"""How fast nasbox samples and costs candidates of a space, and what fraction fits a budget.

For `inception_resnet` (by default): the median time to draw one candidate from a seeded RNG, render its spec and
cost it analytically at the target shape (goal < 5 ms), the same through an Optuna trial (RandomSampler,
in-memory study: what a search pays per candidate), the fraction of uniform samples within the MAC budget, and
whether TPE learns the budget from the trial constraints (its feasible share with and without them).
The reference is screening the same candidates without an analytic model: building each on the meta device and
counting a forward pass with FlopCounterMode; the ratio is its median time over nasbox's. Everything on one core.

    python experiments/bench/sampling.py [--space inception_resnet] [--samples 2000] [--budget-macs 600M]
                                         [--reference 40] [--seed 0]
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
from nasbox.space import Space, load_space
from nasbox.space.budget import Budget, suggest_within
from nasbox.units import parse_count


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
            candidate, fits = suggest_within(space, trial, budget)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--space", default="inception_resnet")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--budget-macs", default="600M")
    parser.add_argument("--reference", type=int, default=40, help="candidates screened the reference way")
    parser.add_argument("--trials", type=int, default=200, help="trials of the constrained-sampler comparison")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
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


if __name__ == "__main__":
    main()
