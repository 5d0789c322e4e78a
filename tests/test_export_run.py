"""What `nasbox export RUN` reads: the proxy weights a search keeps (and prunes), and exports of a real tiny run."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from nasbox.search.front import Point
from nasbox.search.results import Snapshot
from nasbox.search.weights import prune, save_weights, weights_key, weights_path


def _point(trial: int | None, baseline: str | None, accuracy: float, macs: int) -> Point:
    return Point(trial=trial, baseline=baseline, genes=None, spec={}, accuracy=accuracy, macs=macs, params=1)


def test_weights_are_kept_per_trained_network_and_pruned_off_the_front_only(tmp_path: Path) -> None:
    best, dominated, baseline = _point(1, None, 0.9, 100), _point(2, None, 0.5, 200), _point(None, "lenet5", 0.6, 10)
    enqueued = _point(4, "mobilenet_v2", 0.4, 300)
    state = {"w": torch.arange(6.0).reshape(2, 3)}
    for point in (best, dominated, baseline, enqueued):
        save_weights(tmp_path, weights_key(point.trial, point.baseline), state)
    running = save_weights(tmp_path, weights_key(3, None), state)  # a trial still training has no point yet
    assert sorted(os.listdir(tmp_path / "weights")) == ["baseline-lenet5.pt", "trial-00001.pt", "trial-00002.pt",
                                                       "trial-00003.pt", "trial-00004.pt"], "no temporary file left"
    snapshot = Snapshot(points=[best, dominated, baseline, enqueued], front=[baseline, best], hypervolume=0.0,
                        baselines_hypervolume=0.0, counts={}, failures=[])
    assert sorted(prune(tmp_path, snapshot)) == ["trial-00002", "trial-00004"]
    assert sorted(os.listdir(tmp_path / "weights")) == ["baseline-lenet5.pt", "trial-00001.pt", "trial-00003.pt"]
    assert running.exists()
    kept = torch.load(weights_path(tmp_path, "trial-00001"), weights_only=True)
    assert torch.equal(kept["w"], state["w"])
    assert prune(tmp_path, snapshot) == []
