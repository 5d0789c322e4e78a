"""The Optuna side of a run: its journal storage, its two studies, samplers, and what a trial's attributes say.

A run directory holds one journal with two studies. `search` holds the sampled trials (and the baselines that are
points of the space, enqueued so the sampler learns from them); `baselines` holds the other zoo networks, trained
with the same proxy but kept apart so they do not confuse the sampler. Both carry their objectives' names
(`set_metric_names`), so optuna-dashboard labels its axes. A trial's user attributes say what it is:

- `baseline`: the zoo name of a baseline trial;
- `feasible`: whether the network is within every budget; an infeasible one is never trained, is told with an
  accuracy of 0 (a placeholder: Optuna needs values to learn the constraint) and has `status` `infeasible`;
- `status`: `infeasible`, `failed` (trained but diverged, ran out of memory or raised; `reason` says why) or
  `interrupted` (its process died; it is retried);
- `retry_of`: the number of the interrupted trial this one repeats;
- `spec`: the target network that was trained, as a spec dict; `macs`, `params` (and `latency`, seconds): its
  figures at the target;
- `startup_draw`: true on a start-up trial whose genes the budget-aware sampler drew (`nasbox.space.sampling`);
- `proxy_seed`: set when its proxy's training starts (so a RUNNING trial with it is training), the seed that
  reproduces the training; `accuracy`, `curve`, `train_seconds`: what the training gave.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nasbox.objectives import directions, figure_names, objective

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial

    from nasbox.search.rundir import RunDir

SEARCH_STUDY = "search"
BASELINE_STUDY = "baselines"
BASELINE = "baseline"
FEASIBLE = "feasible"
STATUS = "status"
REASON = "reason"
RETRY_OF = "retry_of"
SPEC = "spec"
STARTUP_DRAW = "startup_draw"
PROXY_SEED = "proxy_seed"
INFEASIBLE, FAILED, INTERRUPTED, PRUNED = "infeasible", "failed", "interrupted", "pruned"


@dataclass
class Studies:
    """The two studies of a run, opened on its journal."""

    search: optuna.Study
    zoo: optuna.Study

    @classmethod
    def open(cls, run: RunDir, objectives: tuple[str, ...], sampler: optuna.samplers.BaseSampler | None = None
             ) -> Studies:
        """Open (creating when new) the run's studies; `sampler` proposes the search study's trials."""
        storage = open_storage(run)
        return cls(open_study(storage, SEARCH_STUDY, objectives, sampler),
                   open_study(storage, BASELINE_STUDY, objectives))

    def name_metrics(self, objectives: tuple[str, ...]) -> None:
        """Give both studies their objectives' names (once: it is a write to the journal)."""
        import warnings

        import optuna

        for study in (self.search, self.zoo):
            if study.metric_names != list(objectives):
                with warnings.catch_warnings():  # experimental since Optuna 3.2, and what the dashboard reads
                    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                    study.set_metric_names(list(objectives))

    def running(self, study_name: str, number: int) -> tuple[optuna.Study, optuna.Trial] | None:
        """The study named `study_name` and its trial `number`, live, while that trial is running; None once it
        has ended (another process, or a resumed run's retry, told it), so it is never trained or told twice."""
        from optuna.trial import TrialState

        from nasbox.search.optuna_private import live_trial

        study = self.search if study_name == self.search.study_name else self.zoo
        frozen = study.get_trials(deepcopy=False)[number]
        return (study, live_trial(study, frozen)) if frozen.state == TrialState.RUNNING else None

    def trials(self) -> list[FrozenTrial]:
        """Every trial of both studies (the search study's first)."""
        return [*self.search.get_trials(deepcopy=False), *self.zoo.get_trials(deepcopy=False)]


def open_storage(run: RunDir) -> optuna.storages.BaseStorage:
    """The run's journal storage, which several processes on one machine may share."""
    import optuna
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.storages.JournalStorage(JournalFileBackend(str(run.journal)))


def load_trials(run: RunDir, name: str = SEARCH_STUDY) -> list[FrozenTrial]:
    """The trials of study `name` of a run, read without writing anything (none when it has no journal yet)."""
    import optuna

    if not run.journal.is_file():
        return []
    return optuna.load_study(study_name=name, storage=open_storage(run)).get_trials(deepcopy=False)


