"""One worker of a search: takes the next trial (a waiting baseline, or a sampled network within the budgets),
trains its proxy, records the result, and publishes the front; until the trial count or the deadline is reached.

Several workers, each a process, may share one run directory: they meet only in the journal storage, under the
run directory's ask lock.
"""

from __future__ import annotations

import math
import signal
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nasbox.errors import NasboxError
from nasbox.search.baselines import Baseline, select_baselines
from nasbox.search.config import SearchConfig
from nasbox.search.figures import TargetFigures, record
from nasbox.search.results import publish, take_snapshot
from nasbox.search.rundir import RunDir
from nasbox.search.study import (
    BASELINE,
    BASELINE_STUDY,
    FAILED,
    INFEASIBLE,
    PROXY_SEED,
    REASON,
    SEARCH_STUDY,
    STATUS,
    counts_as_finished,
    is_searched,
    make_sampler,
    open_storage,
    open_study,
    worker_seed,
)
from nasbox.search.weights import prune as prune_weights
from nasbox.search.weights import save_weights, weights_key

if TYPE_CHECKING:
    import optuna

    from nasbox.arch.spec import ArchSpec
    from nasbox.proxy import ProxyData

MAX_INFEASIBLE_IN_A_ROW = 1000


@dataclass
class Job:
    """A trial to train: its study, the target spec and its cost, and the zoo name when it is a baseline."""

    study: optuna.Study
    trial: optuna.Trial
    spec: ArchSpec
    figures: dict[str, float]
    baseline: str | None


class Worker:
    """Everything one process needs to run trials of a search."""

    def __init__(self, config: SearchConfig, run: RunDir, index: int = 0, data: ProxyData | None = None,
                 figures: TargetFigures | None = None) -> None:
        from nasbox.space import load_space

        self.config, self.run, self.index = config, run, index
        self.space = load_space(config.space)
        self.figures = figures or TargetFigures(config)
        self.baselines = {b.name: b for b in select_baselines(config.baselines, self.space, self.figures)}
        self.storage = open_storage(run)
        probe = open_study(self.storage, SEARCH_STUDY, config.objectives)
        sampler = make_sampler(config.sampler, worker_seed(config.seed, index, len(probe.trials)))
        self.search = open_study(self.storage, SEARCH_STUDY, config.objectives, sampler)
        self.zoo = open_study(self.storage, BASELINE_STUDY, config.objectives)
        self._data = data
        self._board: Any = None

    @property
    def data(self) -> ProxyData:
        """The proxy dataset, prepared on first use (a worker that finds nothing to do never loads it)."""
        if self._data is None:
            self._data = load_proxy_data(self.config)
        return self._data

    def run_trials(self, deadline: float | None, on_trial: Callable[[], None] | None = None) -> None:
        """Train trials until none is left to start or `deadline` (a time.monotonic() value) has passed."""
        while (job := self.next_job(deadline)) is not None:
            self.train(job)
            self.publish()
            if on_trial is not None:
                on_trial()

    def next_job(self, deadline: float | None) -> Job | None:
        """The next trial to train, asked under the run's lock; infeasible proposals are told at once."""
        from optuna.trial import TrialState

        with self.run.asking():
            if deadline is not None and time.monotonic() >= deadline:
                return None
            if self.zoo.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
                trial = self.zoo.ask()
                baseline = self.baselines[trial.user_attrs[BASELINE]]
                return Job(self.zoo, trial, baseline.spec, baseline.figures, baseline.name)
            for _ in range(MAX_INFEASIBLE_IN_A_ROW):
                if not self._room_for_a_trial():
                    return None
                trial = self.search.ask()
                try:
                    candidate = self.space.candidate(*self.space.suggest(trial))
                    figures = self.figures.of(candidate.spec, candidate.cost)
                except Exception as exc:  # a proposal that cannot be built or costed fails alone
                    self._fail(self.search, trial, f"cannot be built or costed: {_reason(exc)}")
                    continue
                for name, excess in self.figures.constraints(figures).items():
                    trial.set_constraint(name, excess)
                self._record_figures(trial, figures)
                if self.figures.admits(figures):
                    return Job(self.search, trial, candidate.spec, figures, trial.user_attrs.get(BASELINE))
                trial.set_user_attr(STATUS, INFEASIBLE)
                self.search.tell(trial, self._values(0.0, figures))
        raise NasboxError(f"the {self.config.sampler} sampler proposed {MAX_INFEASIBLE_IN_A_ROW} networks over "
                          f"{self.figures.describe()} in a row; raise the budget or use the tpe sampler")

    def _room_for_a_trial(self) -> bool:
        """A trial waits in the queue, or fewer searched trials than asked for are finished or running."""
        from optuna.trial import TrialState

        trials = self.search.get_trials(deepcopy=False)
        started = sum(counts_as_finished(t) or (t.state == TrialState.RUNNING) for t in trials if is_searched(t))
        return any(t.state == TrialState.WAITING for t in trials) or started < self.config.trials

    def train(self, job: Job) -> None:
        """Train the job's proxy and tell the study: its values, or a failure with its reason."""

        from nasbox.proxy import TrialFailed, evaluate

        self._record_figures(job.trial, job.figures)
        seed = zlib.crc32(f"{self.config.seed}:{job.baseline or job.trial.number}".encode())
        job.trial.set_user_attr(PROXY_SEED, seed)
        try:
            result = evaluate(job.spec, self.config.proxy, self.data, seed=seed, keep_state=True)
        except TrialFailed as exc:
            reason = str(exc)
        except Exception as exc:  # any fault of one trial is recorded, and the search goes on
            reason = _reason(exc)
        else:
            job.trial.set_user_attr("accuracy", result.accuracy)
            job.trial.set_user_attr("curve", result.curve)
            job.trial.set_user_attr("train_seconds", round(result.seconds, 3))
            job.study.tell(job.trial, self._values(result.accuracy, job.figures))
            save_weights(self.run.path, weights_key(job.trial.number if job.study is self.search else None,
                                                    job.baseline), result.state)  # export: kept proxy weights
            self._log(job, result.curve, result.accuracy)
            return
        self._fail(job.study, job.trial, reason)
        self._log(job, [], None)

    def _fail(self, study: optuna.Study, trial: optuna.Trial, reason: str) -> None:
        from optuna.trial import TrialState

        trial.set_user_attr(STATUS, FAILED)
        trial.set_user_attr(REASON, reason)
        study.tell(trial, state=TrialState.FAIL)

    def publish(self) -> None:
        """Rewrite the front files from the storage (under the ask lock, so writers take turns)."""
        with self.run.asking():
            snapshot = take_snapshot(self.search, self.zoo, self.space, self.baselines, self.config)
            publish(self.run, snapshot, self.config)
            prune_weights(self.run.path, snapshot)  # export: drop the weights of trials off the front

    def _record_figures(self, trial: optuna.Trial, figures: dict[str, float]) -> None:
        for name, value in record(figures).items():
            trial.set_user_attr(name, value)

    def _values(self, accuracy: float, figures: dict[str, float]) -> list[float]:
        values = {"accuracy": accuracy, "latency": math.inf, **figures}
        return [values[name] for name in self.config.objectives]

    def _log(self, job: Job, curve: list[dict[str, float]], accuracy: float | None) -> None:
        from nasbox.report.tensorboard import SearchBoard

        if self._board is None:
            self._board = SearchBoard(self.run.tensorboard)
        name = f"baseline-{job.baseline}" if job.study is self.zoo else f"trial-{job.trial.number:05d}"
        self._board.log_trial(name, "baseline" if job.baseline else "searched", curve,
                              {"network": job.baseline or job.spec.name, **record(job.figures)},
                              {"accuracy": accuracy if accuracy is not None and math.isfinite(accuracy) else None})


