"""Building a space's latency table: the cover of entries, their measurement, and the overhead fit.

**The cover.** The entries of a space are the distinct (primitive, configuration, input shape) that its networks
execute at the target shape. Enumerating them exactly means enumerating the space, which is astronomically large
for spaces like `inception_resnet`; the set itself is not (a few thousand: widths, kernels and strides repeat).
The table therefore covers the entries of `samples` networks drawn uniformly from the space with a seeded RNG, plus
the zoo networks that are points of it. Entries grow like a saturating curve in the number of networks: at the
default 2000 networks the cover holds 91% of the distinct entries of `mobilenet` (4164 of the 4573 that 20000
networks use) and all but 4 of `inception_resnet`'s 1788. The entries it lacks are rare ones: of networks drawn
later, about 80% of `mobilenet`'s and 98% of `inception_resnet`'s are covered entirely, and the rest have an
entry or two estimated from their family (see `table`).

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
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from nasbox.arch.spec import ArchSpec
from nasbox.cost.latency.entries import Entry, spec_entries
from nasbox.cost.latency.measure import PASSES, check_counts, measure_networks, summarize, time_calls
from nasbox.cost.latency.table import LatencyTable, Overhead, TableEntry
from nasbox.devices import device_name, resolve_device, torch_threads
from nasbox.errors import NasboxError

if TYPE_CHECKING:
    import torch

    from nasbox.space import Space

SAMPLES = 2000
FIT_NETWORKS = 16
ENTRY_WARMUP = 2
ENTRY_TIME = 0.03
MIN_REPEATS = 6
MAX_REPEATS = 24
FIT_WARMUP = 3
FIT_REPEATS = 30

Progress = Callable[[str, int, int], None]


def build_table(space: Space | str, *, device: str = "cpu", threads: int | None = 1, batch_size: int = 1,
                samples: int = SAMPLES, seed: int = 0, fit_networks: int = FIT_NETWORKS,
                channels_last: bool = False, progress: Progress | None = None) -> LatencyTable:
    """Measure the latency table of `space` (a Space or a space name/path) on `device`.

    `progress(stage, done, total)` is called as entries and networks are measured (stages 'entries', 'networks')."""
    from nasbox.space import load_space

    space = load_space(space) if isinstance(space, str) else space
    if samples < 1:
        raise NasboxError(f"--samples: {samples} is not a positive count of networks; give --samples 1 or more")
    if fit_networks < 2:
        raise NasboxError(f"--fit-networks: {fit_networks} is too few to fit the overhead; give 2 or more")
    check_counts(0, 1, batch_size)
    target = resolve_device(device)
    zoo_points, sampled = cover_specs(space, samples, seed)
    entries: dict[str, Entry] = {}
    for spec in zoo_points + sampled:
        for entry in spec_entries(spec):
            entries.setdefault(entry.key, entry)
    with torch_threads(threads if target.type == "cpu" else None) as used:
        measured = measure_entries(list(entries.values()), target, batch_size, channels_last, progress)
        table = LatencyTable(
            space=space.name, device=str(target), device_name=device_name(target), torch_version=_torch_version(),
            threads=used if target.type == "cpu" else None, batch_size=batch_size,
            date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), input=space.input,
            entries=measured, channels_last=channels_last,
            cover={"samples": samples, "seed": seed, "zoo": [s.name for s in zoo_points], "entries": len(measured)})
        fit_overhead(table, sampled[:fit_networks], str(target), batch_size, progress)
    return table


def cover_specs(space: Space, samples: int, seed: int) -> tuple[list[ArchSpec], list[ArchSpec]]:
    """The networks whose entries make the table: the zoo networks that are points of `space`, and `samples`
    networks drawn from a seeded RNG."""
    from nasbox import zoo

    rng = random.Random(seed)
    return [zoo.get(name) for name in space.contains], [space.sample(rng)[1] for _ in range(samples)]


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
