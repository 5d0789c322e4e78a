"""The hand-designed networks that appear as points beside a search: chosen, retargeted and located in the space.

A baseline is costed at the searched space's target shape (its input and class count), the same shape every
searched network is costed at, so their MACs and params compare. Networks whose output is not a class vector
(ENet's dense segmentation head) cannot be scored by a classification proxy and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nasbox import zoo
from nasbox.arch.spec import ArchSpec
from nasbox.arch.transform import with_classes
from nasbox.cost import cost
from nasbox.errors import NasboxError
from nasbox.search.figures import TargetFigures
from nasbox.space.space import Space


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


def select_baselines(mode: str, space: Space, figures: TargetFigures) -> list[Baseline]:
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
        if mode == "budget" and not figures.admits({"macs": analytic.macs, "params": analytic.params}):
            continue  # over the analytic budgets: not worth a latency measurement
        target = figures.of(spec, analytic)
        if mode == "budget" and not figures.admits(target):
            continue
        chosen.append(Baseline(name, spec, target, _genes_in(space, spec)))
    return chosen


def _genes_in(space: Space, spec: ArchSpec) -> dict[str, Any] | None:
    try:
        return space.encode(spec)
    except NasboxError:
        return None
