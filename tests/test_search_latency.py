"""Latency in the search: a table built for a space drives a search's latency budget and objective, measured
latency works without a table, and a table or latency budget that cannot serve is refused in one line."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from nasbox.cost.latency import LatencyTable
from nasbox.space import load_space


def nasbox_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nasbox.cli.main", *args], capture_output=True, text=True,
                          timeout=timeout)


def search(tiny_space_file: Path, run_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    return nasbox_cli("search", "--space", str(tiny_space_file), "--subset", "200", "--epochs", "1", "--jobs", "1",
                      "--threads", "1", "--baselines", "none", "--run-dir", str(run_dir), "--quiet", *extra)


@pytest.mark.slow
def test_a_latency_table_drives_the_budget_and_the_objective(tiny_space_file: Path, tiny_table_file: Path,
                                                             tmp_path: Path) -> None:
    table = LatencyTable.load(tiny_table_file)
    space = load_space(tiny_space_file)
    latencies = sorted(table.predict(space.sample(random.Random(seed))[1]) for seed in range(40))
    budget_ms = round(latencies[len(latencies) // 2] * 1e3, 4)  # about half the space fits
    run_dir = tmp_path / "run"
    result = search(tiny_space_file, run_dir, "--trials", "4", "--latency-table", str(tiny_table_file),
                    "--objectives", "accuracy,latency", "--budget-latency", f"{budget_ms:.4f}ms")
    assert result.returncode == 0, result.stderr
    assert "latency" in result.stdout

    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(run_dir / "study.journal")))
    trials = optuna.load_study(study_name="search", storage=storage).get_trials()
    trained = [t for t in trials if t.state.name == "COMPLETE" and t.user_attrs.get("status") != "infeasible"]
    infeasible = [t for t in trials if t.user_attrs.get("status") == "infeasible"]
    assert len(trained) == 4
    for trial in trained:
        predicted = table.predict(space.render(trial.params))
        assert trial.user_attrs["latency"] == pytest.approx(predicted)
        assert trial.values[1] == pytest.approx(predicted), "latency is the second objective"
        assert predicted <= budget_ms / 1e3 and trial.constraints["latency"] <= 0
    for trial in infeasible:
        assert trial.user_attrs["latency"] > budget_ms / 1e3 and trial.constraints["latency"] > 0

    front = json.loads((run_dir / "front.json").read_text())
    assert front["budget"] == {"latency": pytest.approx(budget_ms / 1e3)}
    assert front["front"] and all(p["latency"] <= budget_ms / 1e3 for p in front["front"])
    assert "latency" in (run_dir / "front.csv").read_text().splitlines()[0]


@pytest.mark.slow
def test_latency_is_measured_when_there_is_no_table(tiny_space_file: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    result = search(tiny_space_file, run_dir, "--trials", "2", "--objectives", "accuracy,macs,latency")
    assert result.returncode == 0, result.stderr
    front = json.loads((run_dir / "front.json").read_text())
    assert front["front"] and all(0 < p["latency"] < 1.0 for p in front["front"])


def test_a_table_of_another_space_is_refused(tiny_table_file: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    result = nasbox_cli("search", "--space", "mobilenet", "--latency-table", str(tiny_table_file), "--budget-latency",
                        "20ms", "--run-dir", str(run_dir))
    assert result.returncode == 2 and "built for space 'tiny_latency'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not run_dir.exists()


@pytest.mark.parametrize(("args", "message"), [
    (("--budget-latency", "20"), "has no unit"),
    (("--budget-latency", "20 parsecs"), "--budget-latency"),
    (("--budget-latency", "1us"), "admits no network"),
    (("--latency-table", "/no/such/table.json"), "/no/such/table.json"),
    (("--objectives", "accuracy,speed"), "--objectives"),
])
def test_bad_latency_input_is_one_line_and_writes_nothing(tiny_space_file: Path, tiny_table_file: Path, tmp_path: Path,
                                                          args: tuple[str, ...], message: str) -> None:
    run_dir = tmp_path / "run"
    extra = () if "--latency-table" in args else ("--latency-table", str(tiny_table_file))
    result = nasbox_cli("search", "--space", str(tiny_space_file), *extra, *args, "--run-dir", str(run_dir))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr and not run_dir.exists()
