"""Ray's trial scheduler for a search: FIFO, or ASHA over the searched trials only.

ASHA compares each trial's validation accuracy, at rungs after 1, 4, 16... epochs below the proxy's last, with what
the trials that reached the rung before it scored there, and stops it below the best quarter (Ray's defaults). The
baselines pass through untouched: they are the front's reference points, not candidates to weed out, and their
scores in a rung would raise its cutoff for every searched trial after them. A trial that reaches its last epoch is
never stopped (`stop_last_trials=False`), so it tells the study its result as a local worker does; one stopped
earlier is told pruned by the searcher.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ray.tune.schedulers import ASHAScheduler, FIFOScheduler, TrialScheduler

from nasbox.search.study import BASELINE_STUDY

if TYPE_CHECKING:
    from ray.tune.experiment import Trial

    from nasbox.search.config import SearchConfig


def trial_scheduler(config: SearchConfig, metric: str) -> TrialScheduler:
    """FIFO, or ASHA on `metric` (maximised) by the epoch, as `--scheduler` asks."""
    if config.scheduler == "fifo":
        return FIFOScheduler()
    return SearchedTrialsASHA(time_attr="epoch", metric=metric, mode="max", max_t=config.proxy.epochs,
                              grace_period=1, stop_last_trials=False)


def is_baseline(trial: Trial) -> bool:
    return trial.config.get("study") == BASELINE_STUDY


class SearchedTrialsASHA(ASHAScheduler):
    """ASHA that neither ranks nor stops baselines."""

    def on_trial_add(self, tune_controller: Any, trial: Trial) -> None:
        if not is_baseline(trial):
            super().on_trial_add(tune_controller, trial)

    def on_trial_result(self, tune_controller: Any, trial: Trial, result: dict[str, Any]) -> str:
        if is_baseline(trial):
            return TrialScheduler.CONTINUE
        return super().on_trial_result(tune_controller, trial, result)

    def on_trial_complete(self, tune_controller: Any, trial: Trial, result: dict[str, Any]) -> None:
        if not is_baseline(trial):
            super().on_trial_complete(tune_controller, trial, result)

    def on_trial_remove(self, tune_controller: Any, trial: Trial) -> None:
        if not is_baseline(trial):
            super().on_trial_remove(tune_controller, trial)
