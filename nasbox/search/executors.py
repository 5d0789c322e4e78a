"""How a search's trials run: one executor per backend, registered by name in `EXECUTORS`, each owning its settings
and their checks. The search (`run_search`) asks the registry for `--backend`'s executor and never branches on the
name; another engine (a GPU pool, another cluster manager) is one more subclass.

Every executor runs trials the same way underneath: it asks the run's study for the next trial through a
`Scheduler` and scores it with `nasbox.search.training.train`, so the study stays the one record.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from nasbox.errors import NasboxError

if TYPE_CHECKING:
    from nasbox.proxy import ProxyData
    from nasbox.search.config import SearchConfig
    from nasbox.search.rundir import RunDir


class Executor(ABC):
    """Runs a search's trials until none is left to start, the deadline passes or `stop` is set."""

    name: ClassVar[str]
    label: ClassVar[str]
    """How messages name it: 'local', 'Ray'."""
    settings: ClassVar[tuple[str, ...]] = ()
    """The config settings only this executor takes."""

    def check(self, config: SearchConfig, given: dict[str, Any]) -> None:
        """Refuse settings (`given`: those the user set) that do not fit this executor, in one line."""
        from nasbox.search.config import flag

        for other in EXECUTORS.values():
            foreign = [name for name in other.settings if other is not type(self) and name in given]
            if foreign:
                raise NasboxError(f"{flag(foreign[0])}: a setting of the {other.label} backend; add --backend "
                                  f"{other.name}, or leave it out")

    def connect(self, config: SearchConfig) -> Callable[[], None] | None:
        """Start or join what runs the trials, before the run directory is touched (so a cluster that does not
        answer leaves nothing behind); returns how to let it go, or None when there is nothing to."""
        return None

    @abstractmethod
    def run(self, config: SearchConfig, run: RunDir, data: ProxyData, deadline: float | None,
            stop: threading.Event) -> None:
        """Run the trials of the run directory (`data`: the proxy data this process loaded, for an executor that
        trains here)."""


class LocalProcesses(Executor):
    """Worker processes on this machine sharing the run's journal (one worker runs in this process)."""

    name = "local"
    label = "local"

    def run(self, config: SearchConfig, run: RunDir, data: ProxyData, deadline: float | None,
            stop: threading.Event) -> None:
        from nasbox.search.worker import Worker

        jobs, threads = config.workers(data.train_images.is_cuda)
        if jobs == 1:
            Worker(config, run, 0, data).run_trials(deadline, stop=stop)
        else:
            _run_processes(run, deadline, jobs, threads, stop)


class RayTune(Executor):
    """Ray Tune on a local Ray or a cluster (`nasbox.search.ray_tune`)."""

    name = "ray"
    label = "Ray"
    settings = ("address", "cpus_per_trial", "gpus_per_trial", "max_concurrent", "max_failures")

    def check(self, config: SearchConfig, given: dict[str, Any]) -> None:
        """Ray is installed (checked without importing it, which takes seconds) and no local worker count is
        given."""
        super().check(config, given)
        if "jobs" in given:
            raise NasboxError("--jobs: the local backend's worker count; with --backend ray give --max-concurrent N "
                              "(and --cpus-per-trial C) instead")
        if importlib.util.find_spec("ray") is None:
            raise NasboxError("--backend ray: Ray is not installed; install it with pip install 'nasbox[ray]'")

    def connect(self, config: SearchConfig) -> Callable[[], None]:
        from nasbox.search.ray_tune import connect

        return connect(config).stop

    def run(self, config: SearchConfig, run: RunDir, data: ProxyData, deadline: float | None,
            stop: threading.Event) -> None:
        from nasbox.search.ray_tune import run_on_ray

        run_on_ray(config, run, deadline, stop)


EXECUTORS: dict[str, type[Executor]] = {LocalProcesses.name: LocalProcesses, RayTune.name: RayTune}


def executor(name: str) -> Executor:
    """The executor of backend `name` (a name `make_config` has checked)."""
    return EXECUTORS[name]()


def _run_processes(run: RunDir, deadline: float | None, jobs: int, threads: int, stop: threading.Event) -> None:
    """Run `jobs` worker processes (nasbox's own program, reading the run directory) and wait for them; they are
    killed when `stop` is set or this process is interrupted."""
    from nasbox.processes import run_workers

    remaining = deadline - time.monotonic() if deadline is not None else None
    arguments = [str(run.path), "--threads", str(threads),
                 *(["--deadline-in", str(remaining)] if remaining is not None else [])]
    codes = run_workers("nasbox.search.worker", arguments, jobs, stop)
    crashed = [f"nasbox-worker-{i}" for i, code in enumerate(codes) if code != 0 and not stop.is_set()]
    if crashed:
        raise NasboxError(f"{', '.join(crashed)} stopped with an error (see above); rerun the same command to resume")
