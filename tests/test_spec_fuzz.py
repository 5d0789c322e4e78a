"""Random corruptions of valid specs: reading one either succeeds or raises a one-line NasboxError, never a crash."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

import nasbox
from nasbox import zoo

JUNK: list[Any] = [None, -1, 0, 2.5, True, "", "x", [], [1], [1, 2, 3], {}, {"type": "conv"}, 10**9, float("nan")]


def _slots(data: Any, path: tuple = ()) -> list[tuple]:
    """Every (container path, key) in a nested dict/list."""
    found = []
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return found
    for key, value in items:
        found.append((*path, key))
        found += _slots(value, (*path, key))
    return found


def _corrupt(data: dict, rng: random.Random) -> dict:
    data = copy.deepcopy(data)
    *parents, key = rng.choice(_slots(data))
    target = data
    for step in parents:
        target = target[step]
    if isinstance(target, dict) and rng.random() < 0.2:
        target[f"{key}_typo"] = target.pop(key)
    else:
        target[key] = rng.choice(JUNK)
    return data


@pytest.mark.parametrize("name", ["googlenet", "resnet50", "mobilenet_v2", "enet", "densenet121", "squeezenet1_1"])
def test_corrupted_specs_fail_cleanly(name: str) -> None:
    rng = random.Random(name)
    original = zoo.get(name).to_dict()
    outcomes = {"ok": 0, "error": 0}
    for _ in range(150):
        try:
            nasbox.load_spec(_corrupt(original, rng))
            outcomes["ok"] += 1
        except nasbox.NasboxError as exc:
            assert "\n" not in str(exc) and str(exc)
            outcomes["error"] += 1
    assert outcomes["error"] > 50


def test_non_finite_numbers_are_refused() -> None:
    data = zoo.get("inception_resnet_v2").to_dict()
    residual = next(layer for layer in data["layers"] if layer["type"] == "residual")
    residual["scale"] = float("inf")
    with pytest.raises(nasbox.SpecError, match=r"scale: must be a finite number, got inf"):
        nasbox.load_spec(data)
