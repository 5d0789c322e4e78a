"""Does the search beat chance? TPE, NSGA-II and random search (`run_search --sampler tpe|nsga2|random`) on the
same space, budget and cheap proxy, with the same trial count N and several seeds each; random search runs to 2N.

Prints each sampler's mean, sd and per-seed values of the front's hypervolume at N trials (and random search's at
2N), how many random trials reach TPE's mean hypervolume at N (goal: TPE at N ≥ random at 2N), and whether TPE's
lead over each is beyond seed noise (Welch's t-test over the seeds). The hypervolume is the search's own
(accuracy between chance and 1, MACs over the budget; see the README's "Hypervolume"), of the searched trials only
(no baselines), on validation accuracy, as the sampler sees it.

    python experiments/bench/samplers.py [--trials 30] [--seeds 3] [--space inception_resnet] [--budget-macs 600M]
        [--epochs 1] [--width-mult 0.25] [--subset N] [--jobs 1] [--threads 1] [--dir runs/bench-samplers]

Measured (see the README's "Does the search beat chance?"): 30 trials, 3 seeds, 83 minutes on the shared 2-vCPU VM.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from scipy import stats

from nasbox.search import make_config, run_search
from nasbox.search.front import Point, Reference, hypervolume, pareto_front, read_front

OBJECTIVES = ("accuracy", "macs")


def prefix_hypervolumes(run_dir: Path, points: list[Point]) -> list[tuple[int, float]]:
    """(trial number + 1, hypervolume of the searched points up to that trial) for each scored trial, in order."""
    reference = Reference.from_dict(read_front(run_dir)["reference"])
    searched = sorted((p for p in points if p.trial is not None), key=lambda p: p.trial)
    return [(p.trial + 1, hypervolume(pareto_front(searched[:i + 1], OBJECTIVES), OBJECTIVES, reference))
            for i, p in enumerate(searched)]


def at(curve: list[tuple[int, float]], trials: int) -> float:
    """The hypervolume after `trials` trials."""
    return max((hv for n, hv in curve if n <= trials), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30, help="N: trials of each search (random runs to 2N)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--space", default="inception_resnet")
    parser.add_argument("--budget-macs", default="600M")
    parser.add_argument("--epochs", default="1", help="the cheap proxy's epochs")
    parser.add_argument("--width-mult", default="0.25", help="the cheap proxy's width multiplier")
    parser.add_argument("--subset", help="images of the built-in data the proxy uses (default all)")
    parser.add_argument("--jobs", default="1")
    parser.add_argument("--threads", default="1")
    parser.add_argument("--dir", default="runs/bench-samplers", help="folder of the runs (they resume)")
    args = parser.parse_args()
    curves: dict[str, list[list[tuple[int, float]]]] = {}
    for sampler in ("tpe", "nsga2", "random"):
        trials = args.trials * (2 if sampler == "random" else 1)
        for seed in range(args.seeds):
            run_dir = Path(args.dir) / f"{sampler}-seed{seed}"
            settings = {"space": args.space, "budget_macs": args.budget_macs, "sampler": sampler, "trials": trials,
                        "seed": seed, "epochs": args.epochs, "width_mult": args.width_mult, "subset": args.subset,
                        "baselines": "none", "jobs": args.jobs, "threads": args.threads, "run_dir": str(run_dir)}
            config = make_config({k: v for k, v in settings.items() if v is not None})
            outcome = run_search(config, progress=False)
            curves.setdefault(sampler, []).append(prefix_hypervolumes(run_dir, outcome.snapshot.points))
            print(f"{sampler} seed {seed}: hypervolume {at(curves[sampler][-1], args.trials):.4f} at "
                  f"{args.trials} trials ({outcome.seconds / 60:.1f} min)", flush=True)
    print(f"\n{args.space} within {args.budget_macs} MACs, proxy {args.epochs} epoch(s) at width {args.width_mult} "
          f"on {args.subset or 'all'} images, {args.seeds} seeds; hypervolume at N = {args.trials} trials:")
    values = {sampler: [at(curve, args.trials) for curve in runs] for sampler, runs in curves.items()}
    values["random at 2N"] = [at(curve, 2 * args.trials) for curve in curves["random"]]
    for name, seeds in values.items():
        spread = statistics.stdev(seeds) if len(seeds) > 1 else 0.0
        print(f"  {name:12s} mean {statistics.fmean(seeds):.4f}  sd {spread:.4f}  per seed "
              f"{', '.join(f'{v:.4f}' for v in seeds)}")
    tpe = statistics.fmean(values["tpe"])
    reach = [next((n for n, hv in curve if hv >= tpe), None) for curve in curves["random"]]
    words = ", ".join(str(n) if n is not None else f"not within {2 * args.trials}" for n in reach)
    print(f"random trials to reach TPE's mean hypervolume at N ({tpe:.4f}), per seed: {words}")
    for other in ("random at 2N", "random", "nsga2") if args.seeds > 1 else ():
        test = stats.ttest_ind(values["tpe"], values[other], equal_var=False)
        print(f"TPE at N {'≥' if tpe >= statistics.fmean(values[other]) else '<'} {other} by "
              f"{tpe - statistics.fmean(values[other]):+.4f} (Welch's t-test over seeds, p = {test.pvalue:.3f}"
              f"{'' if test.pvalue < 0.05 else ': within seed noise'})")

if __name__ == "__main__":
    main()
