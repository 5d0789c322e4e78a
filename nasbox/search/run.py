"""`run_search`: check everything the user gave before writing anything, then run (or resume) the search in its
run directory with one or more workers, and return where it ended."""

from __future__ import annotations

import multiprocessing
import sys
import time
from pathlib import Path

from nasbox.devices import select_device
from nasbox.errors import NasboxError
from nasbox.search.config import SearchConfig
from nasbox.search.figures import TargetFigures
from nasbox.search.progress import Monitor
from nasbox.search.results import Snapshot
from nasbox.search.rundir import RunDir
from nasbox.search.study import BASELINE, counts_as_finished, is_searched, repair_interrupted
from nasbox.search.worker import Worker, enqueue_baselines, load_proxy_data, worker_process


class SearchOutcome:
    """How a search ended: its final snapshot, run directory and what this invocation did."""

    def __init__(self, snapshot: Snapshot, run: RunDir, resumed: bool, repaired: list[int], seconds: float,
                 new_trials: int) -> None:
        self.snapshot, self.run, self.resumed, self.repaired = snapshot, run, resumed, repaired
        self.seconds, self.new_trials = seconds, new_trials


def run_search(config: SearchConfig, *, progress: bool = True) -> SearchOutcome:
    """Run or resume the search `config` describes; see the module docstring."""
    import torch

    from nasbox.space import load_space
    from nasbox.space.budget import check_reachable

    started = time.monotonic()
    space = load_space(config.space)
    check_reachable(space, config.budget)
    select_device(config.device)
    figures = TargetFigures(config)
    for warning in figures.check(space):
        sys.stderr.write(f"nasbox search: warning: {warning}\n")
    data = load_proxy_data(config)
    run = RunDir(config.run_dir or config.default_run_dir())
    resumed = run.check_resumable(config)
    run.path.mkdir(parents=True, exist_ok=True)
    with run.exclusive():
        run.create(config)
        jobs, threads = config.workers(data.train_images.is_cuda)
        torch.set_num_threads(threads)
        worker = Worker(config, run, index=0, data=data, figures=figures)
        repaired = repair_interrupted(worker.search) + repair_interrupted(worker.zoo)
        enqueue_baselines(worker.search, worker.zoo, list(worker.baselines.values()), worker.figures)
        worker.publish()
        before = _finished(worker)
        deadline = started + config.timeout if config.timeout is not None else None
        monitor = _monitor(worker, config, deadline) if progress else None
        try:
            if jobs == 1:
                worker.run_trials(deadline)
            else:
                _run_processes(config, run, deadline, jobs, threads)
        finally:
            snapshot = monitor.stop() if monitor is not None else _snapshot(worker)
            worker.publish()
    return SearchOutcome(snapshot, run, resumed, repaired, time.monotonic() - started, _finished(worker) - before)


def _snapshot(worker: Worker) -> Snapshot:
    from nasbox.search.results import take_snapshot

    return take_snapshot(worker.search, worker.zoo, worker.space, worker.baselines, worker.config)


def _finished(worker: Worker) -> int:
    return sum(counts_as_finished(t) for t in [*worker.search.get_trials(deepcopy=False),
                                                *worker.zoo.get_trials(deepcopy=False)])


def _monitor(worker: Worker, config: SearchConfig, deadline: float | None) -> Monitor:
    from optuna.trial import TrialState

    searched = sum(counts_as_finished(t) for t in worker.search.get_trials(deepcopy=False) if is_searched(t))
    waiting = sum(t.state == TrialState.WAITING and BASELINE in t.user_attrs
                  for t in [*worker.search.get_trials(deepcopy=False), *worker.zoo.get_trials(deepcopy=False)])
    total = max(config.trials - searched, 0) + waiting
    return Monitor(worker.run, config, worker.space, worker.baselines, total, deadline).start()


def _run_processes(config: SearchConfig, run: RunDir, deadline: float | None, jobs: int, threads: int) -> None:
    """Run `jobs` worker processes on the shared storage and wait for them."""
    context = multiprocessing.get_context("spawn")
    remaining = deadline - time.monotonic() if deadline is not None else None
    processes = [context.Process(target=worker_process, args=(config, str(Path(run.path)), index, remaining, threads),
                                 name=f"nasbox-worker-{index}") for index in range(jobs)]
    for process in processes:
        process.start()
    try:
        for process in processes:
            process.join()
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()
    crashed = [p.name for p in processes if p.exitcode not in (0, None)]
    if crashed:
        raise NasboxError(f"{', '.join(crashed)} stopped with an error (see above); rerun the same command to resume")

