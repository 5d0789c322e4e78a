"""The target a search judges networks by: the figures of a target network (MACs, params, latency) and the run's
budget on them.

MACs and params come from the analytic cost. Latency is added when a latency budget, objective or table asks for it:
predicted from a lookup table built on the target device (`--latency-table`, so a table measured on a phone or a
server drives a search anywhere), or else measured here, end to end, on `--latency-device` with
`--latency-threads` threads. Figures over a budget are told to the sampler as constraints (relative excess, ≤ 0
feasible) and the network is never trained.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nasbox.errors import NasboxError
from nasbox.objectives import objective
from nasbox.space.budget import Budget, figures_of
from nasbox.units import format_duration

if TYPE_CHECKING:
    from nasbox.arch.spec import ArchSpec
    from nasbox.cost import Cost
    from nasbox.cost.latency import LatencyTable
    from nasbox.search.config import SearchConfig
    from nasbox.space.space import Candidate, Space

MEASURE_SECONDS = 0.5  # time spent measuring one network's latency when there is no table


class Target:
    """A run's budget, and the figures of a target network that the budget and the objectives judge."""

    def __init__(self, config: SearchConfig) -> None:
        self.config = config
        self.budget: Budget = config.budget
        self.needs_latency = (config.budget_latency is not None or "latency" in config.objectives
                              or config.latency_table is not None)  # a given table is used, so it is checked
        self.table: LatencyTable | None = None
        if config.latency_table is not None:
            from nasbox.cost.latency import LatencyTable

            self.table = LatencyTable.load(config.latency_table)

    def figures(self, spec: ArchSpec, cost: Cost, *, measure_all: bool = False) -> dict[str, float]:
        """MACs and params, and latency in seconds when the run needs it. Without a table, a network already
        over the MACs or params budget is not measured (its latency is left out) unless `measure_all`."""
        figures = figures_of(cost)
        if self.needs_latency and (self.table is not None or measure_all or self.budget.admits(figures)):
            figures["latency"] = self.latency(spec)
        return figures

    def measure(self, candidate: Candidate) -> dict[str, float]:
        """`figures` of a space's candidate (what `suggest_within` takes as its measure)."""
        return self.figures(candidate.spec, candidate.cost)

    def latency(self, spec: ArchSpec) -> float:
        if self.table is not None:
            return self.table.predict(spec)
        from nasbox.cost.latency import measure_latency

        return measure_latency(spec, device=self.config.latency_device, threads=self.config.latency_threads,
                               max_time=MEASURE_SECONDS).median

    def scales(self, space: Space, objectives: tuple[str, ...]) -> dict[str, float]:
        """The hypervolume's scale of each cost objective: its budget, else the figure of the space's dearest
        network (by MACs, or by params), fixed when the run is made so that the front's hypervolume is comparable
        from trial to trial."""
        from nasbox.space.extremes import dearest

        scales = {}
        for name in objectives:
            if name == "accuracy":
                continue
            if name in self.budget.limits():
                scales[name] = self.budget.limits()[name]
            elif (of_cost := objective(name).of_cost) is not None:
                scales[name] = float(of_cost(dearest(space, of_cost).cost))
            else:  # a device's figure: that of the network with the most MACs
                scales[name] = float(self.latency(dearest(space).spec))
        return scales

    def check(self, space: Space) -> list[str]:
        """Refuse a latency table of another space and a latency budget that even the space's network with the
        fewest MACs misses; returns warnings about the table (another torch version, batch size...)."""
        warnings = []
        if self.table is not None:
            warnings = self.table.compatibility_warnings(space=space.name, device=None, threads=None)
        if self.budget.latency is not None:
            from nasbox.space.extremes import cheapest

            smallest = cheapest(space, self.budget.analytic().load)
            latency = self.latency(smallest.spec)
            if latency > self.budget.latency:
                raise NasboxError(f"--budget-latency: {format_duration(self.budget.latency)} admits no network "
                                  f"of space {space.name!r}: its network with the fewest MACs takes "
                                  f"{format_duration(latency)}; raise the budget or choose a smaller space")
        return warnings


def record(figures: dict[str, float]) -> dict[str, Any]:
    """The figures as a trial's user attributes store them."""
    return {name: objective(name).stored(value) for name, value in figures.items()}
