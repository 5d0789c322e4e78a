"""The Pareto front of a search: which points it keeps and in what order, its hypervolume computed by hand in the
normalised loss space, and the front.json / front.csv files a run directory holds."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

import nasbox
from nasbox import NasboxError
from nasbox.search.front import (
    FRONT_CSV,
    FRONT_JSON,
    Point,
    Reference,
    hypervolume,
    learned,
    pareto_front,
    read_front,
    write_front,
)

ACC_MACS = ("accuracy", "macs")
ACC_MACS_PARAMS = ("accuracy", "macs", "params")


def point(accuracy: float, macs: int, params: int = 1000, trial: int | None = 0, baseline: str | None = None,
          genes: dict[str, Any] | None = None, test_accuracy: float | None = None) -> Point:
    return Point(trial=trial, baseline=baseline, genes=genes, spec={"name": f"net-{trial}-{baseline}"},
                 val_accuracy=accuracy, macs=macs, params=params, test_accuracy=test_accuracy)


def keys(points: list[Point]) -> list[tuple[float, int, int]]:
    return [(p.val_accuracy, p.macs, p.params) for p in points]


# ------------------------------------------------------------------------------------------------- pareto_front


def test_pareto_front_drops_dominated_points_and_orders_by_macs() -> None:
    points = [
        point(0.90, 500, trial=0),
        point(0.50, 100, trial=1),
        point(0.85, 600, trial=2),  # dominated by trial 0: less accurate and dearer
        point(0.80, 250, trial=3),
        point(0.50, 300, trial=4),  # dominated by trial 1: as accurate, dearer
        point(0.40, 100, trial=5),  # dominated by trial 1: as cheap, less accurate
    ]
    front = pareto_front(points, ACC_MACS)
    assert [p.trial for p in front] == [1, 3, 0]


def test_pareto_front_keeps_ties_once() -> None:
    points = [point(0.8, 200, trial=0), point(0.8, 200, trial=1), point(0.9, 400, trial=2),
              point(0.9, 400, trial=3, baseline="resnet18")]
    front = pareto_front(points, ACC_MACS)
    assert keys(front) == [(0.8, 200, 1000), (0.9, 400, 1000)]
    assert [p.trial for p in front] == [0, 2]  # the first of each tie


def test_pareto_front_of_nothing_is_empty() -> None:
    assert pareto_front([], ACC_MACS) == []


def test_pareto_front_with_three_objectives_keeps_what_params_make_non_dominated() -> None:
    points = [
        point(0.9, 500, params=9000, trial=0),
        point(0.9, 500, params=4000, trial=1),  # dominates trial 0 on params
        point(0.8, 500, params=1000, trial=2),  # same MACs, fewer params, less accurate: kept
        point(0.7, 600, params=2000, trial=3),  # dominated by trial 2
        point(0.6, 100, params=5000, trial=4),
    ]
    front = pareto_front(points, ACC_MACS_PARAMS)
    assert [p.trial for p in front] == [4, 1, 2]  # by MACs, then the more accurate first
    # on accuracy and MACs alone, trial 2 ties trial 1 on MACs and loses on accuracy
    assert [p.trial for p in pareto_front(points, ACC_MACS)] == [4, 0]


def test_pareto_front_points_equal_on_two_objectives_differ_on_the_third() -> None:
    points = [point(0.8, 200, params=100, trial=0), point(0.8, 200, params=50, trial=1),
              point(0.8, 200, params=100, trial=2)]
    assert [p.trial for p in pareto_front(points, ACC_MACS)] == [0]
    assert [p.trial for p in pareto_front(points, ACC_MACS_PARAMS)] == [1]


# ------------------------------------------------------------------------------------------------- hypervolume

# The staircase used below, with a MAC budget of 1000 and chance at 0: losses (1 − accuracy, macs / 1000) are
#   (0.1, 0.5), (0.2, 0.25), (0.5, 0.1). Against the reference (1, 1), sweeping the MAC loss from left to right:
#   [0.1, 0.25) × [0.5, 1] = 0.15 · 0.5 = 0.075
#   [0.25, 0.5) × [0.2, 1] = 0.25 · 0.8 = 0.2
#   [0.5, 1]    × [0.1, 1] = 0.5  · 0.9 = 0.45          total 0.725
STAIRCASE = [point(0.9, 500, trial=0), point(0.8, 250, trial=1), point(0.5, 100, trial=2)]
AT_1000 = Reference(chance=0.0, scales={"macs": 1000})


def test_accuracy_alone_keeps_the_most_accurate_network_and_its_share_of_the_way_from_chance() -> None:
    points = [point(0.5, 100, trial=0), point(0.9, 500, trial=1), point(0.7, 50, trial=2), point(0.9, 500, trial=3)]
    front = pareto_front(points, ("accuracy",))
    assert [p.trial for p in front] == [1], "ties kept once, the cheaper accuracy left out"
    assert hypervolume(front, ("accuracy",), Reference(0.1, {})) == pytest.approx((0.9 - 0.1) / 0.9)


def test_hypervolume_of_a_staircase_within_a_budget() -> None:
    assert hypervolume(STAIRCASE, ACC_MACS, AT_1000) == pytest.approx(0.725)


def test_hypervolume_ignores_dominated_points_given_with_the_front() -> None:
    assert hypervolume([*STAIRCASE, point(0.7, 400, trial=3)], ACC_MACS, AT_1000) == pytest.approx(0.725)


def test_hypervolume_credits_nothing_at_or_below_chance() -> None:
    # chance 0.5: accuracy losses (1 − a) / 0.5 are 0.2, 0.4 and 1.0, so the third step lies on the reference's edge
    #   [0.25, 0.5) × [0.4, 1] = 0.25 · 0.6 = 0.15;  [0.5, 1] × [0.2, 1] = 0.5 · 0.8 = 0.4;  total 0.55
    at_chance = Reference(chance=0.5, scales={"macs": 1000})
    assert hypervolume(STAIRCASE, ACC_MACS, at_chance) == pytest.approx(0.55)
    assert hypervolume([point(0.3, 10)], ACC_MACS, at_chance) == 0.0


def test_hypervolume_of_a_fixed_scale_does_not_fall_when_a_costlier_network_arrives() -> None:
    before = hypervolume(STAIRCASE, ACC_MACS, AT_1000)
    assert hypervolume([*STAIRCASE, point(0.95, 5000, trial=8)], ACC_MACS, AT_1000) == pytest.approx(before)


def test_hypervolume_a_point_beyond_the_budget_contributes_nothing() -> None:
    beyond = point(0.99, 1500, trial=7)
    assert hypervolume([*STAIRCASE, beyond], ACC_MACS, AT_1000) == pytest.approx(0.725)
    assert hypervolume([beyond], ACC_MACS, AT_1000) == 0.0


def test_hypervolume_of_an_empty_front_is_zero() -> None:
    assert hypervolume([], ACC_MACS, AT_1000) == 0.0


def test_hypervolume_of_a_perfect_free_network_is_one() -> None:
    assert hypervolume([point(1.0, 0)], ACC_MACS, Reference(chance=0.1, scales={"macs": 1000})) == pytest.approx(1.0)


def test_hypervolume_in_three_objectives_by_inclusion_exclusion() -> None:
    # scales 1000 MACs, 100 params: losses (0.2, 0.5, 0.5) and (0.5, 0.2, 0.5); each box is 0.8 · 0.5 · 0.5 = 0.2,
    # their overlap 0.5 · 0.5 · 0.5 = 0.125, so the union is 0.275
    front = [point(0.8, 500, params=50, trial=0), point(0.5, 200, params=50, trial=1)]
    assert hypervolume(front, ACC_MACS_PARAMS, Reference(0.0, {"macs": 1000, "params": 100})) == pytest.approx(0.275)
    # MACs scaled by 500: the losses are (0.2, 1.0, 0.5) and (0.5, 0.4, 0.5): the first box is flat, the second
    # 0.5 · 0.6 · 0.5 = 0.15
    assert hypervolume(front, ACC_MACS_PARAMS, Reference(0.0, {"macs": 500, "params": 100})) == pytest.approx(0.15)


def test_a_reference_round_trips_through_its_record() -> None:
    reference = Reference(chance=0.1, scales={"macs": 6e8, "latency": 0.02})
    assert reference.to_dict() == {"accuracy": 0.1, "macs": 6e8, "latency": 0.02}
    assert Reference.from_dict(reference.to_dict()) == reference


# ------------------------------------------------------------------------------------------------- front files


def sample_front() -> list[Point]:
    spec = nasbox.zoo.get("lenet5").to_dict()
    return [
        Point(trial=3, baseline=None, genes={"depth": 2, "width": 0.5}, spec={**spec, "name": "lenet5-search"},
              val_accuracy=0.8125, macs=120_000, params=40_000, test_accuracy=0.796875),
        Point(trial=None, baseline="lenet5", genes=None, spec=spec, val_accuracy=0.9, macs=416_520, params=61_706),
        Point(trial=7, baseline="mobilenet_v2", genes={"depth": 4, "kernel": [3, 5]}, spec={**spec, "name": "x"},
              val_accuracy=0.953125, macs=900_000, params=70_000, test_accuracy=0.9375),
    ]


SUMMARY = {"space": "mobilenet", "objectives": ["accuracy", "macs"], "budget": {"macs": 1_000_000},
           "trials": {"finished": 3, "failed": 1}, "hypervolume": 0.5, "baselines_hypervolume": 0.25,
           "baselines": [], "failures": [{"trial": 2, "baseline": None, "reason": "diverged"}]}


def test_write_front_json_holds_the_summary_and_one_entry_per_point(tmp_path: Path) -> None:
    front = sample_front()
    write_front(tmp_path, front, SUMMARY)
    data = json.loads((tmp_path / FRONT_JSON).read_text())
    assert {k: v for k, v in data.items() if k != "front"} == SUMMARY
    assert len(data["front"]) == len(front)
    for entry, p in zip(data["front"], front, strict=True):
        assert entry == {"trial": p.trial, "baseline": p.baseline, "genes": p.genes, "spec": p.spec,
                         "val_accuracy": p.val_accuracy, "test_accuracy": p.test_accuracy, "macs": p.macs,
                         "params": p.params, "latency": p.latency}
    assert read_front(tmp_path) == data
    assert [Point(**entry) for entry in read_front(tmp_path)["front"]] == front
    assert not [p for p in tmp_path.iterdir() if p.name not in (FRONT_JSON, FRONT_CSV)]  # no temporary left


def test_write_front_csv_has_the_same_rows(tmp_path: Path) -> None:
    front = sample_front()
    write_front(tmp_path, front, SUMMARY)
    with open(tmp_path / FRONT_CSV, newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == len(front)
    for row, p in zip(rows, front, strict=True):
        assert set(row) == {"trial", "baseline", "val_accuracy", "test_accuracy", "macs", "params", "latency",
                            "genes", "spec"}
        assert (int(row["trial"]) if row["trial"] else None) == p.trial
        assert (row["baseline"] or None) == p.baseline
        assert float(row["val_accuracy"]) == p.val_accuracy
        assert (float(row["test_accuracy"]) if row["test_accuracy"] else None) == p.test_accuracy
        assert (int(row["macs"]), int(row["params"])) == (p.macs, p.params)
        assert (json.loads(row["genes"]) if row["genes"] else None) == p.genes
        assert json.loads(row["spec"]) == p.spec


def test_write_front_replaces_the_previous_files(tmp_path: Path) -> None:
    write_front(tmp_path, sample_front(), SUMMARY)
    write_front(tmp_path, sample_front()[:1], {**SUMMARY, "hypervolume": 0.75})
    data = read_front(tmp_path)
    assert data["hypervolume"] == 0.75 and len(data["front"]) == 1
    assert len((tmp_path / FRONT_CSV).read_text().splitlines()) == 2


def test_write_front_of_an_empty_front_writes_a_header_only(tmp_path: Path) -> None:
    write_front(tmp_path, [], SUMMARY)
    assert read_front(tmp_path)["front"] == []
    with open(tmp_path / FRONT_CSV, newline="", encoding="utf-8") as file:
        assert list(csv.DictReader(file)) == []


def assert_one_line_error(run_dir: Path, *words: str) -> None:
    with pytest.raises(NasboxError) as info:
        read_front(run_dir)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(run_dir))
    for word in words:
        assert word in message


def test_read_front_of_a_missing_directory(tmp_path: Path) -> None:
    assert_one_line_error(tmp_path / "nowhere", "no such run directory", "--run-dir")


def test_read_front_of_a_directory_without_front_json(tmp_path: Path) -> None:
    assert_one_line_error(tmp_path, FRONT_JSON, "--run-dir")


def test_read_front_of_corrupt_json(tmp_path: Path) -> None:
    (tmp_path / FRONT_JSON).write_text('{"space": "mobilenet", "front": [')
    assert_one_line_error(tmp_path, "not valid JSON")


# ------------------------------------------------------------------------------------------------- chance level


@pytest.mark.parametrize(("accuracy", "chance", "images", "expected"), [
    (0.14, 0.1, 750, True), (0.13, 0.1, 750, False),  # 3 binomial sd of a guesser on 750 images: 0.0329
    (0.26, 0.1, 30, False), (0.27, 0.1, 30, True),  # on 30 images the margin is 0.164
    (0.58, 0.5, 1000, True), (0.1, 0.1, 10**6, False),
])
def test_learned_means_beyond_three_binomial_deviations_of_chance(accuracy: float, chance: float, images: int,
                                                                  expected: bool) -> None:
    assert learned(accuracy, chance, images) is expected


def test_a_baseline_at_chance_level_is_marked_and_left_out_of_the_baselines_hypervolume() -> None:
    from nasbox.search.config import SearchConfig
    from nasbox.search.results import DID_NOT_LEARN, Snapshot, standing

    squeezed, learner = point(0.1, 300, trial=None, baseline="squeezenet1_1"), point(0.8, 500, trial=None,
                                                                                      baseline="mobilenet_v2")
    snapshot = Snapshot(points=[squeezed, learner], front=[squeezed, learner], hypervolume=0.0,
                        baselines_hypervolume=0.0, counts={}, failures=[], at_chance=frozenset({"squeezenet1_1"}))
    config = SearchConfig(space="mobilenet")
    assert standing(squeezed, snapshot, config) == DID_NOT_LEARN
    assert standing(learner, snapshot, config) == "on front"
