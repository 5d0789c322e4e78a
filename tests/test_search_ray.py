"""`nasbox search --backend ray` as a user runs it: a tiny real search on a local Ray of 2 CPUs writes the same run
directory as the local backend; ASHA stops the worst trials early and the study records them pruned; a trial whose
Ray worker is killed is retried; a search whose driver is killed resumes with the same command; a network over
budget is never scheduled; bad input is one line, before Ray starts.

The Ray searches are few and small (Ray's start alone takes seconds): one run (of accuracy alone, under ASHA) is
shared by the tests that only read its outputs, and one run (multi-objective) shows a killed worker, a killed
driver, its resume and the budget screening at once."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy
import optuna
import pytest
from optuna.trial import TrialState

from nasbox.errors import NasboxError
from nasbox.search.config import make_config
from tests.test_cli import _assert_one_line_error as assert_one_line_error
from tests.test_search_cli import check_resumed, nasbox_cli, run_dir_made_by, search_trials, trained

pytest.importorskip("ray")

RAY = ("--space", "inception_resnet", "--budget-macs", "600M", "--subset", "200", "--epochs", "1", "--width-mult",
       "0.25", "--threads", "1", "--backend", "ray")


def ray_search(*args: str, home: Path) -> subprocess.CompletedProcess:
    """The search CLI with HOME pointed at an empty folder, to see that Ray writes nothing there."""
    return subprocess.run([sys.executable, "-m", "nasbox.cli.main", "search", *args], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "HOME": str(home)})


@pytest.fixture(scope="module")
def ray_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess, Path]:
    """A finished Ray search of 5 trials and a baseline, of accuracy alone under ASHA (3 epochs: one rung, after
    epoch 1, keeping the best quarter), trials one at a time so the rung's order is the trial order: its run
    directory, its output and the HOME it ran with. (The kill test's search is multi-objective under FIFO.) The space
    is resnet's because some of its networks learn within the first epoch: ASHA's cut then falls between learning and
    chance, where inception_resnet's at this size all sit at chance and ties decide."""
    root = tmp_path_factory.mktemp("ray")
    home = root / "home"
    home.mkdir()
    run_dir = root / "run"
    result = ray_search("--space", "resnet", "--budget-macs", "600M", "--subset", "1000", "--epochs", "3",
                        "--width-mult", "0.25", "--threads", "1", "--backend", "ray", "--objectives", "accuracy",
                        "--early-stopping", "asha", "--max-concurrent", "1", "--trials", "5", "--baselines", "lenet5",
                        "--run-dir", str(run_dir), home=home)
    assert result.returncode == 0, result.stderr
    return run_dir, result, home


@pytest.mark.slow
def test_a_ray_search_writes_what_the_local_backend_writes(ray_run: tuple[Path, subprocess.CompletedProcess, Path]
                                                            ) -> None:
    run_dir, result, home = ray_run
    assert "Pareto front of resnet" in result.stdout and "lenet5" in result.stdout
    assert {"config.yaml", "study.journal", "front.json", "front.csv", "tensorboard", "ray"} <= set(os.listdir(run_dir))
    assert list((run_dir / "tensorboard").glob("events.out.tfevents.*"))
    front = json.loads((run_dir / "front.json").read_text())
    assert front["trials"]["finished"] == 5 and [b["baseline"] for b in front["baselines"]] == ["lenet5"]
    assert front["front"] and all(p["macs"] <= 600_000_000 for p in front["front"])

    trials = search_trials(run_dir)
    assert len(trials) == 5
    for trial in trials:
        assert trial.constraints == {"macs": trial.user_attrs["macs"] / 600_000_000 - 1}, "the sampler saw it"
        assert "ray_worker_pid" in trial.user_attrs and "proxy_seed" in trial.user_attrs
    done = trained(trials)
    assert len(list((run_dir / "tensorboard" / "trials").iterdir())) == len(trials) + 1, "stopped early or not"
    for trial in done:
        assert trial.values == [trial.user_attrs["accuracy"]]
        assert [p["epoch"] for p in trial.user_attrs["curve"]] == [1, 2, 3]

    # Ray's own record: a trial per network, each epoch it trained reported to it
    [experiment] = (run_dir / "ray").glob("search-*")
    reported = [json.loads(line) for f in experiment.glob("*/result.json") for line in f.read_text().splitlines()]
    assert {r["trial_id"] for r in reported} == {f.name.rsplit("-", 1)[1] for f in experiment.glob("*-*")
                                                 if f.is_dir()}
    assert len({r["trial_id"] for r in reported}) == 6 and all(0 <= r["val_accuracy"] <= 1 for r in reported)

    # quiet: nasbox's own progress lines only, and Ray wrote nothing to the home folder
    assert all(line.startswith("search: ") for line in result.stderr.splitlines()), result.stderr
    assert not (home / ".ray").exists() and not (home / "ray_results").exists()
    assert json.loads(nasbox_cli("front", str(run_dir), "--json").stdout)["trials"]["finished"] == 5
    table = nasbox_cli("front", str(run_dir))
    assert table.returncode == 0 and "hypervolume" in table.stdout


@pytest.mark.slow
def test_asha_stops_the_worst_trials_early_and_the_study_records_them_pruned(
        ray_run: tuple[Path, subprocess.CompletedProcess, Path]) -> None:
    """Some trials stop after their first epoch and are pruned in the study with that epoch's accuracy as their
    value; the others, and the baseline, train all 3. A trial stops exactly when its first epoch's accuracy falls
    below the rung's cutoff, the 75th percentile of the trials that reached the rung before it (ASHA keeping the best
    quarter; one trial at a time, so the rung's order is the trial order)."""
    run_dir, result, _ = ray_run
    trials = search_trials(run_dir)
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(pruned) + len(complete) == len(trials) == 5 and pruned and complete
    first_epoch = [t.intermediate_values[1] for t in sorted(trials, key=lambda t: t.number)]
    for n, trial in enumerate(sorted(trials, key=lambda t: t.number)):
        below = n > 0 and first_epoch[n] < numpy.percentile(first_epoch[:n], 75)
        assert (trial.state == TrialState.PRUNED) == below, (n, first_epoch)
    for trial in pruned:
        assert list(trial.intermediate_values) == [1] and trial.user_attrs["status"] == "pruned"
        assert trial.values == [trial.intermediate_values[1]]
        assert trial.user_attrs["reason"].startswith("stopped early by ASHA after epoch 1 at validation accuracy")
    for trial in complete:
        assert list(trial.intermediate_values) == [1, 2, 3] and trial.values == [trial.user_attrs["accuracy"]]
    [baseline] = optuna.load_study(study_name="baselines", storage=optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(run_dir / "study.journal")))).trials
    assert baseline.state == TrialState.COMPLETE and len(baseline.user_attrs["curve"]) == 3

    front = json.loads((run_dir / "front.json").read_text())
    assert front["trials"]["pruned"] == len(pruned)
    best = max([*complete, baseline], key=lambda t: t.user_attrs["accuracy"])
    assert [p["val_accuracy"] for p in front["front"]] == [best.user_attrs["accuracy"]], "accuracy alone: the best"
    assert f"{len(pruned)} of those finished stopped early" in result.stdout
    reported = {json.loads(f.parent.joinpath("params.json").read_text())["trial"]:
                [json.loads(line)["epoch"] for line in f.read_text().splitlines()]
                for f in (run_dir / "ray").glob("search-*/trial-*/result.json")}
    assert {number: epochs[-1] for number, epochs in reported.items()} == \
        {t.number: 1 if t.state == TrialState.PRUNED else 3 for t in trials}, "Ray's record agrees with the study's"


