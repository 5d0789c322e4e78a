"""The published NAS-Bench-201 table: accuracy per dataset and training seed, params and measured device latencies
of all 15,625 cells, read once per process from the packaged `table.npz` (sources and licences: NOTICE.md).

`lookup(arch)` gives one cell's figures as a `CellRecord`; `table()` gives whole columns for studies, as read-only
numpy arrays in arch-index order (`nasbox.nb201.arch.arch_index`, the row of `table().archs()`).

Accuracies are the benchmark's validation accuracy (%) after its 200-epoch training; `cifar10` is the cifar10-valid
split (trained on 25k CIFAR-10 training images, validated on the other 25k), `imagenet16` is ImageNet16-120. Seeds 0
and 1 exist for every cell, seed 2 for 8,169 of them (NaN in the columns, left out of a `CellRecord`).

Suspect latencies: 202 `pixel3` and 157 `raspi4` values lie below 0.1 ms, where the devices' other values are
milliseconds; they look recorded in seconds. They are kept as published, never rescaled, and flagged:
`CellRecord.suspect_latency` names the devices whose value is suspect, `Table.suspect_latency(device)` is the mask,
and `Table.latency(device, suspect_as_nan=True)` blanks them. The flag is the 0.1 ms rule only: below 3 ms lie also
924 more pixel3 and 316 more raspi4 values, some far below what pixel2 measures for the same cell; they are not
flagged, so check a study's conclusions on those two devices without them.

The file stores every CSV column (a dataset's seed columns together, one row per cell) as integers in units of
10**-d of the CSV's unit under the key `<column>__e<d>`, -1 where the CSV is empty: int / 10**d is the very float
that the CSV's text parses to. `experiments/nb201/pack_table.py` writes it.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from nasbox.errors import NasboxError
from nasbox.nb201.arch import CELLS, EDGES, OPS, arch_index, check_ops, format_arch, index_ops, parse_arch

DATASETS = ("cifar10", "cifar100", "imagenet16")
DATASET_COLUMNS = {"cifar10": "cifar10_valid_acc", "cifar100": "cifar100_acc", "imagenet16": "imagenet16_120_acc"}
SEEDS = (0, 1, 2)
_GPUS = ("1080ti", "2080ti", "titan_rtx", "titanx", "titanxp")
_KINDS = {"gold_6226": "CPU", "gold_6240": "CPU", "silver_4114": "CPU", "silver_4210r": "CPU",
          "essential_ph_1": "phone", "pixel2": "phone", "pixel3": "phone", "samsung_a50": "phone",
          "samsung_s7": "phone", "raspi4": "Raspberry Pi 4", "eyeriss": "ASIC (Eyeriss)", "fpga": "FPGA"}
# the CSV's `lat_ms_<device>` suffixes; on a GPU the suffix _1, _32 or _256 is the batch size, elsewhere it is 1
DEVICES = (*(f"{gpu}_{batch}" for gpu in _GPUS for batch in (1, 32, 256)), *_KINDS)
SUSPECT_BELOW_MS = 0.1
OTHER_COLUMNS = ("params_mb", "train_time_s_cifar10", "nb201_latency_s")
NOTE = ("published 200-epoch accuracy, %, cifar10 = the cifar10-valid split (trained on 25k CIFAR-10 training "
        "images, validated on the other 25k), imagenet16 = ImageNet16-120")


@dataclass(frozen=True)
class CellRecord:
    """One cell's published figures. `accuracy` holds each dataset's present seeds in seed order (0, 1 and, where
    trained, 2); `latency_ms` is per device of `DEVICES`, as published even where `suspect_latency` names it."""

    arch: str
    index: int
    ops: tuple[int, ...]
    connected: bool
    accuracy: Mapping[str, tuple[float, ...]]
    mean_accuracy: Mapping[str, float]
    params_mb: float
    latency_ms: Mapping[str, float]
    suspect_latency: tuple[str, ...]
    train_time_s: float
    nb201_latency_s: float

    def to_dict(self, datasets: Sequence[str] = DATASETS, devices: Sequence[str] = DEVICES) -> dict[str, Any]:
        """JSON-ready figures, for the given datasets and devices."""
        return {
            "arch": self.arch, "index": self.index, "ops": list(self.ops), "connected": self.connected,
            "params_mb": self.params_mb,
            "accuracy": {d: {"seeds": list(self.accuracy[d]), "mean": self.mean_accuracy[d]} for d in datasets},
            "latency_ms": {d: {"ms": self.latency_ms[d], "batch": device_batch(d), "kind": device_kind(d),
                               "suspect": d in self.suspect_latency} for d in devices},
            "train_time_s_cifar10": self.train_time_s, "nb201_latency_s": self.nb201_latency_s,
        }


class Table:
    """The whole table as columns in arch-index order; every array is read-only (the table is shared)."""

    def __init__(self, columns: Mapping[str, np.ndarray]) -> None:
        self._columns = dict(columns)
        self.params_mb: np.ndarray = columns["params_mb"]
        self.train_time_s: np.ndarray = columns["train_time_s_cifar10"]  # the benchmark's, on cifar10, GPU
        self.nb201_latency_s: np.ndarray = columns["nb201_latency_s"]  # the benchmark's own, GPU
        self._means = {d: _frozen(np.nanmean(self.accuracies(d), axis=1)) for d in DATASETS}
        self._suspect = {d: _frozen(columns[f"lat_ms_{d}"] < SUSPECT_BELOW_MS) for d in DEVICES}
        places = len(OPS) ** np.arange(len(EDGES) - 1, -1, -1)  # the base-5 digits of arch_index
        self._ops = _frozen((np.arange(CELLS)[:, None] // places % len(OPS)).astype(np.int8))
        self._connected = _frozen(_connected_columns(self._ops))
        self._archs: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return CELLS

    def column(self, name: str) -> np.ndarray:
        """A column under its name in the published CSV (e.g. `cifar100_acc_seed2`, `lat_ms_pixel3`), NaN where
        the CSV is empty."""
        seed = re.fullmatch(r"(.*)_seed(\d)", name)
        if seed and seed[1] in self._columns and int(seed[2]) in SEEDS:
            return self._columns[seed[1]][:, int(seed[2])]
        if name not in self._columns or name in DATASET_COLUMNS.values():
            raise NasboxError(f"column {name!r} is not in the NAS-Bench-201 CSV; use one of its numeric columns, "
                              "such as cifar10_valid_acc_seed0, params_mb or lat_ms_pixel3")
        return self._columns[name]

    def accuracies(self, dataset: str) -> np.ndarray:
        """Cells × seeds (0, 1, 2) accuracy on `dataset`, %, NaN where a seed was not trained."""
        return self._columns[DATASET_COLUMNS[check_dataset(dataset)]]

    def accuracy(self, dataset: str, seed: int) -> np.ndarray:
        """One seed's accuracy on `dataset`, %, NaN where that seed was not trained (seed 2 on 7,456 cells)."""
        if seed not in SEEDS:
            raise NasboxError(f"seed {seed!r}: NAS-Bench-201 has training seeds 0, 1 and 2")
        return self.accuracies(dataset)[:, seed]

    def mean_accuracy(self, dataset: str) -> np.ndarray:
        """The mean over the trained seeds of the accuracy on `dataset`, %."""
        return self._means[check_dataset(dataset)]

    def latency(self, device: str, *, suspect_as_nan: bool = False) -> np.ndarray:
        """Measured latency on `device`, ms, as published; with `suspect_as_nan`, NaN where it is suspect."""
        values = self._columns[f"lat_ms_{check_device(device)}"]
        if suspect_as_nan:
            return _frozen(np.where(self._suspect[device], np.nan, values))
        return values

    def suspect_latency(self, device: str) -> np.ndarray:
        """Where `device`'s published latency is suspect (below 0.1 ms; pixel3 and raspi4 only)."""
        return self._suspect[check_device(device)]

    def ops(self) -> np.ndarray:
        """Cells × edges op indices (into `OPS`, in `EDGES` order)."""
        return self._ops

    def connected(self) -> np.ndarray:
        """Whether each cell's output is reachable from its input (see `nasbox.nb201.arch.connected`)."""
        return self._connected

    def archs(self) -> tuple[str, ...]:
        """Every cell's arch string, in row order."""
        if self._archs is None:
            self._archs = tuple(format_arch(ops) for ops in self._ops.tolist())
        return self._archs

    def record(self, index: int) -> CellRecord:
        """The figures of the cell at row `index`."""
        ops = index_ops(index)
        return CellRecord(
            arch=format_arch(ops), index=index, ops=ops, connected=bool(self._connected[index]),
            accuracy={d: tuple(float(a) for a in self.accuracies(d)[index] if not np.isnan(a)) for d in DATASETS},
            mean_accuracy={d: float(self._means[d][index]) for d in DATASETS},
            params_mb=float(self.params_mb[index]),
            latency_ms={d: float(self.latency(d)[index]) for d in DEVICES},
            suspect_latency=tuple(d for d in DEVICES if self._suspect[d][index]),
            train_time_s=float(self.train_time_s[index]), nb201_latency_s=float(self.nb201_latency_s[index]))


