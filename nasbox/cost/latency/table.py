"""The latency lookup table of a space on a device, and the prediction it gives for a spec.

A prediction is the sum of the spec's entries (see `entries`) plus a per-network overhead,
`intercept + per_entry × entries`, fitted during table building on networks measured end to end: it absorbs what
timing entries alone misses (module-call and container dispatch, the allocator, caches shared between ops).

A table measured over a cover of the space may lack an entry that a spec executes. Such an entry is estimated
from the measured entry of its family (same primitive and configuration, other sizes) nearest in MACs and
elements, scaled by the ratio of their work (MACs, or elements for ops without MACs); the prediction lists the
entries it estimated. An entry of a family the table has never measured cannot be estimated, and is an error.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nasbox.arch.spec import ArchSpec
from nasbox.cost.latency.entries import Entry, spec_entries
from nasbox.errors import NasboxError
from nasbox.files import read_text

FORMAT = "nasbox-latency-table"
VERSION = 1


@dataclass(frozen=True)
class TableEntry:
    """One measured entry: the median seconds of its runs and their IQR, and what estimation needs."""

    family: str
    macs: int
    elements: int
    median: float
    iqr: float

    @property
    def work(self) -> int:
        return self.macs or self.elements


@dataclass(frozen=True)
class Overhead:
    """Seconds a network costs beyond its entries: `intercept + per_entry × entries`."""

    intercept: float = 0.0
    per_entry: float = 0.0

    def __call__(self, entries: int) -> float:
        return self.intercept + self.per_entry * entries


@dataclass(frozen=True)
class Prediction:
    """A predicted latency and how it was made up."""

    seconds: float
    entries: int
    overhead: float
    estimated: tuple[str, ...] = ()

    def note(self) -> str | None:
        """Which entries were estimated rather than measured, or None when all were measured."""
        if not self.estimated:
            return None
        shown = "; ".join(self.estimated[:3]) + ("; ..." if len(self.estimated) > 3 else "")
        return (f"{len(self.estimated)} of {self.entries} entries were not in the table and were estimated from a "
                f"measured entry of their family: {shown}")


@dataclass
class LatencyTable:
    """Measured entries of one space on one device, with the overhead fitted on whole networks."""

    space: str
    device: str
    device_name: str
    torch_version: str
    threads: int | None
    batch_size: int
    date: str
    input: tuple[int, ...]
    entries: dict[str, TableEntry]
    overhead: Overhead = field(default_factory=Overhead)
    channels_last: bool = False
    cover: dict[str, Any] = field(default_factory=dict)
    fit: dict[str, Any] = field(default_factory=dict)
    _estimates: dict[str, float] = field(default_factory=dict, init=False, repr=False, compare=False)

    # ------------------------------------------------------------------------------------------- prediction

    def predict(self, spec: ArchSpec, *, strict: bool = False) -> float:
        """Predicted latency of `spec` in seconds; `strict` refuses specs with entries the table lacks."""
        return self.prediction(spec, strict=strict).seconds

    def prediction(self, spec: ArchSpec, *, strict: bool = False) -> Prediction:
        """The predicted latency of `spec`, with the entries it had to estimate."""
        entries = spec_entries(spec)
        total, estimated = 0.0, []
        for entry in entries:
            known = self.entries.get(entry.key)
            if known is not None:
                total += known.median
                continue
            if strict:
                raise NasboxError(f"the latency table of space {self.space!r} has no entry {entry.key} (used by "
                                  f"{spec.name}); rebuild the table with nasbox latency-table")
            total += self.estimate(entry)
            estimated.append(entry.key)
        overhead = self.overhead(len(entries))
        seconds = total + overhead if total + overhead > 0 else total
        return Prediction(seconds, len(entries), overhead, tuple(estimated))

    def estimate(self, entry: Entry) -> float:
        """Seconds for an entry the table lacks, from the nearest measured entry of its family."""
        cached = self._estimates.get(entry.key)
        if cached is not None:
            return cached
        members = [known for known in self.entries.values() if known.family == entry.family]
        if not members:
            raise NasboxError(f"the latency table of space {self.space!r} has no entry {entry.key} nor any entry "
                              f"of its family {entry.family}; rebuild the table for the space this network comes "
                              "from with nasbox latency-table")
        work, elements = math.log(entry.work), math.log(entry.elements)
        near = min(members, key=lambda m: (math.log(m.work) - work) ** 2
                   + (math.log(m.elements) - elements) ** 2)
        seconds = near.median * entry.work / near.work
        self._estimates[entry.key] = seconds
        return seconds

    # ------------------------------------------------------------------------------------------- compatibility

    def compatibility_warnings(self, *, space: str | None, device: str | None, threads: int | None,
                               batch_size: int | None = None, device_name: str | None = None,
                               torch_version: str | None = None) -> list[str]:
        """How the setting the table is used in differs from the one it was measured in, as warnings (a table of
        another space is an error; `space=None` skips that test).

        `device` is the device this run measures on, with `threads` CPU threads; None when the run only predicts
        (a table measured on the target device may drive a search on another machine: nothing to compare then
        but the batch size). `device_name` and `torch_version` default to this machine's."""
        if space is not None and space != self.space:
            raise NasboxError(f"the latency table was built for space {self.space!r}, not {space!r}; build one for "
                              f"{space!r} with nasbox latency-table --space {space}")
        warnings = []
        if batch_size is not None and batch_size != self.batch_size:
            warnings.append(f"the table was measured at batch {self.batch_size}, this run uses batch {batch_size}")
        if device is not None:
            warnings += self._device_differences(device, threads, device_name, torch_version)
        return [f"{warning}; its predictions may be off (rebuild the table here to be sure)" for warning in warnings]

    def _device_differences(self, device: str, threads: int | None, device_name: str | None,
                            torch_version: str | None) -> list[str]:
        from nasbox.devices import device_name as name_of
        from nasbox.devices import resolve_device

        if torch_version is None:
            import torch

            torch_version = torch.__version__
        if device_name is None:
            device_name = name_of(resolve_device(device))
        differences = []
        if _kind(device) != _kind(self.device):
            differences.append(f"the table was measured on {self.device}, this run uses {device}")
        if device_name != self.device_name:
            differences.append(f"the table was measured on {self.device_name!r}, this machine's {device} is "
                               f"{device_name!r}")
        if torch_version != self.torch_version:
            differences.append(f"the table was measured with torch {self.torch_version}, this is torch "
                               f"{torch_version}")
        if _kind(device) == "cpu" and threads != self.threads:
            differences.append(f"the table was measured with {self.threads} CPU thread(s), this run uses {threads}")
        return differences

    # ------------------------------------------------------------------------------------------- file

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "version": VERSION, "space": self.space, "device": self.device,
            "device_name": self.device_name, "torch_version": self.torch_version, "threads": self.threads,
            "batch_size": self.batch_size, "channels_last": self.channels_last, "date": self.date,
            "input": list(self.input), "overhead": asdict(self.overhead), "cover": self.cover, "fit": self.fit,
            "entries": {key: asdict(entry) for key, entry in self.entries.items()},
        }

    @classmethod
    def from_dict(cls, data: Any, source: str = "<table>") -> LatencyTable:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise NasboxError(f"{source}: not a nasbox latency table; build one with nasbox latency-table")
        if data.get("version") != VERSION:
            raise NasboxError(f"{source}: latency table format version {data.get('version')!r}, this nasbox reads "
                              f"version {VERSION}; rebuild the table with nasbox latency-table")
        try:
            return cls(
                space=str(data["space"]), device=str(data["device"]), device_name=str(data["device_name"]),
                torch_version=str(data["torch_version"]), threads=data["threads"],
                batch_size=int(data["batch_size"]), date=str(data["date"]), input=tuple(data["input"]),
                entries={str(k): TableEntry(**v) for k, v in data["entries"].items()},
                overhead=Overhead(**data["overhead"]), channels_last=bool(data.get("channels_last", False)),
                cover=dict(data.get("cover", {})), fit=dict(data.get("fit", {})))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise NasboxError(f"{source}: damaged latency table ({exc.__class__.__name__}: {exc}); rebuild it with "
                              "nasbox latency-table") from None

    def save(self, path: str | Path) -> None:
        """Write the table as JSON, atomically: a reader sees the old file or the new one, never half of one."""
        path = Path(path)
        text = json.dumps(self.to_dict(), indent=1)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
        except OSError as exc:
            raise NasboxError(f"{path}: cannot write there ({exc.strerror}); choose a writable path") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise NasboxError(f"{path}: cannot write it ({exc.strerror}); choose a writable path") from None

    @classmethod
    def load(cls, path: str | Path) -> LatencyTable:
        text = read_text(path)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise NasboxError(f"{path}:{exc.lineno}:{exc.colno}: malformed JSON ({exc.msg}); rebuild the table with "
                              "nasbox latency-table") from None
        return cls.from_dict(data, str(path))


def _kind(device: str) -> str:
    return device.split(":", 1)[0]
