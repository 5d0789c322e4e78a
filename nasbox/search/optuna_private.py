"""What nasbox needs from Optuna that Optuna 5 offers no public API for, in one place, so an Optuna upgrade
that moves it breaks one module.

- the hypervolume of a set of points (`optuna._hypervolume`; the public API only plots its history);
- an `optuna.Trial` on a stored trial that no such object holds in this process (a trial a killed process left
  RUNNING, one the Ray searcher asked in the driver): the storage needs the trial's id, which only the private
  `_trial_id` gives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import optuna
    from optuna.trial import FrozenTrial


def compute_hypervolume(losses: np.ndarray, reference: np.ndarray) -> float:
    """The hypervolume that the points `losses` (rows; every objective minimised) dominate up to `reference`."""
    from optuna._hypervolume import compute_hypervolume as optuna_hypervolume

    return float(optuna_hypervolume(losses, reference, assume_pareto=False))


def set_user_attr(study: optuna.Study, trial: FrozenTrial, key: str, value: Any) -> None:
    """Set a user attribute of a stored trial of `study` that is not yet finished."""
    live_trial(study, trial).set_user_attr(key, value)


def live_trial(study: optuna.Study, trial: FrozenTrial) -> optuna.Trial:
    """An `optuna.Trial` on a stored, unfinished trial of `study` that another process asked for (a Ray
    trainable trains a trial the driver's searcher asked), to set its attributes and tell it."""
    import optuna

    return optuna.trial.Trial(study, trial._trial_id)
