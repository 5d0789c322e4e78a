"""The zoo networks costed at their standard input beside their reference figures, and timed on a device.

What `nasbox baselines` prints: the analytic params, MACs and activations of each network (instant, nothing
built), the figures its entry should reproduce, and on request its latency measured end to end at batch 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nasbox.cost import Cost, cost
from nasbox.zoo.registry import ZooEntry, entry, get, names

if TYPE_CHECKING:
    from nasbox.cost.latency import LatencyMeasurement

LATENCY_WARMUP = 2
LATENCY_TIME = 2.0  # seconds of timed runs per network at most (at least 5 runs)


@dataclass(frozen=True)
class ZooFigures:
    """A zoo network's analytic cost at its standard input, beside the figures of its registry entry."""

    entry: ZooEntry
    input: tuple[int, ...]
    cost: Cost

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def params_deviation(self) -> float:
        """Relative deviation of the analytic params from the reference figure (0.01 = 1% more)."""
        return self.cost.params / self.entry.reference_params - 1

    @property
    def macs_deviation(self) -> float:
        """Relative deviation of the analytic MACs from the reference figure."""
        return self.cost.macs / self.entry.reference_macs - 1

    @property
    def within_tolerance(self) -> bool:
        """Whether both deviations are within the entry's tolerance."""
        return max(abs(self.params_deviation), abs(self.macs_deviation)) <= self.entry.tolerance

    def to_dict(self) -> dict[str, Any]:
        """The figures as plain data (what `nasbox baselines --json` prints per network)."""
        return {
            "name": self.name,
            "input": list(self.input),
            "params": self.cost.params,
            "macs": self.cost.macs,
            "activations": self.cost.activations,
            "peak_activations": self.cost.peak_activations,
            "reference_params": self.entry.reference_params,
            "reference_macs": self.entry.reference_macs,
            "reference": self.entry.reference,
            "params_deviation": self.params_deviation,
            "macs_deviation": self.macs_deviation,
            "tolerance": self.entry.tolerance,
            "source": self.entry.source,
            "variant": self.entry.variant,
            "note": self.entry.note,
        }


def reference_figures(networks: Sequence[str] | None = None) -> list[ZooFigures]:
    """The figures of the zoo networks named (default: all, in registry order)."""
    figures = []
    for name in names() if networks is None else networks:
        spec = get(name)
        figures.append(ZooFigures(entry(name), spec.input, cost(spec)))
    return figures


def measure_zoo_latency(networks: Sequence[str] | None = None, *, device: str = "cpu", threads: int | None = 1,
                        max_time: float = LATENCY_TIME) -> dict[str, LatencyMeasurement]:
    """Latency of each zoo network named (default: all) at its standard input and batch 1 on `device`, with
    `threads` CPU threads; slow networks get fewer timed runs so that each takes about `max_time` seconds.

    A measurement whose runs spread too widely says so (`trustworthy`, `warning()`); the caller reports it."""
    from nasbox.cost.latency import measure_latency
    from nasbox.devices import check_threads, resolve_device

    check_threads(threads)
    resolve_device(device)
    return {name: measure_latency(get(name), device=device, threads=threads, warmup=LATENCY_WARMUP,
                                  max_time=max_time)
            for name in (names() if networks is None else networks)}
