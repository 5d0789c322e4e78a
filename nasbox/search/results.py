"""Reading a run's trials back as points, and publishing its front: front.json, front.csv and the front's state
in TensorBoard, written together whenever a trial has ended, whatever the output mode."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nasbox.objectives import figure_names
from nasbox.search.front import POINT_FIGURES, Point, Reference, hypervolume, learned, pareto_front, write_front
from nasbox.search.study import (
    BASELINE,
    FAILED,
    INFEASIBLE,
    INTERRUPTED,
    PRUNED,
    SPEC,
    STATUS,
    Studies,
    counts_as_finished,
    is_scored,
    is_searched,
)
from nasbox.search.weights import weights_key

if TYPE_CHECKING:
    import optuna

    from nasbox.report.tensorboard import SearchBoard
    from nasbox.search.config import SearchConfig
    from nasbox.search.rundir import RunDir


DID_NOT_LEARN = "did not learn (chance level)"


@dataclass(frozen=True)
class Snapshot:
    """Where a run stands: its scored points, front, hypervolumes and trial counts."""

    points: list[Point]
    front: list[Point]
    hypervolume: float
    baselines_hypervolume: float
    counts: dict[str, int]
    failures: list[dict[str, Any]]
    at_chance: frozenset[str] = frozenset()  # baselines that did not learn: off the front and its hypervolumes

    @property
    def finished(self) -> int:
        return self.counts["finished"]

    @property
    def best(self) -> Point | None:
        """The front member of best validation accuracy (whose `test_accuracy` is the number to quote)."""
        return max(self.front, key=lambda p: p.val_accuracy, default=None)

    @property
    def best_val_accuracy(self) -> float | None:
        return self.best.val_accuracy if self.best is not None else None

    @property
    def ended(self) -> int:
        """Trials that have ended one way or another: a new one means there is something new to publish."""
        return sum(self.counts.values())


def take_snapshot(studies: Studies, config: SearchConfig, reference: Reference, scored_on: int,
                  test_scores: Mapping[str, float] | None = None) -> Snapshot:
    """Collect every scored trial of both studies as points (with the spec each trained and, from `test_scores`
    keyed by weights key, the test accuracy of those scored), and the front among those within the budgets; a
    baseline whose validation accuracy (on `scored_on` images) is at chance level did not learn, and the front and
    the baselines' hypervolume leave it out rather than counting the recipe's failure as the network's score."""
    trials = studies.search.get_trials(deepcopy=False)
    zoo_trials = studies.zoo.get_trials(deepcopy=False)
    scores = test_scores or {}
    points = [_point(t, t.number, t.params, scores) for t in trials if is_scored(t)]
    points += [_point(t, None, None, scores) for t in zoo_trials if is_scored(t)]
    budget = config.budget
    feasible = [p for p in points if budget.admits(p.figures())]
    objectives = config.objectives
    at_chance = frozenset(p.baseline for p in points
                          if p.baseline and not learned(p.val_accuracy, reference.chance, scored_on))
    front = pareto_front([p for p in feasible if p.baseline not in at_chance], objectives)
    zoo_points = [p for p in feasible if p.baseline and p.baseline not in at_chance]
    everything = [*trials, *zoo_trials]
    counts = {
        "finished": sum(counts_as_finished(t) for t in trials if is_searched(t)),
        "baselines": sum(counts_as_finished(t) for t in everything if not is_searched(t)),
        "failed": sum(t.user_attrs.get(STATUS) == FAILED for t in everything),
        "infeasible": sum(t.user_attrs.get(STATUS) == INFEASIBLE for t in trials),
        "interrupted": sum(t.user_attrs.get(STATUS) == INTERRUPTED for t in everything),
        "pruned": sum(t.user_attrs.get(STATUS) == PRUNED for t in trials),
    }
    failures = [{"trial": t.number if is_searched(t) else None, "baseline": t.user_attrs.get(BASELINE),
                 "reason": t.user_attrs.get("reason", "")}
                for t in everything if t.user_attrs.get(STATUS) == FAILED]
    return Snapshot(points=points, front=front, hypervolume=hypervolume(front, objectives, reference),
                    baselines_hypervolume=hypervolume(pareto_front(zoo_points, objectives), objectives, reference),
                    counts=counts, failures=failures, at_chance=at_chance)


def _point(trial: optuna.trial.FrozenTrial, number: int | None, genes: dict[str, Any] | None,
           test_scores: Mapping[str, float]) -> Point:
    attrs = trial.user_attrs
    return Point(trial=number, baseline=attrs.get(BASELINE), genes=genes, spec=attrs[SPEC],
                 val_accuracy=attrs["accuracy"], macs=attrs["macs"], params=attrs["params"],
                 latency=attrs.get("latency"), test_accuracy=test_scores.get(weights_key(number, attrs.get(BASELINE))),
                 more_figures={name: attrs[name] for name in figure_names()
                               if name not in POINT_FIGURES and name in attrs})


def standing(point: Point, snapshot: Snapshot, config: SearchConfig) -> str:
    """Where a point stands beside the front: 'on front', 'over budget' or 'dominated'; a baseline at chance level,
    'did not learn (chance level)' (its score says nothing of the network)."""
    if point.baseline in snapshot.at_chance:
        return DID_NOT_LEARN
    if any(point is member for member in snapshot.front):
        return "on front"
    return "dominated" if config.budget.admits(point.figures()) else "over budget"


def publish(run: RunDir, snapshot: Snapshot, config: SearchConfig, reference: Reference, board: SearchBoard,
            split: dict[str, int]) -> None:
    """Write front.json and front.csv from `snapshot` (with the images in each part of the `split`), and its front,
    hypervolume and best accuracy to TensorBoard at step = trials ended (searched and baselines)."""
    summary = {
        "space": config.space, "objectives": list(config.objectives), "budget": config.budget.limits(),
        "reference": reference.to_dict(), "split": split,
        "updated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "trials": snapshot.counts, "hypervolume": snapshot.hypervolume,
        "baselines_hypervolume": snapshot.baselines_hypervolume,
        "baselines_hypervolume_excludes": sorted(snapshot.at_chance),
        "baselines": sorted(({"baseline": p.baseline, "trial": p.trial, "val_accuracy": p.val_accuracy,
                              "test_accuracy": p.test_accuracy, "macs": p.macs, "params": p.params,
                              "latency": p.latency, "standing": standing(p, snapshot, config), "spec": p.spec}
                             for p in snapshot.points if p.baseline), key=lambda row: row["macs"]),
        "failures": snapshot.failures,
    }
    write_front(run.path, snapshot.front, summary)
    board.log_front(snapshot.finished + snapshot.counts["baselines"], [p.record() for p in snapshot.points],
                    [p.record() for p in snapshot.front], hypervolume=snapshot.hypervolume,
                    budget=config.budget.limits() or None, objectives=config.objectives)
