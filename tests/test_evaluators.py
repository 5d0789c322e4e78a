"""The evaluator seam: the proxy-training evaluator gives exactly what the proxy's training gives, and an evaluator
written here plugs into the records that `nasbox rescore` and `nasbox fidelity` keep, with no other change."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nasbox.arch.spec import ArchSpec
from nasbox.cost import cost
from nasbox.data import load_dataset
from nasbox.evaluators import Evaluation, Evaluator, ProxyTraining
from nasbox.jobs import train_and_score
from nasbox.proxy import (
    HeldOut,
    ProxyConfig,
    ProxyData,
    TrialFailed,
    evaluate,
    held_out_accuracy,
    prepare_data,
    prepare_test,
)
from nasbox.zoo import get

RECIPE = ProxyConfig(epochs=2, width_mult=0.5, resolution=32, batch_size=32)


@pytest.fixture(scope="module")
def digits() -> tuple[ProxyData, HeldOut]:
    """The built-in digits (real 8×8 scans), split and prepared at 32 px."""
    dataset = load_dataset("digits", None)
    data = prepare_data(dataset, resolution=32)
    return data, prepare_test(dataset, data)


def without_seconds(curve: list[dict[str, float]]) -> list[dict[str, float]]:
    return [{k: v for k, v in point.items() if k != "seconds"} for point in curve]


def test_proxy_training_is_the_proxys_training(digits: tuple[ProxyData, HeldOut]) -> None:
    data, held_out = digits
    spec = get("lenet5")
    seen: list[dict[str, float]] = []
    evaluation = ProxyTraining(RECIPE, data).evaluate(spec, 3, on_epoch=seen.append)
    direct = evaluate(spec, RECIPE, data, seed=3, keep_state=True)
    assert evaluation.accuracy == direct.accuracy > 0.5, "lenet5 learns the digits well above chance (0.1)"
    assert without_seconds(evaluation.curve) == without_seconds(direct.curve) == without_seconds(seen)
    assert evaluation.state is not None and evaluation.state.keys() == direct.state.keys()
    assert ProxyTraining(RECIPE, data).test_accuracy(spec, evaluation, held_out) == \
        held_out_accuracy(spec, RECIPE, data, held_out, direct.state)


class ParamsScore(Evaluator):
    """A training-free stand-in: fewer parameters score higher; it trains nothing, so it has no test score."""

    name = "params-score"

    def evaluate(self, spec: ArchSpec, seed: int,
                 on_epoch: Callable[[dict[str, float]], None] | None = None) -> Evaluation:
        if spec.name == "refused":
            raise TrialFailed("the stand-in refuses this network")
        return Evaluation(accuracy=1 / (1 + cost(spec).params / 1e6))


def test_an_evaluator_written_here_fills_the_records_of_rescore_and_fidelity(
        digits: tuple[ProxyData, HeldOut]) -> None:
    _, held_out = digits
    spec = get("lenet5")
    figures, state = train_and_score(spec, ParamsScore(), held_out, seed=0)
    assert figures["val_accuracy"] == 1 / (1 + cost(spec).params / 1e6) and figures["test_accuracy"] is None
    assert state is None and figures["cpu_seconds"] >= 0 and figures["seconds"] >= 0
    figures, state = train_and_score(spec.replace(name="refused"), ParamsScore(), held_out, seed=0)
    assert figures["failed"] == "the stand-in refuses this network" and state is None
