"""The target figures a search judges a network by, and its budgets on them.

MACs and params come from the analytic cost. Latency is added when a latency budget, objective or table asks for it:
predicted from a lookup table built on the target device (`--latency-table`, so a table measured on a phone or a
server drives a search anywhere), or else measured here, end to end, on `--latency-device` with
`--latency-threads` threads. Figures over a budget are told to the sampler as constraints (relative excess, ≤ 0
feasible) and the network is never trained.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nasbox.errors import NasboxError
from nasbox.units import format_count, format_duration

if TYPE_CHECKING:
    from nasbox.arch.spec import ArchSpec
    from nasbox.cost import Cost
    from nasbox.cost.latency import LatencyTable
    from nasbox.search.config import SearchConfig
    from nasbox.space.space import Space

MEASURE_SECONDS = 0.5  # time spent measuring one network's latency when there is no table


class TargetFigures:
    """Computes a run's figures of a target network and checks them against its budgets."""

    def __init__(self, config: SearchConfig) -> None:
        self.config = config
        self.limits: dict[str, float] = {name: limit for name, limit in (
            ("macs", config.budget_macs), ("params", config.budget_params), ("latency", config.budget_latency))
            if limit is not None}
        self.needs_latency = (config.budget_latency is not None or "latency" in config.objectives
                              or config.latency_table is not None)  # a given table is used, so it is checked
        self.table: LatencyTable | None = None
        if config.latency_table is not None:
            from nasbox.cost.latency import LatencyTable

            self.table = LatencyTable.load(config.latency_table)

    def of(self, spec: ArchSpec, cost: Cost) -> dict[str, float]:
        """MACs and params, and latency in seconds when the run needs it. Without a table, a network already
        over the MACs or params budget is not measured: its latency is left out."""
        figures: dict[str, float] = {"macs": cost.macs, "params": cost.params}
        if self.needs_latency and (self.table is not None or self.admits(figures)):
            figures["latency"] = self.latency(spec)
        return figures

    def constraints(self, figures: dict[str, float]) -> dict[str, float]:
        """One constraint per budget, for the sampler; a latency left out counts as met (0), since the network
        is already infeasible by another budget."""
        return {name: self.overshoot(figures).get(name, 0.0) for name in self.limits}

    def latency(self, spec: ArchSpec) -> float:
        if self.table is not None:
            return self.table.predict(spec)
        from nasbox.cost.latency import measure_latency

        return measure_latency(spec, device=self.config.latency_device, threads=self.config.latency_threads,
                               max_time=MEASURE_SECONDS).median

    def overshoot(self, figures: dict[str, float]) -> dict[str, float]:
        """Relative excess per budget on the figures given (Optuna's constraint convention: ≤ 0 is met)."""
        return {name: figures[name] / limit - 1.0 for name, limit in self.limits.items() if name in figures}

    def admits(self, figures: dict[str, float]) -> bool:
        return all(excess <= 0 for excess in self.overshoot(figures).values())

    def describe(self) -> str:
        words = {"macs": "MACs", "params": "params"}
        return " and ".join(format_duration(v) + " latency" if k == "latency" else f"{format_count(v)} {words[k]}"
                            for k, v in self.limits.items()) or "no budget"

    def check(self, space: Space) -> list[str]:
        """Refuse a latency table of another space and a latency budget that even the space's network with the
        fewest MACs misses; returns warnings about the table (another torch version, batch size...)."""
        warnings = []
        if self.table is not None:
            warnings = self.table.compatibility_warnings(space=space.name, device=None, threads=None)
        if self.config.budget_latency is not None:
            from nasbox.space.extremes import cheapest

            smallest = cheapest(space, self.config.budget.load)
            latency = self.latency(smallest.spec)
            if latency > self.config.budget_latency:
                raise NasboxError(f"--budget-latency: {format_duration(self.config.budget_latency)} admits no network "
                                  f"of space {space.name!r}: its network with the fewest MACs takes "
                                  f"{format_duration(latency)}; raise the budget or choose a smaller space")
        return warnings


def record(figures: dict[str, float]) -> dict[str, Any]:
    """The figures as a trial's user attributes store them."""
    return {name: (int(value) if name in ("macs", "params") else float(value)) for name, value in figures.items()}
