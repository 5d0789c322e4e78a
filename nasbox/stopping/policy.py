"""What an early-stopping policy is: one decision at each rung, from the trial's scores there and those of the
trials that reached the rung before it.

Rungs are the epochs 1, η, η², … below the proxy's last (η the reduction factor, 4 as in Ray's ASHA): a trial that
trains to its last epoch is never stopped, so it reports a full result. The decision is asynchronous, as in ASHA
(Li et al. 2020): a trial is compared only with the trials already recorded at its rung, so no trial waits for
another, and the first to arrive always goes on.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

REDUCTION = 4


@dataclass(frozen=True)
class Entry:
    """A searched trial at a rung: its number, its validation accuracy after the rung's epoch, and its cost
    objectives' values in the search's order (all minimised; an unknown one is infinite)."""

    trial: int
    accuracy: float
    costs: tuple[float, ...] = ()


def rungs(epochs: int, reduction: int = REDUCTION) -> tuple[int, ...]:
    """The epochs after which a trial of `epochs` epochs may be stopped: 1, η, η², … below `epochs`."""
    found, epoch = [], 1
    while epoch < epochs:
        found.append(epoch)
        epoch *= reduction
    return tuple(found)


class StoppingPolicy(ABC):
    """Decides, at each rung, whether a searched trial stops (baselines are never offered to it)."""

    name: ClassVar[str]

    def __init__(self, epochs: int, reduction: int = REDUCTION) -> None:
        self.reduction = reduction
        self.rungs = rungs(epochs, reduction)

    @abstractmethod
    def decide(self, epoch: int, entry: Entry, peers: Sequence[Entry]) -> str | None:
        """Why `entry` stops after `epoch` (a rung), given the `peers` recorded at that rung before it; None to
        let it go on."""
