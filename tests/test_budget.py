"""Budgets on a space's networks: overshoot and load, reachability, the extremes of each space, and budgets as
Optuna constraints (sampling within a budget is tests/test_sampling.py)."""

from __future__ import annotations

import random
from collections.abc import Callable

import optuna
import pytest

import nasbox
from experiments.bench.sampling import feasible_share
from nasbox import NasboxError
from nasbox.cost import Cost
from nasbox.space import load_space, space_names
from nasbox.space.budget import Budget, check_reachable, suggest_within
from nasbox.space.extremes import cheapest, dearest
from nasbox.space.sampling import sample_within
from nasbox.units import format_count

M = 10**6


# ------------------------------------------------------------------------------------------------- Budget


def _cost(macs: int, params: int) -> Cost:
    """A hand-made cost; the activation figures play no part in budgets."""
    return Cost(macs=macs, params=params, activations=0, peak_activations=0)


def test_budget_met_exactly_at_its_limit() -> None:
    budget = Budget(macs=600 * M, params=5 * M)
    cost = _cost(300 * M, 5 * M)
    assert budget.overshoot(cost) == {"macs": -0.5, "params": 0.0}
    assert budget.admits(cost)
    assert budget.load(cost) == 1.0


def test_budget_exceeded_on_one_limit() -> None:
    budget = Budget(macs=600 * M, params=5 * M)
    cost = _cost(900 * M, 4 * M)
    assert budget.overshoot(cost) == pytest.approx({"macs": 0.5, "params": -0.2})
    assert not budget.admits(cost)
    assert budget.load(cost) == pytest.approx(1.5)
    assert not budget.admits(_cost(600 * M, 5 * M + 1))


def test_budget_on_params_only_ignores_macs() -> None:
    budget = Budget(params=5 * M)
    cost = _cost(10**12, 2 * M)
    assert budget.overshoot(cost) == {"params": pytest.approx(-0.6)}
    assert budget.admits(cost)
    assert budget.load(cost) == pytest.approx(0.4)


def test_no_budget_admits_everything() -> None:
    cost = _cost(10**12, 10**9)
    assert Budget().overshoot(cost) == {}
    assert Budget().admits(cost)
    assert Budget().load(cost) == 0.0


# ------------------------------------------------------------------------------------------------- check_reachable


def test_budget_below_the_cheapest_network_is_refused_before_any_draw() -> None:
    space = load_space("resnet")
    smallest = cheapest(space).cost.macs
    rng = random.Random(0)
    state = rng.getstate()
    with pytest.raises(NasboxError) as info:
        sample_within(space, rng, Budget(macs=smallest - 1), 1)
    message = str(info.value)
    assert "admits no network" in message
    assert "'resnet'" in message
    assert f"reaches {format_count(smallest)} MACs" in message
    assert rng.getstate() == state  # refused at once: nothing was drawn


def test_budget_at_exactly_the_cheapest_network_is_reachable() -> None:
    space = load_space("resnet")
    check_reachable(space, Budget(macs=cheapest(space).cost.macs))
    check_reachable(space, Budget(params=cheapest(space, lambda c: c.params).cost.params))
    check_reachable(space, Budget())
    with pytest.raises(NasboxError, match="admits no network"):
        check_reachable(space, Budget(params=cheapest(space, lambda c: c.params).cost.params - 1))


# ------------------------------------------------------------------------------------------------- extremes


@pytest.mark.parametrize("name", space_names())
def test_extremes_bound_random_samples_and_are_points_of_the_space(name: str) -> None:
    space = load_space(name)
    rng = random.Random(0)
    macs = [space.candidate(*space.sample(rng)).cost.macs for _ in range(300)]
    low, high = cheapest(space), dearest(space)
    assert low.cost.macs <= min(macs)
    assert high.cost.macs >= max(macs)
    for candidate in (low, high):
        assert space.render(candidate.genes).layers == candidate.spec.layers
        assert nasbox.cost(candidate.spec) == candidate.cost


# ------------------------------------------------------------------------------------------------- Optuna


@pytest.mark.parametrize("make_sampler", [
    lambda: optuna.samplers.TPESampler(seed=0, n_startup_trials=5),
    lambda: optuna.samplers.NSGAIISampler(seed=0),
], ids=["tpe", "nsga2"])
def test_budget_is_an_optuna_constraint(make_sampler: Callable[[], optuna.samplers.BaseSampler]) -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = load_space("inception_resnet")
    limit = 400 * M
    budget = Budget(macs=limit)
    seen: dict[int, tuple[int, bool]] = {}

    def objective(trial: optuna.Trial) -> tuple[float, float]:
        candidate, _, feasible = suggest_within(space, trial, budget)
        seen[trial.number] = (candidate.cost.macs, feasible)
        return float(candidate.cost.macs), float(candidate.cost.params)

    study = optuna.create_study(sampler=make_sampler(), directions=["minimize", "minimize"])
    study.optimize(objective, n_trials=25)
    assert len(study.trials) == len(seen) == 25
    for trial in study.trials:
        macs, feasible = seen[trial.number]
        assert trial.values[0] == macs
        # optuna 5 stores each named constraint as the system attribute 'constraints:<name>'
        assert trial.constraints == {"macs": macs / limit - 1}
        assert trial.system_attrs["constraints:macs"] == macs / limit - 1
        assert feasible == (macs <= limit)
    assert any(feasible for _, feasible in seen.values())
    assert study.best_trials
    for trial in study.best_trials:
        assert seen[trial.number][1], trial.number


def test_tpe_told_the_budget_stays_feasible_where_an_untold_one_leaves_it() -> None:
    space, budget = load_space("inception_resnet"), Budget(macs=600 * 10**6)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    told, untold = (feasible_share(space, budget, trials=80, seed=0, told=told) for told in (True, False))
    assert told >= 0.4
    assert untold <= 0.2
