"""The bridge between Ray Tune and the run's study: `StudySearcher` asks the study for the next trial exactly as a
local worker does (`Scheduler.next_job`: a waiting baseline first, else a proposal of the run's sampler screened
against the budgets, its constraints set, an infeasible one told and never scheduled); `StudyRecorder` tells the
study what only Ray knows, that a trial's worker kept dying until its retries ran out. The trainable tells the study
everything else (a result, a failure, a stop by the early-stopping policy), as a local worker does.

Ray's own `OptunaSearch` is not used: it takes no constraints, hard-codes a no-op pruner and drops intermediate
results of multi-objective studies. Both classes hold only the run directory's path, so they survive Ray pickling
them into its experiment state; what belongs to one invocation (its deadline, its stop signal) is looked up in
`INVOCATIONS` of the driver process.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ray.tune import Callback
from ray.tune.search import Searcher

from nasbox.search.rundir import RunDir
from nasbox.search.study import Studies, one_line

if TYPE_CHECKING:
    from ray.tune.experiment import Trial

    from nasbox.search.scheduling import Scheduler

METRIC = "val_accuracy"
ASKER_INDEX = 0  # the one asker of a Ray search: seeded as a lone local worker, so both backends propose alike


@dataclass
class Invocation:
    """What one `nasbox search` invocation adds to the searcher Ray restored: when to stop starting trials."""

    deadline: float | None  # time.monotonic()
    stop: threading.Event


INVOCATIONS: dict[str, Invocation] = {}
"""The running invocation of each run directory in this (the driver) process, by path."""


class StudySearcher(Searcher):
    """Ray Tune's source of trials: each suggestion is a trial of the run's study, already asked and screened."""

    def __init__(self, run_dir: str) -> None:
        super().__init__(metric=METRIC, mode="max")
        self.run_dir = run_dir
        self._scheduler: Scheduler | None = None
        self._live: dict[str, tuple[str, int]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_scheduler": None, "_live": {}}

    def suggest(self, trial_id: str) -> dict[str, Any] | str | None:
        """The next trial's config (its study and number in the run's journal); None to be asked again later,
        FINISHED once no trial is left to start and none runs."""
        scheduler = self._open()
        invocation = INVOCATIONS.get(self.run_dir)
        if invocation is None or invocation.stop.is_set():
            return Searcher.FINISHED
        limit = scheduler.config.max_concurrent
        if limit is not None and len(self._live) >= limit:
            return None
        job = scheduler.next_job(invocation.deadline)
        if job is None:
            return None if self._live else Searcher.FINISHED
        self._live[trial_id] = (job.study.study_name, job.trial.number)
        return {"run_dir": self.run_dir, "study": job.study.study_name, "trial": job.trial.number,
                "network": job.baseline or f"trial-{job.trial.number:05d}"}

    def on_trial_complete(self, trial_id: str, result: dict[str, Any] | None = None, error: bool = False) -> None:
        """A trial Ray ended: the trainable told the study its result, or that the early-stopping policy stopped it
        (`StudyRecorder` tells it of an error); only the count of live trials changes here."""
        self._live.pop(trial_id, None)

    def save(self, checkpoint_path: str) -> None:
        """The searcher's state is the study; Ray's checkpoint names only the run directory."""
        with open(checkpoint_path, "w") as file:
            json.dump({"run_dir": self.run_dir}, file)

    def restore(self, checkpoint_path: str) -> None:
        """Nothing to read back: the study, reopened on first use, is the state."""

    def _open(self) -> Scheduler:
        if self._scheduler is None:
            from nasbox.search.worker import open_scheduler
            from nasbox.space import load_space

            run = RunDir(self.run_dir)
            config = run.invocation()
            self._scheduler = open_scheduler(config, run, load_space(config.space), ASKER_INDEX)
        return self._scheduler


class StudyRecorder(Callback):
    """Records in the study a trial Ray gave up on (its worker died more than `--max-failures` times), with the
    reason Ray saw, so the search goes on and the front shows it among the failures."""

    def __init__(self, run_dir: str) -> None:
        self.run_dir = run_dir

    def on_trial_error(self, iteration: int, trials: list[Trial], trial: Trial, **info: Any) -> None:
        from nasbox.search.study import tell_failed

        run = RunDir(self.run_dir)
        config = run.invocation()
        running = Studies.open(run, config.objectives).running(trial.config.get("study"), trial.config["trial"])
        if running is None:
            return
        error = trial.get_pickled_error() or trial.get_error()
        reason = f"its Ray worker failed {trial.num_failures} time(s), retried up to --max-failures " \
                 f"{config.max_failures}: {one_line(error) if error else 'no error recorded'}"
        tell_failed(*running, reason)

