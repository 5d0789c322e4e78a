"""The Optuna side of a run: its journal storage, its two studies, samplers, and repair after a crash.

A run directory holds one journal with two studies. `search` holds the sampled trials (and the baselines that are
points of the space, enqueued so the sampler learns from them); `baselines` holds the other zoo networks, trained
with the same proxy but kept apart so they do not confuse the sampler. A trial's user attributes say what it is:

- `baseline`: the zoo name of a baseline trial;
- `status`: `infeasible` (over budget, never trained; its accuracy of 0 is a placeholder), `failed` (trained but
  diverged, ran out of memory or raised; `reason` says why) or `interrupted` (its process died; it is retried);
- `retry_of`: the number of the interrupted trial this one repeats;
- `proxy_seed`: set when its proxy's training starts (so a RUNNING trial with it is training), the seed that
  reproduces the training.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

from nasbox.search.config import OBJECTIVES

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial

    from nasbox.search.rundir import RunDir

SEARCH_STUDY = "search"
BASELINE_STUDY = "baselines"
BASELINE = "baseline"
STATUS = "status"
REASON = "reason"
RETRY_OF = "retry_of"
PROXY_SEED = "proxy_seed"
INFEASIBLE, FAILED, INTERRUPTED = "infeasible", "failed", "interrupted"


def open_storage(run: RunDir) -> optuna.storages.BaseStorage:
    """The run's journal storage, which several processes on one machine may share."""
    import optuna
    from optuna.storages.journal import JournalFileBackend

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.storages.JournalStorage(JournalFileBackend(str(run.journal)))


def open_study(storage: optuna.storages.BaseStorage, name: str, objectives: tuple[str, ...],
               sampler: optuna.samplers.BaseSampler | None = None) -> optuna.Study:
    import optuna

    return optuna.create_study(storage=storage, study_name=name, load_if_exists=True, sampler=sampler,
                               directions=[OBJECTIVES[o] for o in objectives])


def make_sampler(name: str, seed: int) -> optuna.samplers.BaseSampler:
    """TPE (multivariate, constant liar for parallel workers), NSGA-II or random; TPE and NSGA-II read the
    budgets from the trials' constraints."""
    import warnings

    import optuna

    if name == "tpe":
        with warnings.catch_warnings():  # `group` is experimental, and what conditional genes need
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True, constant_liar=True,
                                              n_startup_trials=10)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=20)
    return optuna.samplers.RandomSampler(seed=seed)


def worker_seed(seed: int, worker: int, trials_so_far: int) -> int:
    """A sampler seed that differs between workers and between invocations of a resumed run, so a resumed
    sampler does not replay the proposals it made before."""
    return zlib.crc32(f"{seed}:{worker}:{trials_so_far}".encode())


def is_searched(trial: FrozenTrial) -> bool:
    return BASELINE not in trial.user_attrs


def counts_as_finished(trial: FrozenTrial) -> bool:
    """Trained to the end or failed on its own: what `--trials` counts (not infeasible, not interrupted)."""
    from optuna.trial import TrialState

    status = trial.user_attrs.get(STATUS)
    if trial.state == TrialState.COMPLETE:
        return status != INFEASIBLE
    return trial.state == TrialState.FAIL and status == FAILED


def is_scored(trial: FrozenTrial) -> bool:
    """A feasible trial with an accuracy: a candidate for the front."""
    from optuna.trial import TrialState

    return trial.state == TrialState.COMPLETE and trial.user_attrs.get(STATUS) != INFEASIBLE


def repair_interrupted(study: optuna.Study) -> list[int]:
    """Fail the trials a killed process left RUNNING and enqueue each again; returns their numbers.

    Call it only while no worker runs (the search holds the run directory's lock)."""
    from optuna.trial import TrialState

    storage = study._storage
    repaired = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        trial_id = storage.get_trial_id_from_study_id_trial_number(study._study_id, trial.number)
        storage.set_trial_user_attr(trial_id, STATUS, INTERRUPTED)
        storage.set_trial_state_values(trial_id, TrialState.FAIL)
        attrs: dict[str, Any] = {RETRY_OF: trial.number}
        if BASELINE in trial.user_attrs:
            attrs[BASELINE] = trial.user_attrs[BASELINE]
        study.enqueue_trial(trial.params, user_attrs=attrs, skip_if_exists=False)
        repaired.append(trial.number)
    return repaired
