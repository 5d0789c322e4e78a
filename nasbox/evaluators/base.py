"""The evaluator interface: one network in, its score, learning curve and (when it trains) weights out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import torch

    from nasbox.arch.spec import ArchSpec
    from nasbox.proxy import HeldOut

Curve = list[dict[str, float]]


@dataclass(frozen=True)
class Evaluation:
    """What an evaluator says of one network: its validation accuracy (the score the sampler sees), its learning
    curve (one point per epoch, each with `epoch` and `val_accuracy`; empty when nothing trains), the seconds it
    took and the trained weights (None when it trains none)."""

    accuracy: float
    curve: Curve = field(default_factory=list)
    seconds: float = 0.0
    state: dict[str, torch.Tensor] | None = None


class Evaluator(ABC):
    """Scores networks. A fault of the network itself (it diverges, runs out of memory) is raised as
    `nasbox.proxy.TrialFailed`, which the callers record as a failed trial; anything else is a fault of nasbox."""

    name: ClassVar[str]

    @abstractmethod
    def evaluate(self, spec: ArchSpec, seed: int,
                 on_epoch: Callable[[dict[str, float]], None] | None = None) -> Evaluation:
        """Score `spec` with training seed `seed`; `on_epoch` sees each point of the curve as it is made (an
        executor reports progress and asks its early-stopping policy there, and may raise to stop it)."""

    def test_accuracy(self, spec: ArchSpec, evaluation: Evaluation, held_out: HeldOut) -> float | None:
        """The network's accuracy on the held-out test split, from what `evaluate` gave; None when this
        evaluator cannot score the test split."""
        return None
