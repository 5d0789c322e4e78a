"""Early stopping inside a search: each searched trial's accuracy at a rung is recorded in the study (a user
attribute, so multi-objective studies, which Optuna's `report` refuses, keep it too), and the run's policy decides
from the trials recorded there before it. Every executor trains through `nasbox.search.training.train`, which calls
`RungKeeper.after_epoch`, so the policy runs the same on local workers and on Ray.

A stopped trial is told `pruned` with its rung and the policy's reason; its rung records stay, so the trials after
it are compared with it, and a resumed search finds every rung as it was left. A trial a killed search left
unfinished is retried under a new number, which records its own rungs, so the interrupted one no longer counts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nasbox.objectives import ACCURACY, OBJECTIVES
from nasbox.search.study import BASELINE, INTERRUPTED, STATUS
from nasbox.stopping import Entry, StoppingPolicy

if TYPE_CHECKING:
    import optuna

RUNG = "rung"  # user attribute of a stopped trial: the epoch after which it stopped


def rung_key(epoch: int) -> str:
    """The user attribute holding a trial's validation accuracy at the rung after `epoch`."""
    return f"rung_{epoch}_accuracy"


class StoppedEarly(Exception):
    """Raised out of a trial's training when the policy stops it after `epoch`."""

    def __init__(self, epoch: int, reason: str) -> None:
        super().__init__(reason)
        self.epoch, self.reason = epoch, reason


class RungKeeper:
    """Records a searched trial's rungs and asks the policy at each."""

    def __init__(self, policy: StoppingPolicy, study: optuna.Study, trial: optuna.Trial,
                 objectives: tuple[str, ...], figures: dict[str, float]) -> None:
        self.policy, self.study, self.trial = policy, study, trial
        self.costs = tuple(name for name in objectives if name != ACCURACY)
        self.entry_costs = self._costs(figures)

    def after_epoch(self, epoch: int, accuracy: float) -> None:
        """Record the rung after `epoch` and raise `StoppedEarly` when the policy stops the trial there."""
        if epoch not in self.policy.rungs:
            return
        peers = [Entry(t.number, t.user_attrs[rung_key(epoch)], self._costs(t.user_attrs))
                 for t in self.study.get_trials(deepcopy=False)
                 if t.number != self.trial.number and rung_key(epoch) in t.user_attrs
                 and BASELINE not in t.user_attrs and t.user_attrs.get(STATUS) != INTERRUPTED]
        self.trial.set_user_attr(rung_key(epoch), accuracy)
        reason = self.policy.decide(epoch, Entry(self.trial.number, accuracy, self.entry_costs), peers)
        if reason is not None:
            raise StoppedEarly(epoch, reason)

    def _costs(self, figures: dict) -> tuple[float, ...]:
        return tuple(float(figures[name]) if name in figures else OBJECTIVES[name].worst() for name in self.costs)