def _wait_for(condition, what: str, process: subprocess.Popen, seconds: float = 300):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process.poll() is not None:
            pytest.fail(f"the search ended before {what}: {process.stderr.read()}")
        time.sleep(0.5)
    process.kill()
    pytest.fail(f"the search never got to {what}")


def _running_with_worker(run_dir: Path) -> list[optuna.trial.FrozenTrial]:
    if not (run_dir / "study.journal").exists():
        return []
    return [t for t in search_trials(run_dir) if t.state == TrialState.RUNNING and "ray_worker_pid" in t.user_attrs
            and "proxy_seed" in t.user_attrs]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.slow
def test_a_killed_worker_is_retried_and_a_killed_ray_search_resumes_without_losing_or_duplicating(tmp_path: Path
                                                                                                  ) -> None:
    from nasbox.space import load_space
    from nasbox.space.extremes import dearest

    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "nasbox.cli.main", "search", *RAY, "--subset", "600", "--epochs", "3",
               "--trials", "4", "--max-failures", "1", "--baselines", "none", "--run-dir", str(run_dir), "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    # a trial's Ray worker dies mid-training: Ray retries the trial (--max-failures 1), in another process
    [victim, *_] = _wait_for(lambda: _running_with_worker(run_dir), "a trial in training", process)
    os.kill(victim.user_attrs["ray_worker_pid"], signal.SIGKILL)

    # the driver is killed once a trial has finished and another is training
    def finished_and_running() -> bool:
        return bool(trained(search_trials(run_dir))) and bool(_running_with_worker(run_dir))

    _wait_for(finished_and_running, "a finished trial beside a running one", process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed = search_trials(run_dir)
    finished = {t.number: (t.values, t.params) for t in trained(killed)}
    interrupted = [t for t in killed if t.state == TrialState.RUNNING]
    assert interrupted
    for trial in interrupted:  # the local Ray dies with its driver, and its workers with it
        pid = trial.user_attrs.get("ray_worker_pid")
        deadline = time.monotonic() + 60
        while pid is not None and not _gone(pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert pid is None or _gone(pid), "a training outlived its killed search"

    # a network over the budget waits in the queue: it must be told to the sampler and never reach Ray
    over = dearest(load_space("inception_resnet"))
    assert over.cost.macs > 600_000_000
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(run_dir / "study.journal")))
    optuna.load_study(study_name="search", storage=storage).enqueue_trial(over.genes, user_attrs={"test": "over"})

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
    trials = check_resumed(rerun, run_dir, interrupted, finished, total=4)
    retried = trials[victim.number]
    assert retried.state == TrialState.COMPLETE or trials[victim.number].user_attrs.get("status") in (
        "interrupted", "failed"), "the trial whose worker was killed was retried, or recorded"
    if retried.state == TrialState.COMPLETE:
        assert retried.user_attrs["ray_worker_pid"] != victim.user_attrs["ray_worker_pid"]

    [screened] = [t for t in trials if t.user_attrs.get("test") == "over"]
    assert screened.state == TrialState.COMPLETE and screened.user_attrs["status"] == "infeasible"
    assert screened.constraints["macs"] > 0 and "proxy_seed" not in screened.user_attrs
    assert "ray_worker_pid" not in screened.user_attrs
    ray_trials = [json.loads(p.read_text()) for p in (run_dir / "ray").glob("search-*/*/params.json")]
    assert ray_trials and all(t["trial"] != screened.number for t in ray_trials if t["study"] == "search")