@functools.cache
def table() -> Table:
    """The packaged table, read on first use and shared by the process."""
    resource = importlib.resources.files(__package__).joinpath("table.npz")
    try:
        with resource.open("rb") as file:
            return load_table(file)
    except FileNotFoundError:
        raise NasboxError("the NAS-Bench-201 table nasbox/nb201/table.npz is missing from this install; reinstall "
                          "nasbox (in a source tree, run experiments/nb201/pack_table.py)") from None


def lookup(arch: str | Sequence[int]) -> CellRecord:
    """The published figures of a cell, given as an arch string or as its six op indices."""
    ops = parse_arch(arch) if isinstance(arch, str) else check_ops(arch)
    return table().record(arch_index(ops))


def load_table(source: str | Path | IO[bytes]) -> Table:
    """A table from an npz file written by experiments/nb201/pack_table.py (numeric arrays only, no pickle)."""
    columns = {}
    with np.load(source, allow_pickle=False) as npz:
        for key in npz.files:
            name, separator, decimals = key.rpartition("__e")
            if not separator or not decimals.isdigit():
                raise NasboxError(f"{source}: {key!r} is not a column of experiments/nb201/pack_table.py; pack the "
                                  "table again with it")
            stored = npz[key]
            values = stored.astype(np.float64) / float(10 ** int(decimals))
            values[stored < 0] = np.nan
            columns[name] = _frozen(values)
    expected = {*DATASET_COLUMNS.values(), *OTHER_COLUMNS, *(f"lat_ms_{d}" for d in DEVICES)}
    if missing := sorted(expected - set(columns)):
        raise NasboxError(f"{source}: no column {', '.join(missing)}; pack the table again with "
                          "experiments/nb201/pack_table.py")
    if wrong := sorted(name for name, values in columns.items() if len(values) != CELLS):
        raise NasboxError(f"{source}: {', '.join(wrong)} do not have {CELLS} rows; pack the table again with "
                          "experiments/nb201/pack_table.py")
    return Table(columns)


