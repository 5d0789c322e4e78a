"""Reading a run's trials back as points, and publishing its front (after every trial)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nasbox.search.front import Point, hypervolume, pareto_front, write_front
from nasbox.search.study import (
    BASELINE,
    FAILED,
    INFEASIBLE,
    INTERRUPTED,
    STATUS,
    counts_as_finished,
    is_scored,
    is_searched,
)

if TYPE_CHECKING:
    import optuna

    from nasbox.search.baselines import Baseline
    from nasbox.search.config import SearchConfig
    from nasbox.search.rundir import RunDir
    from nasbox.space.space import Space


@dataclass(frozen=True)
class Snapshot:
    """Where a run stands: its scored points, front, hypervolumes and trial counts."""

    points: list[Point]
    front: list[Point]
    hypervolume: float
    baselines_hypervolume: float
    counts: dict[str, int]
    failures: list[dict[str, Any]]

    @property
    def finished(self) -> int:
        return self.counts["finished"]

    @property
    def best_accuracy(self) -> float | None:
        return max((p.accuracy for p in self.front), default=None)


def take_snapshot(search: optuna.Study, baselines_study: optuna.Study, space: Space,
                  baselines: dict[str, Baseline], config: SearchConfig) -> Snapshot:
    """Collect every scored trial of both studies as points, and the front among those within the budgets."""
    trials = search.get_trials(deepcopy=False)
    zoo_trials = baselines_study.get_trials(deepcopy=False)
    points = []
    for trial in trials:
        if is_scored(trial):
            name = trial.user_attrs.get(BASELINE)
            spec = space.render(trial.params).to_dict()
            if name:
                spec["name"] = name
            points.append(_point(trial, trial.number, name, trial.params, spec))
    for trial in zoo_trials:
        name = trial.user_attrs[BASELINE]
        if is_scored(trial) and name in baselines:
            points.append(_point(trial, None, name, None, baselines[name].spec.to_dict()))
    limits = budget_limits(config)
    feasible = [p for p in points if all(p.value(k) <= v for k, v in limits.items())]
    objectives = config.objectives
    front = pareto_front(feasible, objectives)
    zoo_points = [p for p in feasible if p.baseline]
    counts = {
        "finished": sum(counts_as_finished(t) for t in trials if is_searched(t)),
        "baselines": sum(counts_as_finished(t) for t in [*zoo_trials, *trials] if not is_searched(t)),
        "failed": sum(t.user_attrs.get(STATUS) == FAILED for t in [*trials, *zoo_trials]),
        "infeasible": sum(t.user_attrs.get(STATUS) == INFEASIBLE for t in trials),
        "interrupted": sum(t.user_attrs.get(STATUS) == INTERRUPTED for t in [*trials, *zoo_trials]),
    }
    failures = [{"trial": t.number if is_searched(t) else None, "baseline": t.user_attrs.get(BASELINE),
                 "reason": t.user_attrs.get("reason", "")}
                for t in [*trials, *zoo_trials] if t.user_attrs.get(STATUS) == FAILED]
    return Snapshot(points=points, front=front,
                    hypervolume=hypervolume(front, objectives, limits, feasible),
                    baselines_hypervolume=hypervolume(pareto_front(zoo_points, objectives), objectives, limits,
                                                      feasible),
                    counts=counts, failures=failures)


def budget_limits(config: SearchConfig) -> dict[str, float]:
    """Every budget of the run by figure name (latency in seconds)."""
    limits: dict[str, float] = dict(config.budget.limits())
    if config.budget_latency is not None:
        limits["latency"] = config.budget_latency
    return limits


def _point(trial: optuna.trial.FrozenTrial, number: int | None, baseline: str | None,
           genes: dict[str, Any] | None, spec: dict[str, Any]) -> Point:
    return Point(trial=number, baseline=baseline, genes=genes, spec=spec, accuracy=trial.user_attrs["accuracy"],
                 macs=trial.user_attrs["macs"], params=trial.user_attrs["params"],
                 latency=trial.user_attrs.get("latency"))


def publish(run: RunDir, snapshot: Snapshot, config: SearchConfig) -> None:
    """Write front.json and front.csv from `snapshot`."""
    summary = {
        "space": config.space, "objectives": list(config.objectives), "budget": budget_limits(config),
        "updated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "trials": snapshot.counts, "hypervolume": snapshot.hypervolume,
        "baselines_hypervolume": snapshot.baselines_hypervolume,
        "baselines": sorted(({"baseline": p.baseline, "trial": p.trial, "accuracy": p.accuracy, "macs": p.macs,
                              "params": p.params, "latency": p.latency} for p in snapshot.points if p.baseline),
                            key=lambda row: row["macs"]),
        "failures": snapshot.failures,
    }
    write_front(run.path, snapshot.front, summary)
