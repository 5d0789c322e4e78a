"""The objectives registry: the built-in four as the search has always had them, and a new objective added by one
entry reaching config, study directions, budgets, the target's figures and scales, the front and its files without
another change."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from nasbox import objectives as registry
from nasbox.cost import cost
from nasbox.errors import NasboxError
from nasbox.objectives import OBJECTIVES, Objective, analytic_figures, figure_names, objective
from nasbox.search.config import make_config
from nasbox.search.front import Point, Reference, hypervolume, pareto_front, write_front
from nasbox.search.study import objective_values
from nasbox.search.target import Target, record
from nasbox.space import load_space
from nasbox.space.budget import describe_limit
from nasbox.zoo import get

ACTIVATIONS = Objective("activations", "minimize", "activations", "cost model", lambda v: f"{v:g}",
                        of_cost=lambda cost: cost.activations, integral=True, budget_word="activations")


@pytest.fixture
def activations(monkeypatch: pytest.MonkeyPatch) -> Objective:
    """The activation count registered as an objective for one test (the registry is restored after it)."""
    monkeypatch.setitem(registry._REGISTRY, ACTIVATIONS.name, ACTIVATIONS)
    return ACTIVATIONS


def test_the_built_in_objectives() -> None:
    assert list(OBJECTIVES) == ["accuracy", "macs", "params", "latency"]
    assert [o.direction for o in OBJECTIVES.values()] == ["maximize", "minimize", "minimize", "minimize"]
    assert figure_names() == ("macs", "params", "latency")
    lenet = cost(get("lenet5"))
    assert analytic_figures(lenet) == {"macs": lenet.macs, "params": lenet.params}
    assert [describe_limit(n, v) for n, v in (("macs", 600e6), ("params", 5e6), ("latency", 0.02))] == [
        "600M MACs", "5M params", "20ms latency"]
    assert record({"macs": 1.0e6, "params": 2.0, "latency": 0.5}) == {"macs": 1_000_000, "params": 2, "latency": 0.5}
    assert isinstance(record({"macs": 1.0e6})["macs"], int)
    assert objective_values(("accuracy", "latency"), 0.5, {"macs": 1}) == [0.5, float("inf")], "unmeasured: worst"


def test_an_unknown_objective_is_refused_naming_the_registered_ones() -> None:
    with pytest.raises(NasboxError, match="objective 'energy' is not one nasbox knows; choose among accuracy, macs"):
        objective("energy")
    with pytest.raises(NasboxError, match="give 'accuracy' alone or with any of macs, params, latency"):
        make_config({"space": "resnet", "objectives": "accuracy,energy"})
    with pytest.raises(ValueError, match="registered already"):
        registry.register(OBJECTIVES["macs"])


def test_one_entry_makes_a_new_objective_searchable(activations: Objective, tmp_path: Path) -> None:
    config = make_config({"space": "resnet", "objectives": "accuracy,activations,macs"})
    assert config.objectives == ("accuracy", "activations", "macs")
    assert registry.directions(config.objectives) == ["maximize", "minimize", "minimize"]
    assert describe_limit("activations", 2e6) == "2e+06 activations"

    space = load_space("resnet")
    candidate = space.candidate(*space.sample(random.Random(0)))
    target = Target(config)
    figures = target.figures(candidate.spec, candidate.cost)
    assert figures["activations"] == candidate.cost.activations and isinstance(record(figures)["activations"], int)
    scales = target.scales(space, config.objectives)
    assert scales["activations"] >= candidate.cost.activations and set(scales) == {"activations", "macs"}

    def point(trial: int, accuracy: float, macs: int, acts: int) -> Point:
        return Point(trial=trial, baseline=None, genes={"g": trial}, spec={"name": f"n{trial}"}, val_accuracy=accuracy,
                     macs=macs, params=1, more_figures={"activations": acts})

    points = [point(0, 0.9, 100, 50), point(1, 0.9, 100, 40), point(2, 0.8, 50, 60), point(3, 0.7, 200, 70)]
    front = pareto_front(points, config.objectives)
    assert [p.trial for p in front] == [1, 2], "by activations too: 0 is beaten by 1, 3 by everyone"
    reference = Reference(0.1, {"activations": 100.0, "macs": 200.0})
    assert hypervolume(front, config.objectives, reference) > hypervolume(front[:1], config.objectives, reference)

    write_front(tmp_path, front, {})
    assert [p["activations"] for p in json.loads((tmp_path / "front.json").read_text())["front"]] == [40, 60]
    rows = list(csv.DictReader((tmp_path / "front.csv").open()))
    assert [row["activations"] for row in rows] == ["40", "60"]
