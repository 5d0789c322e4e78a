"""Which trial a worker trains next, decided under the run's ask lock so that workers never start more trials
than were asked for: a waiting baseline first, else a network the sampler proposes within the budgets.

The sampler's random start-up trials (all trials of random search) are drawn within the budgets by
`nasbox.space.sampling.draw_feasible` and enqueued as fixed genes, instead of uniform draws that a tight budget
mostly wastes; the draw is seeded by the run's seed and the trial count, so a run stays reproducible.

A proposal over a budget is told to the study at once, with its constraints and a placeholder accuracy of 0, and
never trained; one that cannot be built or costed fails alone. Either way the next proposal is asked for.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nasbox.arch.spec import ArchSpec
from nasbox.errors import NasboxError
from nasbox.nb201.space import arch_fields
from nasbox.objectives import figure_names
from nasbox.search.study import (
    BASELINE,
    FEASIBLE,
    INFEASIBLE,
    SPEC,
    STARTUP_DRAW,
    STARTUP_TRIALS,
    STATUS,
    Studies,
    counts_as_finished,
    is_searched,
    objective_values,
    one_line,
    tell_failed,
)
from nasbox.search.target import Target, record
from nasbox.space.budget import suggest_within

if TYPE_CHECKING:
    import optuna

    from nasbox.search.config import SearchConfig
    from nasbox.search.rundir import RunDir
    from nasbox.space.space import Candidate, Space

MAX_INFEASIBLE_IN_A_ROW = 1000


@dataclass
class Job:
    """A trial to train: its study, the target spec and its figures, and the zoo name when it is a baseline."""

    study: optuna.Study
    trial: optuna.Trial
    spec: ArchSpec
    figures: dict[str, float]
    baseline: str | None


def job_of(study: optuna.Study, trial: optuna.Trial) -> Job:
    """The job of a trial whose spec and figures its user attributes hold: a baseline as enqueued, or a scheduled
    trial met again in another process (the Ray trainable's)."""
    attrs = trial.user_attrs
    figures = {name: attrs[name] for name in figure_names() if name in attrs}
    return Job(study, trial, ArchSpec.from_dict(attrs[SPEC]), figures, attrs.get(BASELINE))


class Scheduler:
    """Hands out the run's trials to one worker."""

    def __init__(self, config: SearchConfig, run: RunDir, studies: Studies, space: Space, target: Target) -> None:
        self.config, self.run, self.studies, self.space, self.target = config, run, studies, space, target
        self._anchor: Candidate | None = None

    def next_job(self, deadline: float | None) -> Job | None:
        """The next trial to train, or None when none is left to start or `deadline` (time.monotonic()) passed."""
        with self.run.asking():
            if deadline is not None and time.monotonic() >= deadline:
                return None
            if self._baseline_waiting():
                return self._baseline(self.studies.zoo.ask())
            for _ in range(MAX_INFEASIBLE_IN_A_ROW):
                if not self._room_for_a_trial():
                    return None
                self._draw_startup_trial()
                job = self._propose(self.studies.search.ask())
                if job is not None:
                    return job
        raise NasboxError(f"the {self.config.sampler} sampler proposed {MAX_INFEASIBLE_IN_A_ROW} networks over "
                          f"{self.target.budget.describe()} in a row; raise the budget or use the tpe sampler")

    def has_work(self) -> bool:
        """Whether `next_job` would find a trial to start (a waiting baseline, or room in the search), without
        asking for one."""
        return self._baseline_waiting() or self._room_for_a_trial()

    def _baseline_waiting(self) -> bool:
        """Whether an enqueued baseline waits to be trained (baselines go first)."""
        from optuna.trial import TrialState

        return bool(self.studies.zoo.get_trials(deepcopy=False, states=(TrialState.WAITING,)))

    def _baseline(self, trial: optuna.Trial) -> Job:
        """A baseline of the baselines study: its spec and figures came with it when it was enqueued."""
        return job_of(self.studies.zoo, trial)

    def _propose(self, trial: optuna.Trial) -> Job | None:
        """The job of a searched trial within the budgets; None once an infeasible or broken one is told."""
        search = self.studies.search
        try:
            proposal = suggest_within(self.space, trial, self.target.budget, self.target.measure)
        except Exception as exc:  # a proposal that cannot be built or costed fails alone
            tell_failed(search, trial, f"cannot be built or costed: {one_line(exc)}")
            return None
        for name, value in {**record(proposal.figures), **arch_fields(proposal.candidate.genes)}.items():
            trial.set_user_attr(name, value)
        trial.set_user_attr(FEASIBLE, proposal.feasible)
        if not proposal.feasible:
            trial.set_user_attr(STATUS, INFEASIBLE)
            search.tell(trial, objective_values(self.config.objectives, 0.0, proposal.figures))
            return None
        baseline = trial.user_attrs.get(BASELINE)
        spec = ArchSpec.from_dict(trial.user_attrs[SPEC]) if baseline else proposal.candidate.spec
        trial.set_user_attr(SPEC, spec.to_dict())
        return Job(search, trial, spec, dict(proposal.figures), baseline)

    def _draw_startup_trial(self) -> None:
        """Enqueue a network drawn within the budgets while the sampler is in its random start-up and nothing
        waits in the queue."""
        from optuna.trial import TrialState

        from nasbox.space.sampling import draw_feasible

        trials = self.studies.search.get_trials(deepcopy=False)
        startup = STARTUP_TRIALS[self.config.sampler]
        searched = sum(is_searched(t) for t in trials)
        if (startup is not None and searched >= startup) or not self.target.budget.limits() \
                or any(t.state == TrialState.WAITING for t in trials):
            return
        if self._anchor is None:
            from nasbox.space.extremes import least_loaded

            self._anchor = least_loaded(self.space, self._load)
        rng = random.Random(f"{self.config.seed}:startup:{len(trials)}")
        candidate = draw_feasible(self.space, rng, self._load, self._anchor)
        self.studies.search.enqueue_trial(candidate.genes, user_attrs={STARTUP_DRAW: True})

    def _load(self, candidate: Candidate) -> float:
        """The share of the budgets a candidate uses: its latency too when a table predicts it cheaply."""
        if self.target.table is not None:
            return self.target.budget.load(self.target.measure(candidate))
        return self.target.budget.analytic().load(candidate.cost)

    def _room_for_a_trial(self) -> bool:
        """A trial waits in the queue, or fewer searched trials than asked for are finished or running."""
        from optuna.trial import TrialState

        trials = self.studies.search.get_trials(deepcopy=False)
        started = sum(counts_as_finished(t) or (t.state == TrialState.RUNNING) for t in trials if is_searched(t))
        return any(t.state == TrialState.WAITING for t in trials) or started < self.config.trials
