"""One network's latency as `nasbox profile --latency` reports it: measured on a device and, given a latency
table, predicted by it, with the warnings that say how far to trust either figure."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nasbox.arch.spec import ArchSpec
from nasbox.cost.latency.measure import REPEATS, LatencyMeasurement, measure_latency
from nasbox.cost.latency.table import LatencyTable, Prediction
from nasbox.devices import check_threads, device_name, resolve_device
from nasbox.units import format_duration


@dataclass(frozen=True)
class LatencyProfile:
    """A measured latency, the table's prediction beside it (or None), and the setting they were taken in.

    `warnings` says why a figure may be off: a table measured in another setting, runs spread too widely, entries
    the table lacked and estimated."""

    measured: LatencyMeasurement
    device_name: str
    channels_last: bool = False
    compile: bool = False
    predicted: Prediction | None = None
    table: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def error(self) -> float | None:
        """The prediction's relative error against the measurement (0.05 = 5% high), or None without a table."""
        return None if self.predicted is None else self.predicted.seconds / self.measured.median - 1

    def to_dict(self) -> dict[str, Any]:
        """The figures as plain data, in milliseconds (what `nasbox profile --latency --json` prints)."""
        data: dict[str, Any] = {
            "device": self.measured.device, "device_name": self.device_name, "threads": self.measured.threads,
            "batch_size": self.measured.batch_size, "channels_last": self.channels_last, "compile": self.compile,
            "measured_ms": self.measured.median * 1e3, "iqr_ms": self.measured.iqr * 1e3,
            "repeats": self.measured.repeats, "trustworthy": self.measured.trustworthy,
            "summary": self.measured.describe()}
        if self.predicted is not None:
            data.update(predicted_ms=self.predicted.seconds * 1e3, table=self.table,
                        estimated_entries=len(self.predicted.estimated))
        return data

    def describe(self) -> str:
        """One line: where it was measured, the measured figure, and the prediction with its error."""
        threads = f", {self.measured.threads} thread(s)" if self.measured.threads is not None else ""
        line = (f"latency on {self.measured.device} ({self.device_name}{threads}), batch {self.measured.batch_size}: "
                f"measured {self.measured.describe()}")
        if self.predicted is not None:
            line += f"; predicted {format_duration(self.predicted.seconds)} by {self.table} ({self.error:+.1%})"
        return line


def profile_latency(spec: ArchSpec, *, input_shape: tuple[int, ...] | None = None, device: str = "cpu",
                    threads: int | None = 1, batch_size: int = 1, channels_last: bool = False,
                    compile: bool = False, table: str | Path | None = None,
                    repeats: int = REPEATS) -> LatencyProfile:
    """Measure the target network of `spec` (at `input_shape`, default its own input) end to end on `device`
    and, given the path of a latency table, predict it from the table too.

    Bad settings (device, threads, a table file that cannot be read) are refused before anything is measured."""
    check_threads(threads)
    target = resolve_device(device)
    loaded = LatencyTable.load(table) if table is not None else None
    warnings = loaded.compatibility_warnings(space=None, device=device, threads=threads if target.type == "cpu"
                                             else None, batch_size=batch_size) if loaded else []
    measured = measure_latency(spec, device=device, threads=threads, input_shape=input_shape, batch_size=batch_size,
                               repeats=repeats, channels_last=channels_last, compile=compile)
    if not measured.trustworthy:
        warnings.append(measured.warning())
    predicted = None
    if loaded is not None:
        predicted = loaded.prediction(spec.replace(input=tuple(input_shape or spec.input)))
        if predicted.note():
            warnings.append(predicted.note())
    return LatencyProfile(measured, device_name(target), channels_last, compile, predicted,
                          str(table) if table is not None else None, tuple(warnings))