def check_dataset(name: str) -> str:
    """`name` if it is a dataset of the table, else a NasboxError listing them."""
    if name not in DATASETS:
        raise NasboxError(f"dataset {name!r} is not in the NAS-Bench-201 table; use {_either(DATASETS)}")
    return name


def check_device(name: str) -> str:
    """`name` if the table has latencies on it, else a NasboxError listing the devices."""
    if name not in DEVICES:
        raise NasboxError(f"device {name!r} is not in the NAS-Bench-201 latency table; use {_either(DEVICES)}")
    return name


def device_batch(device: str) -> int:
    """The batch size of `device`'s latencies: the suffix _1, _32 or _256 on a GPU, else 1."""
    return int(check_device(device).rpartition("_")[2]) if device.startswith(_GPUS) else 1


def device_kind(device: str) -> str:
    """GPU, CPU, phone, Raspberry Pi 4, ASIC (Eyeriss) or FPGA."""
    return _KINDS.get(check_device(device), "GPU")


def _connected_columns(ops: np.ndarray) -> np.ndarray:
    """`connected` of every row of `ops` at once: which nodes a non-`none` path from node 0 reaches."""
    reached = {0: np.ones(len(ops), dtype=bool)}
    for edge, (target, source) in enumerate(EDGES):
        through = reached[source] & (ops[:, edge] != 0)
        reached[target] = reached.get(target, np.zeros(len(ops), dtype=bool)) | through
    return reached[3]


def _frozen(values: np.ndarray) -> np.ndarray:
    values.setflags(write=False)
    return values


def _either(names: Sequence[str]) -> str:
    return f"{', '.join(names[:-1])} or {names[-1]}"
