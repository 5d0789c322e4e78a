"""Does early stopping buy its hypervolume for less? The same search (default space, budget and proxy, up to 4
epochs) without early stopping and with each policy that fits its objectives, several seeds each: the front's
hypervolume against the training seconds spent, trial by trial.

Prints, per policy and seed, the hypervolume at N trials and the seconds spent, and for each policy the seconds it
took to reach the mean hypervolume that the full-training search reaches at N trials, as a share of what the full
training spent (goal: ≤ 60%); policies run to 2N trials so that they have room to get there. Writes the curves as
a figure (`--figure`). Seconds are each trial's training time as its curve records it (its last epoch's
`seconds`), summed in trial order: with `--jobs 1 --threads 1` that is the CPU time of the search's training.
Hypervolume is the search's own, of the searched trials only (no baselines), on validation accuracy.

    python experiments/bench/early_stopping.py [--trials 20] [--seeds 3] [--epochs 4] [--policies mo-asha]
        [--objectives accuracy,macs] [--subset N] [--dir runs/bench-early-stopping] [--figure FILE.png]

Resumable: each search is a run directory under --dir, and a rerun resumes them.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from nasbox.search import make_config, run_search
from nasbox.search.front import Point, Reference, hypervolume, pareto_front, read_front
from nasbox.search.rundir import RunDir
from nasbox.search.study import is_scored, load_trials

GOAL = 0.6


def spending_curve(run_dir: Path, points: list[Point], objectives: tuple[str, ...]) -> list[tuple[int, float, float]]:
    """(trials ended, seconds spent, hypervolume of the searched front so far) after each searched trial that
    trained, stopped early or not, in trial order; `points` are the run's scored points."""
    reference = Reference.from_dict(read_front(run_dir)["reference"])
    scored = {p.trial: p for p in points if p.trial is not None}
    spent, seen, curve = 0.0, [], []
    for trial in sorted(load_trials(RunDir(run_dir)), key=lambda t: t.number):
        seconds = (trial.user_attrs.get("curve") or [{}])[-1].get("seconds")
        if seconds is None:
            continue
        spent += seconds
        if is_scored(trial) and trial.number in scored:
            seen.append(scored[trial.number])
        curve.append((len(curve) + 1, spent, hypervolume(pareto_front(seen, objectives), objectives, reference)))
    return curve


def seconds_to_reach(curve: list[tuple[int, float, float]], target: float) -> float | None:
    return next((spent for _, spent, hv in curve if hv >= target), None)


def at_trials(curve: list[tuple[int, float, float]], trials: int) -> tuple[float, float]:
    """(seconds spent, hypervolume) after `trials` trials."""
    last = [row for row in curve if row[0] <= trials]
    return (last[-1][1], last[-1][2]) if last else (0.0, 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20, help="N: trials of the full-training search")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--space", default="inception_resnet")
    parser.add_argument("--budget-macs", default="600M")
    parser.add_argument("--objectives", default="accuracy,macs")
    parser.add_argument("--epochs", default="4", help="the proxy's epochs (the most a trial trains)")
    parser.add_argument("--policies", default="mo-asha", help="comma-separated policies to set against none")
    parser.add_argument("--subset", help="images of the built-in data the proxy uses (default all)")
    parser.add_argument("--dir", default="runs/bench-early-stopping", help="folder of the runs (they resume)")
    parser.add_argument("--figure", help="write the hypervolume-against-seconds curves to this PNG")
    args = parser.parse_args()
    objectives = tuple(args.objectives.split(","))
    curves: dict[str, list[list[tuple[int, float, float]]]] = {}
    for policy in ("none", *args.policies.split(",")):
        trials = args.trials * (1 if policy == "none" else 2)
        for seed in range(args.seeds):
            run_dir = Path(args.dir) / f"{policy}-seed{seed}"
            settings = {"space": args.space, "budget_macs": args.budget_macs, "objectives": args.objectives,
                        "early_stopping": policy, "trials": trials, "seed": seed, "epochs": args.epochs,
                        "subset": args.subset, "baselines": "none", "jobs": "1", "threads": "1",
                        "run_dir": str(run_dir)}
            outcome = run_search(make_config({k: v for k, v in settings.items() if v is not None}), progress=False)
            curves.setdefault(policy, []).append(spending_curve(run_dir, outcome.snapshot.points, objectives))
            spent, hv = at_trials(curves[policy][-1], args.trials)
            print(f"{policy} seed {seed}: hypervolume {hv:.4f} after {args.trials} trials, {spent / 60:.1f} min of "
                  "training", flush=True)
    full = [at_trials(c, args.trials) for c in curves["none"]]
    target = statistics.fmean(hv for _, hv in full)
    full_seconds = statistics.fmean(spent for spent, _ in full)
    print(f"\n{args.space} within {args.budget_macs} MACs, objectives {args.objectives}, proxy up to {args.epochs} "
          f"epochs, {args.seeds} seeds; full training reaches hypervolume {target:.4f} (mean) after {args.trials} "
          f"trials in {full_seconds / 60:.1f} min (mean):")
    print(f"{'policy':10s}  {'hv at N':>8s}  {'min at N':>8s}  seconds to reach full training's hypervolume, share")
    for policy, runs in curves.items():
        values = [at_trials(c, args.trials) for c in runs]
        reach = [seconds_to_reach(c, target) for c in runs]
        shares = ", ".join(f"{r / full_seconds:.0%}" if r is not None else "not reached" for r in reach)
        print(f"{policy:10s}  {statistics.fmean(hv for _, hv in values):8.4f}  "
              f"{statistics.fmean(s for s, _ in values) / 60:8.1f}  {shares} (goal ≤ {GOAL:.0%})")
    if args.figure:
        _figure(curves, target, args.figure)


def _figure(curves: dict[str, list[list[tuple[int, float, float]]]], target: float, path: str) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.add_subplot()
    for colour, (policy, runs) in zip(("tab:gray", "tab:blue", "tab:orange"), curves.items(), strict=False):
        for i, curve in enumerate(runs):
            ax.step([s / 60 for _, s, _ in curve], [hv for *_, hv in curve], where="post", color=colour,
                    label=policy if i == 0 else None, linewidth=1)
    ax.axhline(target, color="0.5", linestyle="--", linewidth=0.8, label="full training at N (mean)")
    ax.set_xlabel("training minutes spent")
    ax.set_ylabel("hypervolume (searched trials, validation)")
    ax.legend()
    fig.savefig(path, dpi=120, bbox_inches="tight")


if __name__ == "__main__":
    main()
