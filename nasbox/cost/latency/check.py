"""How far a table's predictions are from end-to-end measurements on networks it was not built from.

The networks are the caller's (the search spaces' `check_networks` draws them apart from the table's cover).
Each is measured end to end on the table's device and thread count (unless told otherwise) and predicted from the
table; the figures are the share predicted within ±10%, the mean absolute percentage error, and Kendall's τ-b
between predicted and measured (does the table rank networks as the device does, which is what a search needs).

The timed runs of each network are split over passes through all the networks and pooled (see
`measure_networks`), as the table's entries are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nasbox.arch.spec import ArchSpec
from nasbox.cost.analytic import cost
from nasbox.cost.latency.measure import PASSES, REPEATS, LatencyMeasurement, measure_networks
from nasbox.cost.latency.table import LatencyTable
from nasbox.errors import NasboxError

WITHIN = 0.10
CHECK_WARMUP = 3


@dataclass(frozen=True)
class CheckResult:
    """Accuracy of a table's predictions against end-to-end measurements (seconds, in draw order)."""

    names: tuple[str, ...]
    predicted: tuple[float, ...]
    measurements: tuple[LatencyMeasurement, ...]
    macs: tuple[int, ...]
    estimated: int = 0

    @property
    def n(self) -> int:
        return len(self.measurements)

    @property
    def measured(self) -> tuple[float, ...]:
        return tuple(m.median for m in self.measurements)

    @property
    def untrusted(self) -> int:
        """Measurements whose spread was too wide to trust."""
        return sum(not m.trustworthy for m in self.measurements)

    @property
    def errors(self) -> list[float]:
        return [p / m - 1 for p, m in zip(self.predicted, self.measured, strict=True)]

    @property
    def within_10pct(self) -> float:
        return sum(abs(e) <= WITHIN for e in self.errors) / self.n

    @property
    def mape(self) -> float:
        return sum(abs(e) for e in self.errors) / self.n

    @property
    def kendall_tau(self) -> float:
        return kendall_tau(self.predicted, self.measured)

    def to_dict(self) -> dict[str, Any]:
        return {"within_10pct": self.within_10pct, "mape": self.mape, "kendall_tau": self.kendall_tau, "n": self.n,
                "untrusted_measurements": self.untrusted, "networks_with_estimated_entries": self.estimated,
                "networks": [{"name": name, "predicted_ms": p * 1e3, "measured_ms": m * 1e3, "macs": macs}
                             for name, p, m, macs in zip(self.names, self.predicted, self.measured, self.macs,
                                                         strict=True)]}


def kendall_tau(x: Sequence[float], y: Sequence[float]) -> float:
    """Kendall's τ-b (ties counted as in scipy.stats.kendalltau); nan when either side is constant."""
    import numpy as np

    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(a) != len(b) or len(a) < 2:
        raise ValueError("kendall_tau needs two sequences of the same length, at least 2")
    upper = np.triu_indices(len(a), k=1)
    da = np.sign(a[:, None] - a[None, :])[upper]
    db = np.sign(b[:, None] - b[None, :])[upper]
    denominator = np.sqrt(np.count_nonzero(da) * np.count_nonzero(db))
    return float(np.sum(da * db) / denominator) if denominator else float("nan")


def check_table(table: LatencyTable, specs: Sequence[ArchSpec], *, device: str | None = None,
                threads: int | None = None, warmup: int = CHECK_WARMUP, repeats: int = REPEATS, passes: int = PASSES,
                progress: Callable[[str, int, int], None] | None = None) -> CheckResult:
    """Predict and measure `specs` (device and threads default to the table's)."""
    if len(specs) < 2:
        raise NasboxError(f"-n: {len(specs)} is too few networks to judge a table; give -n 2 or more")
    predictions = [table.prediction(spec) for spec in specs]
    measurements = measure_networks(specs, device=device or table.device,
                                    threads=threads if threads is not None else table.threads,
                                    batch_size=table.batch_size, channels_last=table.channels_last, warmup=warmup,
                                    repeats=repeats, passes=passes, progress=progress)
    return CheckResult(tuple(s.name for s in specs), tuple(p.seconds for p in predictions), tuple(measurements),
                       tuple(cost(s).macs for s in specs), sum(bool(p.estimated) for p in predictions))