def open_study(storage: optuna.storages.BaseStorage, name: str, objectives: tuple[str, ...],
               sampler: optuna.samplers.BaseSampler | None = None) -> optuna.Study:
    import optuna

    return optuna.create_study(storage=storage, study_name=name, load_if_exists=True, sampler=sampler,
                               directions=directions(objectives))


STARTUP_TRIALS = {"tpe": 10, "nsga2": 20, "random": None}
"""How many first trials each sampler draws at random (TPE's start-up, NSGA-II's first generation; every trial of
random search): the search draws them within the budgets instead (see `Scheduler`)."""


def make_sampler(name: str, seed: int) -> optuna.samplers.BaseSampler:
    """TPE (multivariate, constant liar for parallel workers), NSGA-II or random; TPE and NSGA-II read the
    budgets from the trials' constraints."""
    import warnings

    import optuna

    if name == "tpe":
        with warnings.catch_warnings():  # `group` is experimental, and what conditional genes need
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True, constant_liar=True,
                                              n_startup_trials=STARTUP_TRIALS["tpe"])
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=STARTUP_TRIALS["nsga2"])
    return optuna.samplers.RandomSampler(seed=seed)


def worker_seed(seed: int, worker: int, trials_so_far: int) -> int:
    """A sampler seed that differs between workers and between invocations of a resumed run, so a resumed
    sampler does not replay the proposals it made before."""
    return zlib.crc32(f"{seed}:{worker}:{trials_so_far}".encode())


def is_searched(trial: FrozenTrial) -> bool:
    return BASELINE not in trial.user_attrs


def counts_as_finished(trial: FrozenTrial) -> bool:
    """Trained to the end, stopped early by the early-stopping policy, or failed on its own: what `--trials` counts (not
    infeasible, not interrupted)."""
    from optuna.trial import TrialState

    status = trial.user_attrs.get(STATUS)
    if trial.state == TrialState.COMPLETE:
        return status != INFEASIBLE
    return trial.state == TrialState.PRUNED or (trial.state == TrialState.FAIL and status == FAILED)


def is_scored(trial: FrozenTrial) -> bool:
    """A feasible trial with an accuracy: a candidate for the front."""
    from optuna.trial import TrialState

    return trial.state == TrialState.COMPLETE and trial.user_attrs.get(STATUS) != INFEASIBLE


def repair_interrupted(study: optuna.Study) -> list[int]:
    """Fail the trials a killed process left RUNNING and enqueue each again; returns their numbers.

    Call it only while no worker runs (the search holds the run directory's lock)."""
    from optuna.trial import TrialState

    from nasbox.search.optuna_private import set_user_attr

    repaired = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        set_user_attr(study, trial, STATUS, INTERRUPTED)
        study.tell(trial.number, state=TrialState.FAIL)
        kept = {k: v for k, v in trial.user_attrs.items() if k in (BASELINE, SPEC, *figure_names())}
        study.enqueue_trial(trial.params, user_attrs={**kept, RETRY_OF: trial.number}, skip_if_exists=False)
        repaired.append(trial.number)
    return repaired


def objective_values(objectives: tuple[str, ...], accuracy: float, figures: dict[str, float]) -> list[float]:
    """The values told to a study for a network of `figures` scoring `accuracy` (a latency left out, for a network
    over another budget, is told as infinite)."""
    values = {"accuracy": accuracy, **figures}
    return [values[name] if name in values else objective(name).worst() for name in objectives]


def tell_failed(study: optuna.Study, trial: optuna.Trial, reason: str) -> None:
    """Record `trial` as failed on its own (diverged, out of memory, raised), with its one-line reason."""
    from optuna.trial import TrialState

    trial.set_user_attr(STATUS, FAILED)
    trial.set_user_attr(REASON, reason)
    study.tell(trial, state=TrialState.FAIL)


def tell_pruned(study: optuna.Study, trial: optuna.Trial, reason: str) -> None:
    """Record `trial` as stopped early by the run's early-stopping policy; a single-objective study keeps its last
    reported epoch's accuracy as its value, which the sampler reads as a poor result."""
    from optuna.trial import TrialState

    trial.set_user_attr(STATUS, PRUNED)
    trial.set_user_attr(REASON, reason)
    study.tell(trial, state=TrialState.PRUNED)


def one_line(exc: BaseException) -> str:
    """An exception as one line: its class and the first line of its message."""
    message = str(exc).splitlines()[0] if str(exc) else ""
    return f"{exc.__class__.__name__}: {message}" if message else exc.__class__.__name__
