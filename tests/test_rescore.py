"""`nasbox rescore`: a run's front members and baselines retrained with seeds, scored on the held-out split, with
intervals, a re-scored front and Kendall's tau; records per network × seed that a killed rescore resumes from."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nasbox.proxy import ProxyConfig
from nasbox.rescore.plan import Member, Plan
from nasbox.rescore.summary import RescoredFront, summarise
from tests.test_search_records import nasbox_cli

SEARCH = ("search", "--space", "inception_resnet", "--budget-macs", "600M", "--subset", "300", "--epochs", "1",
          "--width-mult", "0.25", "--trials", "3", "--jobs", "1", "--threads", "1", "--baselines", "lenet5", "--quiet")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rescore") / "run"
    result = nasbox_cli(*SEARCH, "--run-dir", str(path))
    assert result.returncode == 0, result.stderr
    return path


def records_of(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted((folder / "records").glob("*.json"))}


def only_folder(run: Path, recipe_prefix: str) -> Path:
    [folder] = [p for p in (run / "rescore").iterdir() if p.name.startswith(recipe_prefix)]
    return folder


@pytest.mark.slow
def test_rescore_writes_a_record_per_network_and_seed_and_prints_intervals_and_tau(run_dir: Path) -> None:
    result = nasbox_cli("rescore", str(run_dir), "--top", "1", "--epochs", "1", "--seeds", "2", "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert "95% interval" in result.stdout and "Kendall's tau" in result.stdout and "lenet5" in result.stdout
    folder = only_folder(run_dir, "e1-")
    plan = json.loads((folder / "plan.json").read_text())
    keys = [m["key"] for m in plan["members"]]
    assert "baseline-lenet5" in keys and len(keys) in (1, 2)  # the best front member, and the baseline
    records = [json.loads(p.read_text()) for p in sorted((folder / "records").glob("*.json"))]
    assert sorted((r["key"], r["seed"]) for r in records) == sorted((k, s) for k in keys for s in range(2))
    assert all(0 <= r["test_accuracy"] <= 1 and 0 <= r["val_accuracy"] <= 1 for r in records)
    for key in keys:  # one file per network: its best seed's by validation accuracy, never by test
        mine = [r for r in records if r["key"] == key]
        best = max(mine, key=lambda r: (r["val_accuracy"], -r["seed"]))
        assert [p.name for p in (folder / "weights").glob(f"{key}-seed*.pt")] == [f"{key}-seed{best['seed']}.pt"]
    summary = json.loads((folder / "summary.json").read_text())
    for network in summary["networks"]:
        mine = [r["test_accuracy"] for r in records if r["key"] == network["key"]]
        assert network["seeds"] == 2 and math.isclose(network["test_mean"], sum(mine) / 2)
    before = records_of(folder)
    again = nasbox_cli("rescore", str(run_dir), "--top", "1", "--epochs", "1", "--seeds", "2", "--jobs", "2")
    assert again.returncode == 0 and "0 training(s) this time" in again.stdout
    assert records_of(folder) == before



@pytest.mark.slow
def test_a_rescore_shows_in_tensorboard_with_error_bars_and_beside_the_front(run_dir: Path) -> None:
    from tensorboard.backend.event_processing import event_accumulator

    assert nasbox_cli("rescore", str(run_dir), *RESCORE_E1).returncode == 0
    folder = only_folder(run_dir, "e1-w0.25-")
    summary = json.loads((folder / "summary.json").read_text())
    board = event_accumulator.EventAccumulator(str(run_dir / "tensorboard"),
                                               size_guidance={event_accumulator.IMAGES: 0}).Reload()
    trainings = len(list((folder / "records").glob("*.json")))
    assert [i.step for i in board.Images(f"rescore/{folder.name}/test_accuracy_vs_macs")][-1] == trainings
    assert f"rescore/{folder.name}/networks/text_summary" in board.Tags()["tensors"]
    assert board.Images("front/accuracy_vs_macs"), "the search's own figure is still there, beside it"
    shown = nasbox_cli("front", str(run_dir))
    assert shown.returncode == 0, shown.stderr
    assert f"re-scored front ({folder.name})" in shown.stdout and "Pareto front of" in shown.stdout
    for network in summary["networks"]:
        assert f"{network['test_mean']:.4f} ± {network['test_sd']:.4f}" in shown.stdout


@pytest.mark.slow
def test_a_killed_rescore_resumes_without_retraining_finished_seeds(run_dir: Path) -> None:
    command = [sys.executable, "-m", "nasbox.cli.main", "rescore", str(run_dir), "--top", "1", "--epochs", "2",
               "--seeds", "3", "--jobs", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        folders = list((run_dir / "rescore").glob("e2-*/records/*.json")) if (run_dir / "rescore").is_dir() else []
        if folders:
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    folder = only_folder(run_dir, "e2-")
    finished = records_of(folder)
    assert finished, "the rescore was killed after its first record"
    members = len(json.loads((folder / "plan.json").read_text())["members"])
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    after = records_of(folder)
    assert len(after) == members * 3
    assert {name: after[name] for name in finished} == finished  # finished seeds untouched, not retrained
    assert f"{members * 3 - len(finished)} training(s) this time" in resumed.stdout


@pytest.mark.slow
@pytest.mark.parametrize(("args", "words"), [
    (("--top", "0"), "--top: must be at least 1"), (("--seeds", "0"), "--seeds: must be at least 1"),
    (("--top", "99"), "--top 99: the front has"), (("--jobs", "0"), "--jobs: must be at least 1"),
])
def test_rescore_refuses_bad_requests_in_one_line(run_dir: Path, args: tuple[str, ...], words: str) -> None:
    result = nasbox_cli("rescore", str(run_dir), *args)
    assert result.returncode == 2 and words in result.stderr and result.stderr.count("\n") == 1, result.stderr


def test_rescore_of_a_folder_that_is_no_run_is_one_line(tmp_path: Path) -> None:
    result = nasbox_cli("rescore", str(tmp_path))
    assert result.returncode == 2 and "not a nasbox run directory" in result.stderr
    assert result.stderr.count("\n") == 1 and not list(tmp_path.iterdir())


@pytest.mark.slow
def test_a_recipe_cheaper_than_the_search_is_allowed_but_said(run_dir: Path) -> None:
    result = nasbox_cli("rescore", str(run_dir), "--top", "1", "--epochs", "1", "--width-mult", "0.125",
                        "--seeds", "1", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert "warning: this recipe trains less than the search's proxy did (--width-mult 0.125 < 0.25)" in result.stderr


def member(key: str, val: float, macs: int) -> Member:
    return Member(key=key, trial=int(key[-1]), baseline=None, spec={}, search_val_accuracy=val, macs=macs, params=1)


def test_summary_gives_t_intervals_a_front_with_ties_and_kendalls_tau() -> None:
    from scipy import stats

    members = [member("t1", 0.9, 100), member("t2", 0.8, 200), member("t3", 0.7, 300), member("t4", 0.6, 50),
               member("t5", 0.5, 150)]
    tests = {"t1": [0.80, 0.82, 0.84], "t2": [0.70, 0.71, 0.72], "t3": [0.81, 0.83, 0.85], "t4": [0.40, 0.60, 0.80],
             "t5": [0.79, 0.81, 0.83]}
    records = [{"key": k, "seed": s, "val_accuracy": v, "test_accuracy": v} for k, vs in tests.items()
               for s, v in enumerate(vs)]
    front = summarise(Plan(ProxyConfig(), 3, members), records)
    by_key = {s.key: s for s in front.scores}
    t1 = by_key["t1"]
    half = stats.t.ppf(0.975, 2) * 0.02 / math.sqrt(3)
    assert math.isclose(t1.test_mean, 0.82) and math.isclose(t1.test_sd, 0.02)
    assert all(math.isclose(a, b) for a, b in zip(t1.interval, (0.82 - half, 0.82 + half), strict=True))
    assert by_key["t1"].standing == "on front" and by_key["t4"].standing == "on front"  # cheapest
    assert by_key["t2"].standing == "dominated"  # t1 is cheaper and better beyond both intervals
    assert by_key["t3"].standing == "on front"  # the most accurate
    assert by_key["t5"].standing == "tied with the front (within interval)"  # beaten by t1 only within noise
    expected = stats.kendalltau([0.9, 0.8, 0.7, 0.6, 0.5], [0.82, 0.71, 0.83, 0.6, 0.81]).statistic
    assert math.isclose(front.kendall_tau, expected)
    assert [s.key for s in front.scores] == ["t4", "t1", "t5", "t2", "t3"]  # ordered by MACs
    assert front.ranks() == {"t1": (1, 2), "t2": (2, 4), "t3": (3, 1), "t4": (4, 5), "t5": (5, 3)}
    assert summarise(Plan(ProxyConfig(), 3, members), records) == RescoredFront.from_dict(front.to_dict())


RESCORE_E1 = ("--top", "1", "--epochs", "1", "--seeds", "2", "--jobs", "2")


@pytest.mark.slow
def test_export_rescored_writes_the_kept_seed_whose_fresh_test_accuracy_is_the_recorded_one(run_dir: Path,
                                                                                           tmp_path: Path) -> None:
    import dataclasses

    import torch

    from nasbox.export.package import load_class
    from nasbox.proxy.train import accuracy_of
    from nasbox.rescore.plan import read_plan
    from nasbox.search.data import load_held_out, load_proxy_data
    from nasbox.search.rundir import RunDir
    from nasbox.search.weights import weights_key

    assert nasbox_cli("rescore", str(run_dir), *RESCORE_E1).returncode == 0
    folder = only_folder(run_dir, "e1-w0.25-")
    out = tmp_path / "rescored"
    result = nasbox_cli("export", str(run_dir), "--rank", "1", "--rescored", folder.name, "-o", str(out))
    assert result.returncode == 0, result.stderr
    record = json.loads((out / "model.json").read_text())
    rescore = record["run"]["rescore"]
    key = weights_key(record["run"]["trial"], record["run"]["baseline"])
    mine = [r for r in (json.loads(p.read_text()) for p in (folder / "records").glob("*.json")) if r["key"] == key]
    best = max(mine, key=lambda r: (r["val_accuracy"], -r["seed"]))  # chosen on validation, never on test
    assert rescore["seed"] == best["seed"] and rescore["accuracy"]["test"] == best["test_accuracy"]
    recipe = read_plan(folder / "plan.json").recipe
    config = dataclasses.replace(RunDir(run_dir).invocation(), proxy=recipe, device="cpu")
    data = load_proxy_data(config)
    held_out = load_held_out(config, data)
    model = load_class(out / "model.py", record["class"])()
    model.load_state_dict(torch.load(out / "weights.pt", weights_only=True))
    assert accuracy_of(model, held_out.images, held_out.labels) == best["test_accuracy"]
    assert accuracy_of(model, data.val_images, data.val_labels) == best["val_accuracy"]


@pytest.mark.slow
def test_export_rescored_refuses_in_one_line_what_it_cannot_export(run_dir: Path, tmp_path: Path) -> None:
    import shutil

    fresh = tmp_path / "fresh"
    shutil.copytree(run_dir, fresh, ignore=shutil.ignore_patterns("rescore"))
    result = nasbox_cli("export", str(fresh), "--rank", "1", "--rescored")
    assert result.returncode == 2 and "has not been re-scored; run 'nasbox rescore" in result.stderr
    assert nasbox_cli("rescore", str(run_dir), *RESCORE_E1).returncode == 0
    twice = tmp_path / "twice"
    shutil.copytree(run_dir, twice)
    folder = only_folder(twice, "e1-w0.25-")
    shutil.copytree(folder, folder.with_name(folder.name + "-copy"))
    for args, words in [(("--rank", "1", "--rescored"), "); name one with --rescored RECIPE"),
                        (("--rank", "1", "--rescored", "e9-nothing"), "--rescored e9-nothing: "),
                        (("--rank", "1", "--rescored", folder.name, "--proxy"), "drop --proxy, or drop --rescored")]:
        result = nasbox_cli("export", str(twice), *args)
        assert result.returncode == 2 and words in result.stderr and result.stderr.count("\n") == 1, result.stderr
