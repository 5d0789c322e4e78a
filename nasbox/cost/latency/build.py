"""Building a latency table from its cover: the entries of the cover's networks, their measurement, and the
overhead fit.

**The cover.** A table measures the distinct entries (primitive, configuration, input shape) that a set of
networks executes, and is labelled with the space they come from. Which networks cover a space well is the
space's business (the search spaces' `table_cover`: networks drawn with a seeded RNG plus its zoo points); this
module takes the specs and never reads a space.

**Measurement.** Each entry runs in its own harness (the builder's module on a random input) with torch's
thread count set, under inference mode: warm-up calls, then timed calls until about `ENTRY_TIME` has been spent
(at least `MIN_REPEATS`, at most `MAX_REPEATS`), split over `PASSES` passes through all the entries so that a
load that comes and goes on the machine touches all entries alike; the entry's figure is the median of its runs.

**The overhead.** `fit_networks` of the sampled networks are measured end to end, and the overhead
`intercept + per_entry × entries` is fitted to what their entries' sum misses, by least squares on the relative
error (the goal is a percentage).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nasbox.arch.spec import ArchSpec
from nasbox.cost.latency.entries import Entry, spec_entries
from nasbox.cost.latency.measure import PASSES, check_counts, measure_networks, summarize, time_calls
from nasbox.cost.latency.table import LatencyTable, Overhead, TableEntry
from nasbox.devices import device_name, resolve_device, torch_threads
from nasbox.errors import NasboxError

if TYPE_CHECKING:
    import torch

ENTRY_WARMUP = 2
ENTRY_TIME = 0.03
MIN_REPEATS = 6
MAX_REPEATS = 24
FIT_WARMUP = 3
FIT_REPEATS = 30

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Cover:
    """What a table is built from: the networks whose entries it measures, those measured end to end to fit its
    overhead, the label it records (`space`, the space they come from, which `compatibility_warnings` checks), and
    `notes` on how they were chosen (kept in the table's `cover`, beside its count of entries)."""

    space: str
    networks: Sequence[ArchSpec]
    fit: Sequence[ArchSpec]
    notes: Mapping[str, Any] = field(default_factory=dict)


def build_table(cover: Cover, *, device: str = "cpu", threads: int | None = 1, batch_size: int = 1,
                channels_last: bool = False, progress: Progress | None = None) -> LatencyTable:
    """Measure the latency table of `cover`'s networks on `device` (a space's `table_cover` draws one).

    `progress(stage, done, total)` is called as entries and networks are measured (stages 'entries', 'networks')."""
    if not cover.networks:
        raise NasboxError("a latency table needs networks to measure; give its cover one or more")
    inputs = {tuple(spec.input) for spec in cover.networks}
    if len(inputs) > 1:
        raise NasboxError(f"the networks of a latency table share one input shape, these take {sorted(inputs)}; "
                          "give a cover of one space")
    if len(cover.fit) < 2:
        raise NasboxError(f"a latency table's overhead is fitted on 2 or more networks, its cover gives "
                          f"{len(cover.fit)}; give it more")
    check_counts(0, 1, batch_size)
    target = resolve_device(device)
    entries: dict[str, Entry] = {}
    for spec in cover.networks:
        for entry in spec_entries(spec):
            entries.setdefault(entry.key, entry)
    with torch_threads(threads if target.type == "cpu" else None) as used:
        measured = measure_entries(list(entries.values()), target, batch_size, channels_last, progress)
        table = LatencyTable(
            space=cover.space, device=str(target), device_name=device_name(target), torch_version=_torch_version(),
            threads=used if target.type == "cpu" else None, batch_size=batch_size,
            date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), input=inputs.pop(),
            entries=measured, channels_last=channels_last, cover={**cover.notes, "entries": len(measured)})
        fit_overhead(table, list(cover.fit), str(target), batch_size, progress)
    return table


def measure_entries(entries: list[Entry], device: torch.device, batch_size: int, channels_last: bool,
                    progress: Progress | None = None, passes: int = PASSES) -> dict[str, TableEntry]:
    """Each entry's median seconds and IQR, measured in its own harness, in `passes` passes through all entries."""
    from nasbox.cost.latency.harness import entry_runner

    samples: list[list[float]] = [[] for _ in entries]
    repeats: list[int] = []
    for done in range(passes * len(entries)):
        i = done % len(entries)
        run = entry_runner(entries[i], device, batch_size, channels_last)
        warm = time_calls(run, device, 0, ENTRY_WARMUP)
        if done < len(entries):
            share = ENTRY_TIME / passes / max(min(warm), 1e-9)
            repeats.append(max(-(-MIN_REPEATS // passes), min(MAX_REPEATS // passes, round(share))))
        samples[i] += time_calls(run, device, 0, repeats[i])
        if progress is not None:
            progress("entries", done + 1, passes * len(entries))
    measured = {}
    for entry, times in zip(entries, samples, strict=True):
        median, iqr = summarize(times)
        measured[entry.key] = TableEntry(entry.family, entry.macs, entry.elements, median, iqr)
    return measured


def fit_overhead(table: LatencyTable, specs: list[ArchSpec], device: str, batch_size: int,
                 progress: Progress | None = None) -> None:
    """Measure `specs` end to end and fit `table.overhead` to what the sum of their entries misses."""
    import numpy as np

    runs = measure_networks(specs, device=device, threads=None, batch_size=batch_size,
                            channels_last=table.channels_last, warmup=FIT_WARMUP, repeats=FIT_REPEATS,
                            progress=progress)
    entries = [spec_entries(spec) for spec in specs]
    measured = np.array([run.median for run in runs])
    summed = np.array([sum(table.entries[e.key].median for e in found) for found in entries])
    counts = np.array([len(found) for found in entries], dtype=float)
    design = np.stack([np.ones_like(counts), counts], axis=1) / measured[:, None]
    (intercept, per_entry), *_ = np.linalg.lstsq(design, (measured - summed) / measured, rcond=None)
    table.overhead = Overhead(float(intercept), float(per_entry))
    errors = np.abs((summed + intercept + per_entry * counts) / measured - 1)
    table.fit = {"networks": len(specs), "mape": float(errors.mean()), "max_error": float(errors.max()),
                 "sum_share": float((summed / measured).mean())}


def _torch_version() -> str:
    import torch

    return torch.__version__