@pytest.mark.parametrize(("args", "message"), [
    (("--address", "127.0.0.1:1"), "--address 127.0.0.1:1: no Ray cluster answers there"),
    (("--address", "nowhere"), "is not auto or HOST:PORT"),
    (("--gpus-per-trial", "-1"), "--gpus-per-trial: must be at least 0"),
    (("--cpus-per-trial", "0"), "--cpus-per-trial: must be above 0"),
    (("--cpus-per-trial", "4096"), "--cpus-per-trial 4096: this machine has"),
    (("--jobs", "2"), "--max-concurrent"),
    (("--early-stopping", "asha"), "--early-stopping asha: ranks trials by accuracy alone, and this search has 2 "
                                   "objectives; give --early-stopping mo-asha, or --objectives accuracy"),
    (("--early-stopping", "asha", "--objectives", "accuracy"), "--early-stopping asha: stops trials between epochs, "
                                                               "and the proxy trains 1; give --epochs 2 or more"),
])
def test_bad_ray_settings_are_one_line_and_write_nothing(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    run_dir = tmp_path / "run"
    result = nasbox_cli("search", *RAY, "--trials", "1", "--run-dir", str(run_dir), *args)
    assert_one_line_error(result, message)
    assert result.stderr.startswith("nasbox search: error: ") and not run_dir.exists()


def test_gpus_per_trial_on_a_machine_without_gpus_is_one_line(tmp_path: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    run_dir = tmp_path / "run"
    result = nasbox_cli("search", *RAY, "--trials", "1", "--run-dir", str(run_dir), "--gpus-per-trial", "1")
    assert_one_line_error(result, "--gpus-per-trial 1: this machine has 0 GPU(s)")
    assert not run_dir.exists()


def test_ray_settings_need_the_ray_backend_and_ray_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(NasboxError, match="--max-concurrent: a setting of the Ray backend; add --backend ray"):
        make_config({"space": "inception_resnet", "max_concurrent": "2"})
    assert make_config({"space": "inception_resnet"}).early_stopping == "none", "the default, on every backend"
    config = make_config({"space": "inception_resnet", "backend": "ray", "cpus_per_trial": "0.5"})
    assert config.identity() == make_config({"space": "inception_resnet"}).identity(), "execution, not identity"
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a))
    with pytest.raises(NasboxError, match=r"Ray is not installed; install it with pip install 'nasbox\[ray\]'"):
        make_config({"space": "inception_resnet", "backend": "ray"})


@pytest.mark.slow
def test_a_run_of_the_other_backend_with_other_identity_settings_is_refused_before_ray_starts(tmp_path: Path
                                                                                              ) -> None:
    run_dir = run_dir_made_by(tmp_path)
    before = sorted(p.name for p in run_dir.iterdir())
    result = nasbox_cli("search", "--space", "inception_resnet", "--budget-macs", "600M", "--subset", "40",
                        "--epochs", "2", "--trials", "2", "--baselines", "none", "--backend", "ray", "--run-dir",
                        str(run_dir))
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "made by the local backend with --epochs 1, not 2" in line
    assert sorted(p.name for p in run_dir.iterdir()) == before and not (run_dir / "ray").exists()