def _reason(exc: Exception) -> str:
    """An exception as one line: its class and the first line of its message."""
    message = str(exc).splitlines()[0] if str(exc) else ""
    return f"{exc.__class__.__name__}: {message}" if message else exc.__class__.__name__


def load_proxy_data(config: SearchConfig) -> ProxyData:
    """The run's dataset, split with the run's seed and resized to the proxy resolution, on the run's device."""
    from nasbox.data import load_dataset
    from nasbox.proxy import prepare_data, select_device

    dataset = load_dataset(config.dataset, config.data_dir)
    return prepare_data(dataset, config.proxy.resolution, val_fraction=config.val_fraction, seed=config.seed,
                        subset=config.subset, device=select_device(config.device))


def worker_process(config: SearchConfig, run_path: str, index: int, deadline_in: float | None,
                   threads: int) -> None:
    """Entry point of a spawned worker process: it dies with its parent, then runs trials."""
    import torch

    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    torch.set_num_threads(threads)
    deadline = time.monotonic() + deadline_in if deadline_in is not None else None
    Worker(config, RunDir(run_path), index).run_trials(deadline)


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies, so a killed search leaves no orphan training on."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def enqueue_baselines(search: optuna.Study, zoo: optuna.Study, baselines: list[Baseline],
                      figures: TargetFigures) -> None:
    """Give every baseline not yet trained (nor waiting) a trial: in the search study when it is a point of the
    space within the budgets, so the sampler learns from it, else in the baselines study."""
    from optuna.trial import TrialState

    def present(study: optuna.Study) -> set[str]:
        return {t.user_attrs[BASELINE] for t in study.get_trials(deepcopy=False)
                if BASELINE in t.user_attrs and (t.state != TrialState.FAIL or t.user_attrs.get(STATUS) == FAILED)}

    known = present(search) | present(zoo)
    for baseline in baselines:
        if baseline.name in known:
            continue
        if baseline.genes is not None and figures.admits(baseline.figures):
            search.enqueue_trial(baseline.genes, user_attrs={BASELINE: baseline.name})
        else:
            zoo.enqueue_trial({}, user_attrs={BASELINE: baseline.name})
