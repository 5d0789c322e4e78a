"""The hand-designed networks that appear as points beside a search: chosen, retargeted and located in the space.

A baseline is costed at the searched space's target shape (its input and class count), the same shape every
searched network is costed at, so their MACs and params compare. Networks whose output is not a class vector
(ENet's dense segmentation head) cannot be scored by a classification proxy and are left out.

The `nasbox search` process selects the baselines once and enqueues each as a trial that carries its spec and
figures, so the workers train what the queue holds and never select or measure baselines themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nasbox import zoo
from nasbox.arch.spec import ArchSpec
from nasbox.arch.transform import with_classes
from nasbox.cost import cost
from nasbox.errors import NasboxError
from nasbox.search.study import BASELINE, FAILED, FEASIBLE, SPEC, STATUS, Studies
from nasbox.search.target import Target, record
from nasbox.space.space import Space

if TYPE_CHECKING:
    import optuna


@dataclass(frozen=True)
class Baseline:
    """A zoo network at the target shape; `genes` when it is a point of the searched space, else None."""

    name: str
    spec: ArchSpec
    figures: dict[str, float]
    genes: dict[str, Any] | None


def retarget(spec: ArchSpec, input_shape: tuple[int, int, int], num_classes: int) -> ArchSpec | None:
    """`spec` at another input shape and class count, or None when it cannot be (not a classifier, or a shape
    its layers cannot take)."""
    try:
        if len(spec.output_shape(spec.input)) != 1:
            return None
        moved = spec.replace(input=tuple(input_shape))
        moved.output_shape(moved.input)
        return with_classes(moved, num_classes) if num_classes != moved.num_classes else moved
    except NasboxError:
        return None


def select_baselines(mode: str, space: Space, target: Target) -> list[Baseline]:
    """The baselines of a run: 'budget' (every zoo network within the budgets), 'all', 'none', or a
    comma-separated list of zoo names; each with its target figures."""
    if mode == "none":
        return []
    names = zoo.names() if mode in ("budget", "all") else mode.split(",")
    chosen = []
    for name in names:
        spec = retarget(zoo.get(name), space.input, space.num_classes)
        if spec is None:
            continue
        analytic = cost(spec)
        if mode == "budget" and not target.budget.admits(analytic):
            continue  # over the analytic budgets: not worth a latency measurement
        figures = target.figures(spec, analytic, measure_all=True)
        if mode == "budget" and not target.budget.admits(figures):
            continue
        chosen.append(Baseline(name, spec, figures, _genes_in(space, spec)))
    return chosen


def enqueue_baselines(studies: Studies, baselines: list[Baseline], target: Target) -> None:
    """Give every baseline not yet trained (nor waiting) a trial that carries its spec and figures: in the search
    study when it is a point of the space within the budgets, so the sampler learns from it, else in the
    baselines study."""
    from optuna.trial import TrialState

    def present(study: optuna.Study) -> set[str]:
        return {t.user_attrs[BASELINE] for t in study.get_trials(deepcopy=False)
                if BASELINE in t.user_attrs and (t.state != TrialState.FAIL or t.user_attrs.get(STATUS) == FAILED)}

    known = present(studies.search) | present(studies.zoo)
    for baseline in baselines:
        if baseline.name in known:
            continue
        feasible = target.budget.admits(baseline.figures)
        attrs = {BASELINE: baseline.name, SPEC: baseline.spec.to_dict(), FEASIBLE: feasible, **record(baseline.figures)}
        if baseline.genes is not None and feasible:
            studies.search.enqueue_trial(baseline.genes, user_attrs=attrs)
        else:
            studies.zoo.enqueue_trial({}, user_attrs=attrs)


def _genes_in(space: Space, spec: ArchSpec) -> dict[str, Any] | None:
    try:
        return space.encode(spec)
    except NasboxError:
        return None
