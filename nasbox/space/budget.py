"""Budgets on the target network's cost, checked before anything is built.

A budget is a hard constraint. Drawn from an RNG, a candidate over budget is repaired toward cheaper genes, or
drawn again (see `sampling`); through Optuna, every budget becomes a constraint on the trial
(`trial.set_constraint`, ≤ 0 is feasible, here the relative overshoot) so TPE and NSGA-II learn where the
feasible region is. A budget that no network of the space meets is
refused at once, with the smallest cost the space reaches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from nasbox.cost import Cost
from nasbox.errors import NasboxError
from nasbox.objectives import analytic_figures, objective
from nasbox.space.extremes import cheapest
from nasbox.space.space import Candidate, Space
from nasbox.units import format_count

Figures = Mapping[str, float]
"""A network's figures at the target by name: `macs`, `params` and, when known, `latency` (seconds)."""


def figures_of(cost: Cost) -> dict[str, float]:
    """The budgeted figures an analytic cost gives (latency needs a device; see `nasbox.cost.latency`)."""
    return analytic_figures(cost)


@dataclass(frozen=True)
class Budget:
    """Upper bounds on the target network's MACs, params and latency in seconds (None: unbounded).

    Every method takes a network's figures, as a mapping or as a `Cost`; a figure the mapping lacks (a latency
    that was not measured because the network is already over another budget) is not judged."""

    macs: int | None = None
    params: int | None = None
    latency: float | None = None

    def limits(self) -> dict[str, float]:
        """The bounded figures and their limits, in the order macs, params, latency."""
        return {name: limit for name, limit in (("macs", self.macs), ("params", self.params),
                                                ("latency", self.latency)) if limit is not None}

    def overshoot(self, figures: Figures | Cost) -> dict[str, float]:
        """Relative excess per budget on the figures given: ≤ 0 when it is met (Optuna's constraint convention)."""
        figures = _figures(figures)
        return {name: figures[name] / limit - 1.0 for name, limit in self.limits().items() if name in figures}

    def constraints(self, figures: Figures | Cost) -> dict[str, float]:
        """One constraint per budget, for the sampler; a figure left out counts as met (0)."""
        overshoot = self.overshoot(figures)
        return {name: overshoot.get(name, 0.0) for name in self.limits()}

    def admits(self, figures: Figures | Cost) -> bool:
        return all(excess <= 0 for excess in self.overshoot(figures).values())

    def load(self, figures: Figures | Cost) -> float:
        """The largest fraction of a budget that the figures use (≤ 1 when every budget is met)."""
        return max((excess + 1.0 for excess in self.overshoot(figures).values()), default=0.0)

    def analytic(self) -> Budget:
        """This budget without its latency bound: what the analytic cost alone can judge."""
        return Budget(macs=self.macs, params=self.params)

    def describe(self) -> str:
        """e.g. '600M MACs and 20ms latency', or 'no budget'."""
        return " and ".join(describe_limit(name, limit) for name, limit in self.limits().items()) or "no budget"


def describe_limit(name: str, limit: float) -> str:
    """One budget in words: '600M MACs', '5M params', '20ms latency'."""
    return objective(name).describe_limit(limit)


def _figures(figures: Figures | Cost) -> Figures:
    return figures_of(figures) if isinstance(figures, Cost) else figures


def check_reachable(space: Space, budget: Budget) -> None:
    """Refuse a budget that the space's cheapest network (for these budgets) does not meet; a latency bound is
    left to the caller, who knows the device (see `nasbox.search.target`)."""
    budget = budget.analytic()
    if not budget.limits():
        return
    smallest = cheapest(space, budget.load)
    if budget.admits(smallest.cost):
        return
    raise NasboxError(f"a budget of {budget.describe()} admits no network of space {space.name!r}: its smallest "
                      f"reaches {format_count(smallest.cost.macs)} MACs and {format_count(smallest.cost.params)} "
                      "params; raise the budget or choose a smaller space")


class Proposal(NamedTuple):
    """A network an Optuna trial proposed: the candidate, its figures at the target, and whether it is within budget
    (an infeasible one is never trained)."""

    candidate: Candidate
    figures: Figures
    feasible: bool


def suggest_within(space: Space, trial: Any, budget: Budget,
                   measure: Callable[[Candidate], Figures] | None = None) -> Proposal:
    """Genes from an Optuna trial, costed (by `measure`, default the analytic MACs and params), with each budget set
    as a constraint on the trial so that TPE and NSGA-II learn where the feasible region is."""
    candidate = space.candidate(*space.suggest(trial))
    figures = measure(candidate) if measure is not None else figures_of(candidate.cost)
    for name, excess in budget.constraints(figures).items():
        trial.set_constraint(name, excess)
    return Proposal(candidate, figures, budget.admits(figures))
