"""The held-out test split in a search: the sampler sees validation accuracy only, test accuracy is recorded for
the networks the run reports (front members and baselines) and nowhere the search reads, and a run directory made
before the split existed is refused rather than misread."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from nasbox.search.held_out_scores import read_test_scores
from nasbox.search.weights import weights_key
from tests.test_latency import TINY_SPACE
from tests.test_search_records import FAST, nasbox_cli, search, snapshot_of_files, studies


@pytest.fixture
def space_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_SPACE)
    return path


def dominates(a: dict, b: dict) -> bool:
    return (a["val_accuracy"] >= b["val_accuracy"] and a["macs"] <= b["macs"]
            and (a["val_accuracy"] > b["val_accuracy"] or a["macs"] < b["macs"]))


@pytest.mark.slow
def test_the_sampler_sees_validation_accuracy_and_only_reported_networks_get_a_test_score(
        space_file: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    search(space_file, run_dir, trials="5", baselines="lenet5")
    front = json.loads((run_dir / "front.json").read_text())
    by_study = studies(run_dir)
    searched = [t for t in by_study["search"].get_trials() if t.state.name == "COMPLETE"]
    for trial in [*searched, *by_study["baselines"].get_trials()]:
        if trial.user_attrs.get("status") not in ("infeasible", "failed"):
            assert trial.values[0] == trial.user_attrs["accuracy"]  # what the sampler is told: validation accuracy
        assert not [key for key in trial.user_attrs if "test" in key]  # no test figure in what the search reads
    scores = read_test_scores(run_dir)
    reported = [*front["front"], *front["baselines"]]
    assert reported and all(p["test_accuracy"] == scores[weights_key(p["trial"], p["baseline"])] for p in reported)
    assert all(0 <= p["test_accuracy"] <= 1 for p in reported)
    on_front = {weights_key(p["trial"], p["baseline"]) for p in reported}
    records = {weights_key(t.number, None): {"val_accuracy": t.user_attrs["accuracy"], "macs": t.user_attrs["macs"],
                                             "number": t.number} for t in searched if "accuracy" in t.user_attrs}
    for key in set(scores) - on_front:  # scored while on the front, then displaced by a later network
        left = records[key]
        assert any(dominates(other, left) and other["number"] > left["number"] for other in records.values()), key


@pytest.mark.slow
def test_a_run_made_before_the_test_split_is_refused_and_left_as_it_was(space_file: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    search(space_file, run_dir, trials="1", baselines="none")
    config = yaml.safe_load((run_dir / "config.yaml").read_text())
    del config["identity"]["test_fraction"]
    (run_dir / "config.yaml").write_text(yaml.safe_dump(config))
    before = snapshot_of_files(run_dir)
    result = nasbox_cli("search", "--space", str(space_file), "--run-dir", str(run_dir),
                        *(f"--{k.replace('_', '-')}={v}" for k, v in FAST.items()), "--quiet")
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert "no held-out test split" in result.stderr and "another --run-dir" in result.stderr
    assert snapshot_of_files(run_dir) == before
