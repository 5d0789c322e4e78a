"""What a search can optimise, one entry per objective: its name, direction, how its values read, and where they
come from. Config, study, budgets, front, hypervolume scales, tables and figures read an objective here instead of
branching on its name, so a new objective (latency on a named device, a published accuracy) is one `register` call.

`accuracy` is the proxy's validation accuracy, from training. The others are *figures* of the target network
(MACs, params from the analytic cost; latency from a device or a latency table): they are known before training,
so budgets judge them and an infeasible network is never trained.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from nasbox.errors import NasboxError
from nasbox.units import format_count, format_duration

if TYPE_CHECKING:
    from nasbox.cost import Cost

Direction = Literal["maximize", "minimize"]
Source = Literal["training", "cost model", "device"]
ACCURACY = "accuracy"


@dataclass(frozen=True)
class Objective:
    """One objective of a search.

    `format` writes a value as people read it (in budgets, run directory names and tick labels); `of_cost` gives
    it from an analytic cost when it is a cost-model figure (None: training or a device gives it); `integral`
    figures are stored as integers; `budget_word` names the figure after its limit ('600M MACs'), and
    `folder_suffix` follows the limit in a default run directory's name ('5M-params')."""

    name: str
    direction: Direction
    label: str
    source: Source
    format: Callable[[float], str]
    of_cost: Callable[[Cost], float] | None = None
    integral: bool = False
    budget_word: str = ""
    folder_suffix: str = ""

    @property
    def is_figure(self) -> bool:
        """Whether the target network's cost gives it (known before training, so a budget can bound it)."""
        return self.source != "training"

    def describe_limit(self, limit: float) -> str:
        """A budget on this figure in words: '600M MACs', '5M params', '20ms latency'."""
        return f"{self.format(limit)} {self.budget_word or self.name}"

    def stored(self, value: float) -> int | float:
        """The value as a trial's user attributes and front.json hold it."""
        return int(value) if self.integral else float(value)

    def worst(self) -> float:
        """The value told to the study when the figure is unknown (a latency left unmeasured, for a network already
        over another budget): the worst there is."""
        return float("-inf") if self.direction == "maximize" else float("inf")


_REGISTRY: dict[str, Objective] = {}
OBJECTIVES: Mapping[str, Objective] = MappingProxyType(_REGISTRY)
"""Every registered objective by name, in registration order (read-only; add with `register`)."""


def register(entry: Objective) -> Objective:
    """Add an objective; a name already taken is refused."""
    if entry.name in _REGISTRY:
        raise ValueError(f"objective {entry.name!r} is registered already")
    _REGISTRY[entry.name] = entry
    return entry


def objective(name: str) -> Objective:
    """The objective called `name`, or an error naming the choices."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise NasboxError(f"objective {name!r} is not one nasbox knows; choose among {', '.join(_REGISTRY)}") from None


def figure_names() -> tuple[str, ...]:
    """The names of the objectives that are figures of the target network, in registration order."""
    return tuple(name for name, entry in _REGISTRY.items() if entry.is_figure)


def analytic_figures(cost: Cost) -> dict[str, float]:
    """The figures the analytic cost gives (MACs, params): what a budget can judge without a device."""
    return {name: entry.of_cost(cost) for name, entry in _REGISTRY.items() if entry.of_cost is not None}


def directions(names: tuple[str, ...]) -> list[Direction]:
    """The study's directions for objectives `names`."""
    return [objective(name).direction for name in names]


register(Objective(ACCURACY, "maximize", "accuracy", "training", lambda v: f"{v:.4f}"))
register(Objective("macs", "minimize", "MACs", "cost model", format_count, of_cost=lambda cost: cost.macs,
                   integral=True, budget_word="MACs"))
register(Objective("params", "minimize", "parameters", "cost model", format_count,
                   of_cost=lambda cost: cost.params, integral=True, budget_word="params", folder_suffix="-params"))
register(Objective("latency", "minimize", "latency", "device", format_duration, budget_word="latency"))
