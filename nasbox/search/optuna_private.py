"""What nasbox needs from Optuna that Optuna 5 offers no public API for, in one place, so an Optuna upgrade
that moves it breaks one module.

- the hypervolume of a set of points (`optuna._hypervolume`; the public API only plots its history);
- setting a user attribute on a trial that no `optuna.Trial` object holds any more (a trial a killed process
  left RUNNING): the storage needs the trial's id, which only the private `_trial_id` gives.
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
    import optuna

    optuna.trial.Trial(study, trial._trial_id).set_user_attr(key, value)
