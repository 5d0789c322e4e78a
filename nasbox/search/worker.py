"""One worker of a search: it takes the next trial from the scheduler, trains it, and goes on until none is left
to start, the deadline has passed or it is told to stop.

Several workers may share one run directory: they meet only in the journal storage, under the run directory's ask
lock. A worker in its own process is started as nasbox's own program (`python -m nasbox.search.worker RUN ...`),
which reads the run's settings from the run directory, so a search started from a plain script, a notebook or the
CLI starts its workers the same way (multiprocessing's spawn would re-run the caller's script instead).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from nasbox.search.config import SearchConfig
from nasbox.search.rundir import RunDir
from nasbox.search.scheduling import Scheduler
from nasbox.search.study import Studies, make_sampler, worker_seed
from nasbox.search.target import Target
from nasbox.search.training import train

if TYPE_CHECKING:
    from nasbox.evaluators import Evaluator
    from nasbox.proxy import ProxyData
    from nasbox.space.space import Space


class Worker:
    """Everything one process needs to run trials of a search."""

    def __init__(self, config: SearchConfig, run: RunDir, index: int = 0, data: ProxyData | None = None) -> None:
        from nasbox.report.tensorboard import SearchBoard
        from nasbox.space import load_space

        self.config, self.run = config, run
        self.space = load_space(config.space)
        self.scheduler = open_scheduler(config, run, self.space, index)
        self.studies = self.scheduler.studies
        self.board = SearchBoard(run.tensorboard)
        self._data = data
        self._evaluator: Evaluator | None = None

    @property
    def data(self) -> ProxyData:
        """The proxy dataset, prepared on first use (a worker that finds nothing to do never loads it)."""
        if self._data is None:
            from nasbox.search.data import load_proxy_data

            self._data = load_proxy_data(self.config)
        return self._data

    @property
    def evaluator(self) -> Evaluator:
        """How this worker scores a trial: the run's proxy training on its data."""
        if self._evaluator is None:
            from nasbox.evaluators import ProxyTraining

            self._evaluator = ProxyTraining(self.config.proxy, self.data)
        return self._evaluator

    def run_trials(self, deadline: float | None, stop: threading.Event | None = None,
                   on_trial: Callable[[], None] | None = None) -> None:
        """Train trials until none is left to start, `deadline` (a time.monotonic() value) has passed, or `stop`
        is set."""
        while stop is None or not stop.is_set():
            job = self.scheduler.next_job(deadline)
            if job is None:
                return
            train(job, self.config, self.evaluator, self.board, self.space, self.run.path)
            if on_trial is not None:
                on_trial()


def open_scheduler(config: SearchConfig, run: RunDir, space: Space, index: int) -> Scheduler:
    """The scheduler of asker `index` (a worker, or the Ray searcher): the run's studies with a sampler seeded for
    that asker and for how far the run got, so that askers and resumed invocations do not replay proposals."""
    trials_so_far = len(Studies.open(run, config.objectives).search.get_trials(deepcopy=False))
    sampler = make_sampler(config.sampler, worker_seed(config.seed, index, trials_so_far))
    return Scheduler(config, run, Studies.open(run, config.objectives, sampler), space, Target(config))


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of a worker process started by `run_search`: it dies with its parent, then runs trials."""
    import torch

    parser = argparse.ArgumentParser(prog="python -m nasbox.search.worker")
    parser.add_argument("run_dir")
    parser.add_argument("--index", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--deadline-in", type=float, default=None)
    args = parser.parse_args(argv)
    die_with_parent(args.parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    torch.set_num_threads(args.threads)
    deadline = time.monotonic() + args.deadline_in if args.deadline_in is not None else None
    run = RunDir(args.run_dir)
    Worker(run.invocation(), run, args.index).run_trials(deadline)


def die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies, so a killed search leaves no orphan training on (and
    end at once when the parent is already gone)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:
        sys.exit(1)


if __name__ == "__main__":
    main()
