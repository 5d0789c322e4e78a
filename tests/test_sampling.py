"""Sampling within a budget: uniform draws repaired toward cheaper genes, and rejection sampling beside it."""

from __future__ import annotations

import random

import pytest

import nasbox
from nasbox import NasboxError
from nasbox.space import Candidate, load_space, space_names
from nasbox.space.budget import Budget, check_reachable
from nasbox.space.extremes import least_loaded
from nasbox.space.sampling import draw_feasible, sample_within

M = 10**6
BUDGETS = (300 * M, 600 * M, 1000 * M)


def _reachable(name: str) -> list[int]:
    space = load_space(name)
    reachable = []
    for macs in BUDGETS:
        try:
            check_reachable(space, Budget(macs=macs))
        except NasboxError:
            continue
        reachable.append(macs)
    return reachable


@pytest.mark.slow
@pytest.mark.parametrize("name", space_names())
def test_every_reachable_budget_yields_100_valid_feasible_samples_the_same_for_a_seed(name: str) -> None:
    space = load_space(name)
    reachable = _reachable(name)
    assert reachable, f"space {name!r} meets none of the budgets"
    for macs in reachable:
        budget = Budget(macs=macs)
        candidates, draws = sample_within(space, random.Random(7), budget, 100)
        assert len(candidates) == 100 and 100 <= draws <= 400
        for candidate in candidates:
            assert candidate.cost.macs <= macs and budget.admits(candidate.cost)
            assert space.render(candidate.genes) == candidate.spec
            assert nasbox.cost(candidate.spec) == candidate.cost
        assert len({candidate.spec.name for candidate in candidates}) > 50, (name, macs)
        again, _ = sample_within(space, random.Random(7), budget, 20)
        assert [c.genes for c in again] == [c.genes for c in candidates[:20]]
        other, _ = sample_within(space, random.Random(8), budget, 20)
        assert [c.genes for c in other] != [c.genes for c in again]


def test_sample_within_keeps_only_networks_within_budget_and_is_seeded() -> None:
    space = load_space("inception_resnet")
    budget = Budget(macs=600 * M)
    candidates, draws = sample_within(space, random.Random(0), budget, 30)
    assert len(candidates) == 30
    assert draws >= 30
    for candidate in candidates:
        assert nasbox.cost(candidate.spec).macs <= 600 * M
        assert budget.admits(candidate.cost)
    again, draws_again = sample_within(space, random.Random(0), budget, 30)
    assert [c.genes for c in again] == [c.genes for c in candidates]
    assert draws_again == draws


def test_a_draw_within_budget_is_kept_as_drawn() -> None:
    space = load_space("mobilenet")
    kept = draw_feasible(space, random.Random(3), lambda candidate: 0.0)
    assert kept.genes == space.sample(random.Random(3))[0]
    candidates, draws = sample_within(space, random.Random(3), Budget(), 5)
    rng = random.Random(3)
    assert [c.genes for c in candidates] == [space.sample(rng)[0] for _ in range(5)] and draws == 5


def test_under_a_loose_budget_the_first_uniform_draw_that_fits_is_kept() -> None:
    space = load_space("mobilenet")
    budget = Budget(macs=1000 * M)  # most of mobilenet's networks meet it
    candidates, draws = sample_within(space, random.Random(0), budget, 10)
    rng = random.Random(0)
    fitting = [c for c in (space.candidate(*space.sample(rng)) for _ in range(draws)) if budget.admits(c.cost)]
    assert draws < 4 * 10 and [c.genes for c in candidates] == [c.genes for c in fitting]


def test_uniform_sampling_keeps_exactly_the_draws_that_fit() -> None:
    space = load_space("inception_resnet")
    budget = Budget(macs=600 * M)
    candidates, draws = sample_within(space, random.Random(0), budget, 20, uniform=True)
    rng = random.Random(0)
    uniform = [space.candidate(*space.sample(rng)) for _ in range(draws)]
    assert [c.genes for c in candidates] == [c.genes for c in uniform if budget.admits(c.cost)]
    assert draws > 20 and budget.admits(uniform[-1].cost)


def test_uniform_sampling_gives_up_under_a_budget_its_draws_miss() -> None:
    with pytest.raises(NasboxError) as info:
        sample_within(load_space("resnet"), random.Random(0), Budget(macs=600 * M), 12, uniform=True, max_draws=300)
    message = str(info.value)
    assert "only 0 of 12 random networks of space 'resnet' met 600M MACs in 300 draws" in message
    assert "without --uniform" in message and "\n" not in message


def test_draw_feasible_repairs_against_any_load_of_the_candidate() -> None:
    space = load_space("vgg")  # its networks have 13 to 30 layers, half of them more than 20

    def load(candidate: Candidate) -> float:  # a figure of the spec, not one of Budget's
        return len(candidate.spec.layers) / 15

    anchor = least_loaded(space, load)
    assert len(anchor.spec.layers) <= 15
    rng = random.Random(0)
    found = [draw_feasible(space, rng, load, anchor) for _ in range(10)]
    assert all(len(candidate.spec.layers) <= 15 for candidate in found)
    assert all(space.render(candidate.genes) == candidate.spec for candidate in found)
    assert len({candidate.spec.name for candidate in found}) > 5


def test_draw_feasible_refuses_a_load_no_network_meets_in_one_line() -> None:
    space = load_space("resnet")
    with pytest.raises(NasboxError) as info:
        draw_feasible(space, random.Random(0), lambda candidate: candidate.cost.macs / M)
    message = str(info.value)
    assert message.startswith("no network of space 'resnet' meets the budget") and "\n" not in message
