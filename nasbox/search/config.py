"""A search's settings, from defaults, a YAML config file and flags (in that order of precedence).

The settings that decide what a trial's result means (space, budgets, objectives, data, proxy recipe, seed) are
the run's *identity*: resuming a run directory with a different identity is refused (`nasbox.search.identity` adds
the content of the files they name). The rest (trials, timeout, jobs, sampler, baselines, device, threads,
force_resume, early_stopping) steer one invocation and may change between invocations.

So do the executor's settings: `backend` (local worker processes, or Ray Tune) and Ray's (address, CPUs and GPUs
per trial, concurrency, retries). They decide where
and how trials run, not what a finished trial's result means, so a run made by one backend may be resumed by the
other when its identity is the same.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nasbox.errors import NasboxError
from nasbox.files import read_text
from nasbox.objectives import OBJECTIVES, objective
from nasbox.proxy import ProxyConfig
from nasbox.search.executors import EXECUTORS, executor
from nasbox.shares import check_fractions
from nasbox.space.budget import Budget
from nasbox.stopping import NONE, POLICIES
from nasbox.units import LATENCY_UNITS, TIMEOUT_UNITS, parse_count, parse_duration
from nasbox.yaml_io import parse_yaml

SAMPLERS = ("tpe", "nsga2", "random")
BASELINE_MODES = ("budget", "all", "none")
MAX_AUTO_JOBS = 4
_INTEGER = re.compile(r"\s*-?[0-9]+\s*\Z")


@dataclass(frozen=True)
class SearchConfig:
    """Everything `nasbox search` needs; see the module docstring for which fields are the run's identity."""

    space: str
    budget_macs: int | None = None
    budget_params: int | None = None
    budget_latency: float | None = None
    latency_table: str | None = None
    latency_device: str = "cpu"
    latency_threads: int = 1
    objectives: tuple[str, ...] = ("accuracy", "macs")
    dataset: str = "mnist5k"
    data_dir: str | None = None
    subset: int | None = None
    val_fraction: float = 0.15
    test_fraction: float = 0.15
    seed: int = 0
    proxy: ProxyConfig = field(default_factory=ProxyConfig)
    trials: int = 50
    timeout: float | None = None
    jobs: int | None = None
    sampler: str = "tpe"
    baselines: str = "budget"
    device: str = "auto"
    threads: int | None = None
    run_dir: str | None = None
    force_resume: bool = False
    backend: str = "local"
    address: str | None = None
    cpus_per_trial: float = 1.0
    gpus_per_trial: float = 0.0
    max_concurrent: int | None = None
    max_failures: int = 2
    early_stopping: str = "none"

    @property
    def budget(self) -> Budget:
        return Budget(macs=self.budget_macs, params=self.budget_params, latency=self.budget_latency)

    def identity(self) -> dict[str, Any]:
        """The settings a resumed run must share with the run it continues."""
        return {"space": self.space, "budget_macs": self.budget_macs, "budget_params": self.budget_params,
                "budget_latency": self.budget_latency, "latency_table": self.latency_table,
                "latency_device": self.latency_device, "latency_threads": self.latency_threads,
                "objectives": list(self.objectives), "dataset": self.dataset, "data_dir": self.data_dir,
                "subset": self.subset, "val_fraction": self.val_fraction, "test_fraction": self.test_fraction,
                "seed": self.seed,
                "proxy": self.proxy.to_dict()}

    def default_run_dir(self) -> Path:
        """runs/<space>-<budget>, e.g. runs/inception_resnet-600M."""
        limits = [objective(name).format(limit) + objective(name).folder_suffix
                  for name, limit in self.budget.limits().items()]
        return Path("runs") / "-".join([Path(self.space).stem, *(limits or ["unbounded"])])

    def workers(self, cuda: bool) -> tuple[int, int]:
        """Worker processes and CPU threads per worker. By default one single-threaded worker per core (up to
        MAX_AUTO_JOBS) on the CPU, where proxies are too small to use several threads well and OpenMP threads
        that share a core with another process slow down many-fold; one worker with every core on CUDA."""
        cores = os.cpu_count() or 1
        jobs = self.jobs or (1 if cuda else min(cores, MAX_AUTO_JOBS))
        return jobs, self.threads or max(1, cores // jobs)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["objectives"] = list(self.objectives)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchConfig:
        """The config `to_dict` wrote (a run directory's last invocation)."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["objectives"] = tuple(values.get("objectives", ("accuracy", "macs")))
        values["proxy"] = ProxyConfig.from_dict(values.get("proxy") or {})
        return cls(**values)


def _objectives(value: Any, option: str) -> tuple[str, ...]:
    if isinstance(value, str):
        names = tuple(n.strip() for n in value.split(","))
    elif isinstance(value, (list, tuple)) and all(isinstance(n, str) for n in value):
        names = tuple(value)
    else:  # a YAML number, mapping or nested list is no list of objectives
        names = ()
    unknown = [n for n in names if n not in OBJECTIVES]
    if unknown or not names or "accuracy" not in names or len(set(names)) != len(names):
        raise NasboxError(f"{option}: {value!r} is not a list of objectives; give 'accuracy' alone or with any of "
                          f"{', '.join(n for n in OBJECTIVES if n != 'accuracy')}, comma-separated, such as "
                          "accuracy,macs")
    return names


def _choice(value: Any, option: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise NasboxError(f"{option}: unknown value {value!r}; choose one of {', '.join(choices)}")
    return value


def _baselines(value: Any, option: str) -> str:
    """budget, all, none, or a comma-separated list of zoo networks."""
    from nasbox import zoo

    text = str(value)
    return text if text in BASELINE_MODES else ",".join(zoo.parse_names(text, option))


def _integer(minimum: int) -> Any:
    def parse(value: Any, option: str) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not _INTEGER.match(str(value)):
            raise NasboxError(f"{option}: {value!r} is not a whole number; give an integer ≥ {minimum}")
        number = int(value)
        if number < minimum:
            raise NasboxError(f"{option}: must be at least {minimum}, got {number}")
        return number
    return parse


def _number(value: Any, option: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise NasboxError(f"{option}: {value!r} is not a number; give a decimal number such as 0.25") from None


def _text(value: Any, option: str) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or str(value) == "":
        raise NasboxError(f"{option}: {value!r} is not a name or path; give one")
    return str(value)


def _count(value: Any, option: str) -> int:
    return parse_count(str(value), option)


def _latency(value: Any, option: str) -> float:
    return parse_duration(value, option, LATENCY_UNITS)


def _timeout(value: Any, option: str) -> float:
    return parse_duration(value, option, TIMEOUT_UNITS)


def _boolean(value: Any, option: str) -> bool:
    if isinstance(value, bool):
        return value
    raise NasboxError(f"{option}: {value!r} is not true or false; write true or false")


def _positive(value: Any, option: str) -> float:
    number = _number(value, option)
    if not number > 0:
        raise NasboxError(f"{option}: must be above 0, got {number}; give a share of a node's resources such as 0.5")
    return number


def _non_negative(value: Any, option: str) -> float:
    number = _number(value, option)
    if not number >= 0:
        raise NasboxError(f"{option}: must be at least 0, got {number}; give 0 for none or a share such as 0.25")
    return number


def _fraction(value: Any, option: str) -> float:
    number = _number(value, option)
    if not 0 < number < 1:
        raise NasboxError(f"{option}: must be between 0 and 1 (exclusive), got {number}")
    return number


def _share(value: Any, option: str) -> float:
    number = _number(value, option)
    if not 0 <= number < 1:
        raise NasboxError(f"{option}: must be at least 0 and below 1, got {number}")
    return number


# setting → how to parse its flag or config value; proxy settings are keyed by their ProxyConfig field name
SEARCH_SETTINGS = {
    "space": _text, "budget_macs": _count, "budget_params": _count, "budget_latency": _latency,
    "latency_table": _text, "latency_device": _text, "latency_threads": _integer(1), "objectives": _objectives,
    "dataset": _text, "data_dir": _text, "subset": _integer(2), "val_fraction": _fraction, "test_fraction": _share,
    "seed": _integer(0),
    "trials": _integer(1), "timeout": _timeout, "jobs": _integer(1),
    "sampler": lambda v, o: _choice(v, o, SAMPLERS), "baselines": _baselines, "device": _text,
    "threads": _integer(1), "run_dir": _text, "force_resume": _boolean,
    "backend": lambda v, o: _choice(v, o, tuple(EXECUTORS)), "address": _text, "cpus_per_trial": _positive,
    "gpus_per_trial": _non_negative, "max_concurrent": _integer(1), "max_failures": _integer(0),
    "early_stopping": lambda v, o: _choice(v, o, (NONE, *POLICIES)),
}
PROXY_SETTINGS = {
    "epochs": _integer(1), "width_mult": _number, "resolution": _integer(1), "batch_size": _integer(1),
    "optimizer": _text, "lr": _number, "weight_decay": _number, "warmup_epochs": _number, "clip_norm": _number,
    "batch_norm": _text, "relax_strides": _integer(0),
}


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def read_config_file(path: str) -> dict[str, Any]:
    """The settings of a YAML config file whose keys are the flags' names (dashes or underscores)."""
    data = parse_yaml(read_text(path), path, located=True)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise NasboxError(f"{path}: a config file is a mapping of flag names to values, such as 'epochs: 2'")
    settings = {}
    for key, value in data.items():
        name = str(key).replace("-", "_")
        if name not in SEARCH_SETTINGS and name not in PROXY_SETTINGS:
            line = data.key_lines.get(key, data.line)
            raise NasboxError(f"{path}:{line}: unknown setting {key!r}; use the names of 'nasbox search' flags, "
                              "such as budget_macs or epochs")
        if value is not None:
            settings[name] = value
    return settings


def make_config(settings: dict[str, Any]) -> SearchConfig:
    """Parse and check raw settings (strings from flags, values from YAML) into a SearchConfig."""
    parsed = {name: SEARCH_SETTINGS[name](value, flag(name)) for name, value in settings.items()
              if name in SEARCH_SETTINGS and value is not None}
    proxy = {name: PROXY_SETTINGS[name](value, flag(name)) for name, value in settings.items()
             if name in PROXY_SETTINGS and value is not None}
    if "space" not in parsed:
        raise NasboxError("no search space given; pass --space NAME (see 'nasbox spaces') or set 'space' in --config")
    for path in ("data_dir", "latency_table"):
        if path in parsed:
            parsed[path] = str(Path(parsed[path]).expanduser().resolve())
    config = SearchConfig(**parsed, proxy=ProxyConfig(**proxy))
    check_fractions(config.val_fraction, config.test_fraction)
    executor(config.backend).check(config, parsed)
    _check_early_stopping(config)
    return config


def _check_early_stopping(config: SearchConfig) -> None:
    """The early-stopping policy fits the search: a proxy of two epochs or more, and ASHA for one objective."""
    policy = config.early_stopping
    if policy == NONE:
        return
    if policy == "asha" and len(config.objectives) > 1:
        raise NasboxError(f"--early-stopping asha: ranks trials by accuracy alone, and this search has "
                          f"{len(config.objectives)} objectives; give --early-stopping mo-asha, or --objectives "
                          "accuracy")
    if config.proxy.epochs < 2:
        raise NasboxError(f"--early-stopping {policy}: stops trials between epochs, and the proxy trains 1; give "
                          "--epochs 2 or more")
