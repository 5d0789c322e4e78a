"""The proxy-training evaluator: train the network's proxy (`nasbox.proxy`) with a recipe on the run's data."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from nasbox.evaluators.base import Evaluation, Evaluator

if TYPE_CHECKING:
    from nasbox.arch.spec import ArchSpec
    from nasbox.proxy import HeldOut, ProxyConfig, ProxyData


class ProxyTraining(Evaluator):
    """Train the proxy of each network with `recipe` on `data`; its score is the validation accuracy after the
    last epoch, and the trained weights score the held-out test split."""

    name = "proxy"

    def __init__(self, recipe: ProxyConfig, data: ProxyData) -> None:
        self.recipe, self.data = recipe, data

    def evaluate(self, spec: ArchSpec, seed: int,
                 on_epoch: Callable[[dict[str, float]], None] | None = None) -> Evaluation:
        from nasbox.proxy import evaluate

        result = evaluate(spec, self.recipe, self.data, seed=seed, on_epoch=on_epoch, keep_state=True)
        return Evaluation(accuracy=result.accuracy, curve=result.curve, seconds=result.seconds, state=result.state)

    def test_accuracy(self, spec: ArchSpec, evaluation: Evaluation, held_out: HeldOut) -> float | None:
        from nasbox.proxy import held_out_accuracy

        if evaluation.state is None:
            return None
        return held_out_accuracy(spec, self.recipe, self.data, held_out, evaluation.state)
