"""Budgets on the target network's cost, checked before anything is built.

A budget is a hard constraint. Drawn from an RNG, a candidate over budget is repaired toward cheaper genes, or
drawn again (see `sampling`); through Optuna, every budget becomes a constraint on the trial
(`trial.set_constraint`, ≤ 0 is feasible, here the relative overshoot) so TPE and NSGA-II learn where the
feasible region is. A budget that no network of the space meets is
refused at once, with the smallest cost the space reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nasbox.cost import Cost
from nasbox.errors import NasboxError
from nasbox.space.extremes import cheapest
from nasbox.space.space import Candidate, Space
from nasbox.units import format_count


@dataclass(frozen=True)
class Budget:
    """Upper bounds on the target network's MACs and parameters (None: unbounded)."""

    macs: int | None = None
    params: int | None = None

    def limits(self) -> dict[str, int]:
        return {name: limit for name, limit in (("macs", self.macs), ("params", self.params)) if limit is not None}

    def overshoot(self, cost: Cost) -> dict[str, float]:
        """Relative excess per budget: ≤ 0 when it is met (Optuna's constraint convention)."""
        return {name: getattr(cost, name) / limit - 1.0 for name, limit in self.limits().items()}

    def admits(self, cost: Cost) -> bool:
        return all(excess <= 0 for excess in self.overshoot(cost).values())

    def load(self, cost: Cost) -> float:
        """The largest fraction of a budget that `cost` uses (≤ 1 when every budget is met)."""
        return max((getattr(cost, name) / limit for name, limit in self.limits().items()), default=0.0)

    def describe(self) -> str:
        parts = [f"{format_count(limit)} {'MACs' if name == 'macs' else 'params'}"
                 for name, limit in self.limits().items()]
        return " and ".join(parts) or "no budget"


def check_reachable(space: Space, budget: Budget) -> None:
    """Refuse a budget that the space's cheapest network (for these budgets) does not meet."""
    if not budget.limits():
        return
    smallest = cheapest(space, budget.load)
    if budget.admits(smallest.cost):
        return
    raise NasboxError(f"a budget of {budget.describe()} admits no network of space {space.name!r}: its smallest "
                      f"reaches {format_count(smallest.cost.macs)} MACs and {format_count(smallest.cost.params)} "
                      "params; raise the budget or choose a smaller space")


def suggest_within(space: Space, trial: Any, budget: Budget) -> tuple[Candidate, bool]:
    """Genes from an Optuna trial, costed, with each budget set as a constraint on the trial; returns the
    candidate and whether it is feasible (an infeasible one should not be trained)."""
    candidate = space.candidate(*space.suggest(trial))
    for name, excess in budget.overshoot(candidate.cost).items():
        trial.set_constraint(name, excess)
    return candidate, budget.admits(candidate.cost)
