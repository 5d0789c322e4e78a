"""`nasbox search` and `nasbox front` as a user runs them: a tiny real search on the built-in MNIST subset, its run
directory, resuming, surviving SIGKILL mid-trial, and bad input answered in one line with nothing written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from nasbox.cost import cost
from nasbox.search.front import learned
from nasbox.search.results import DID_NOT_LEARN
from nasbox.space import load_space

TINY = ("--space", "inception_resnet", "--budget-macs", "600M", "--subset", "200", "--epochs", "1",
        "--width-mult", "0.25", "--resolution", "32", "--threads", "1", "--jobs", "1")


def nasbox_cli(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nasbox.cli.main", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


def search_trials(run_dir: Path) -> list[optuna.trial.FrozenTrial]:
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(run_dir / "study.journal")))
    return optuna.load_study(study_name="search", storage=storage).get_trials()


def trained(trials: list[optuna.trial.FrozenTrial]) -> list[optuna.trial.FrozenTrial]:
    return [t for t in trials if t.state == TrialState.COMPLETE and t.user_attrs.get("status") != "infeasible"]


@pytest.mark.slow
def test_a_baseline_that_does_not_learn_under_the_users_recipe_is_marked_not_scored(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    result = nasbox_cli("search", *TINY, "--trials", "1", "--baselines", "squeezenet1_1", "--batch-norm",
                        "as-designed", "--run-dir", str(run_dir), "--quiet")  # as designed it stays at chance
    assert result.returncode == 0, result.stderr
    front = json.loads((run_dir / "front.json").read_text())
    [baseline] = front["baselines"]
    assert not learned(baseline["val_accuracy"], 0.1, front["split"]["val"])
    assert baseline["standing"] == DID_NOT_LEARN and front["baselines_hypervolume_excludes"] == ["squeezenet1_1"]
    assert front["baselines_hypervolume"] == 0 and all(p["baseline"] is None for p in front["front"])
    row = next(line for line in result.stdout.splitlines() if line.startswith("squeezenet1_1"))
    assert DID_NOT_LEARN in row and "0.1" not in row  # chance is not presented as a score
    assert "leaving out squeezenet1_1: did not learn" in result.stdout


@pytest.mark.slow
def test_tiny_search_writes_its_run_directory_keeps_the_budget_and_resumes(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    first = nasbox_cli("search", *TINY, "--trials", "3", "--baselines", "mobilenet_v2", "--run-dir", str(run_dir))
    assert first.returncode == 0, first.stderr
    assert "Pareto front of inception_resnet" in first.stdout and "mobilenet_v2" in first.stdout
    assert {"config.yaml", "study.journal", "front.json", "front.csv", "tensorboard"} <= set(os.listdir(run_dir))
    assert list((run_dir / "tensorboard").glob("events.out.tfevents.*"))
    assert len(list((run_dir / "tensorboard" / "trials").iterdir())) >= 4

    front = json.loads((run_dir / "front.json").read_text())
    assert front["trials"]["finished"] == 3 and front["budget"] == {"macs": 600_000_000}
    assert front["front"], "a search of 3 trials and a baseline has a front"
    assert [b["baseline"] for b in front["baselines"]] == ["mobilenet_v2"]
    on_front = any(p["baseline"] == "mobilenet_v2" for p in front["front"])
    baseline = front["baselines"][0]
    assert sum(front["split"].values()) == 200 and front["split"]["val"] == front["split"]["test"] == 30
    if learned(baseline["val_accuracy"], 0.1, front["split"]["val"]):
        assert baseline["standing"] == ("on front" if on_front else "dominated")
        assert front["baselines_hypervolume_excludes"] == []
    else:
        assert baseline["standing"] == DID_NOT_LEARN
        assert front["baselines_hypervolume_excludes"] == ["mobilenet_v2"] and front["baselines_hypervolume"] == 0
    space = load_space("inception_resnet")
    for entry in front["front"]:
        assert {"trial", "genes", "spec", "val_accuracy", "test_accuracy", "macs", "params", "baseline"} <= set(entry)
        assert entry["macs"] <= 600_000_000
        if entry["genes"] is not None:
            assert cost(space.render(entry["genes"])).macs == entry["macs"]

    before = trained(search_trials(run_dir))
    assert len(before) == 3
    for trial in before:
        assert trial.user_attrs["macs"] <= 600_000_000, "no trained trial breaks the budget"
        assert 0.0 <= trial.values[0] <= 1.0 and trial.values[1] == trial.user_attrs["macs"]

    second = nasbox_cli("search", *TINY, "--trials", "5", "--baselines", "mobilenet_v2", "--run-dir", str(run_dir))
    assert second.returncode == 0, second.stderr
    assert "resumed" in second.stdout
    after = trained(search_trials(run_dir))
    assert len(after) == 5, "the second invocation adds two trials"
    old = {t.number: (t.values, t.params) for t in before}
    assert {t.number: (t.values, t.params) for t in after if t.number in old} == old, "old trials are kept as they were"

    listed = nasbox_cli("front", str(run_dir), "--json")
    assert json.loads(listed.stdout)["trials"]["finished"] == 5
    table = nasbox_cli("front", str(run_dir))
    assert table.returncode == 0 and "hypervolume" in table.stdout
    assert "val acc." in table.stdout and "test acc." in table.stdout


def kill_when(command: list[str], run_dir: Path, ready: Callable[[list[optuna.trial.FrozenTrial]], bool],
              what: str) -> None:
    """Run the search `command` into `run_dir` and SIGKILL it once its search trials are `ready` (`what` they
    never were fails the test); its workers die with it."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        time.sleep(0.3)
        if (run_dir / "study.journal").exists() and ready(search_trials(run_dir)):
            break
    else:
        process.kill()
        pytest.fail(f"the search never {what}")
    process.send_signal(signal.SIGKILL)
    process.wait()
    time.sleep(1)  # the workers die with their parent


def check_resumed(rerun: subprocess.CompletedProcess, run_dir: Path, interrupted: list[optuna.trial.FrozenTrial],
                  finished: dict[int, tuple], total: int) -> list[optuna.trial.FrozenTrial]:
    """Check the rerun of a killed search: it ended well, retried each interrupted trial once (marked
    `interrupted`), kept every finished trial as it was and finished exactly `total`; the run's trials after it."""
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(interrupted)} interrupted trial(s) retried" in rerun.stdout
    trials = search_trials(run_dir)
    done = trained(trials)
    assert len(done) == total, "exactly the asked-for trials finished: none lost, none duplicated"
    assert {t.number: (t.values, t.params) for t in done if t.number in finished} == finished
    for lost in interrupted:
        assert trials[lost.number].user_attrs["status"] == "interrupted"
        assert len([t for t in trials if t.user_attrs.get("retry_of") == lost.number]) == 1
    return trials


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_search_killed_mid_trial_resumes_without_losing_or_duplicating_trials(tmp_path: Path, jobs: str) -> None:
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "nasbox.cli.main", "search", "--space", "inception_resnet", "--budget-macs",
               "600M", "--subset", "600", "--epochs", "3", "--width-mult", "0.25", "--threads", "1", "--jobs", jobs,
               "--trials", "4", "--baselines", "none", "--run-dir", str(run_dir), "--quiet"]
    kill_when(command, run_dir, lambda trials: bool(trained(trials)) and any(
        t.state == TrialState.RUNNING and "proxy_seed" in t.user_attrs for t in trials),
        "had a finished trial and a running one at once")

    killed = search_trials(run_dir)
    finished = {t.number: (t.values, t.params) for t in trained(killed)}
    interrupted = [t for t in killed if t.state == TrialState.RUNNING]
    assert 1 <= len(interrupted) <= int(jobs)
    training = [t for t in interrupted if "proxy_seed" in t.user_attrs]

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
    trials = check_resumed(rerun, run_dir, interrupted, finished, total=4)
    done = trained(trials)
    for lost in interrupted:
        was = trials[lost.number]
        assert was.state == TrialState.FAIL
        [retry] = [t for t in trials if t.user_attrs.get("retry_of") == was.number]
        # a trial killed while its genes were still being drawn is retried with the genes it had
        assert was.params.items() <= retry.params.items()
    for lost in training:
        retried = [t for t in done if t.user_attrs.get("retry_of") == lost.number]
        assert len(retried) == 1 and retried[0].params == lost.params, "a killed training is trained again"


@pytest.mark.slow
def test_two_jobs_share_the_run_and_finish_exactly_the_asked_trials(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    result = nasbox_cli("search", *TINY[:-2], "--trials", "4", "--jobs", "2", "--baselines", "none", "--run-dir",
                        str(run_dir))
    assert result.returncode == 0, result.stderr
    done = trained(search_trials(run_dir))
    assert len(done) == 4
    assert json.loads((run_dir / "front.json").read_text())["trials"]["finished"] == 4


@pytest.mark.slow
def test_a_diverging_trial_is_recorded_as_failed_and_the_search_goes_on(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    result = nasbox_cli("search", *TINY, "--trials", "2", "--lr", "1e12", "--baselines", "none", "--run-dir",
                        str(run_dir))
    assert result.returncode == 0, result.stderr
    failed = [t for t in search_trials(run_dir) if t.state == TrialState.FAIL]
    assert len(failed) == 2
    assert all(t.user_attrs["status"] == "failed" and t.user_attrs["reason"].startswith("diverged") for t in failed)
    front = json.loads((run_dir / "front.json").read_text())
    assert front["front"] == [] and len(front["failures"]) == 2


def run_dir_made_by(tmp_path: Path, *args: str) -> Path:
    run_dir = tmp_path / "made"
    made = nasbox_cli("search", "--space", "inception_resnet", "--budget-macs", "600M", "--subset", "40",
                      "--epochs", "1", "--trials", "1", "--jobs", "1", "--baselines", "none", "--run-dir",
                      str(run_dir), "--quiet",
                      *args)
    assert made.returncode == 0, made.stderr
    return run_dir


@pytest.mark.parametrize(("args", "message"), [
    (("--dataset", "cifar10", "--data-dir", "/no/such/dir"), "/no/such/dir"),
    (("--dataset", "cifar10"), "--data-dir"),
    (("--space", "no_such_space"), "no_such_space"),
    (("--sampler", "cmaes"), "--sampler"),
    (("--budget-macs", "10M"), "raise the budget"),
    (("--budget-macs", "600Q"), "--budget-macs"),
    (("--objectives", "macs,params"), "--objectives"),
    (("--device", "tpu"), "--device"),
    (("--timeout", "10x"), "--timeout"),
    (("--subset", "5"), "--subset"),
])
def test_bad_input_is_one_line_with_status_2_and_nothing_written(tmp_path: Path, args: tuple[str, ...],
                                                                 message: str) -> None:
    run_dir = tmp_path / "run"
    base = {"--space": "inception_resnet", "--budget-macs": "600M"}
    pairs = dict(zip(args[::2], args[1::2], strict=True))
    flags = [item for key, value in {**base, **pairs}.items() for item in (key, value)]
    result = nasbox_cli("search", *flags, "--run-dir", str(run_dir), timeout=120)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not run_dir.exists()


@pytest.mark.slow
@pytest.mark.parametrize(("change", "message"), [
    (("--budget-macs", "500M"), "--budget-macs 600M, not 500M"),
    (("--space", "mobilenet"), "--space"),
    (("--epochs", "2"), "--epochs 1, not 2"),
])
def test_a_run_directory_of_another_budget_or_recipe_is_refused(tmp_path: Path, change: tuple[str, str],
                                                                message: str) -> None:
    run_dir = run_dir_made_by(tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in run_dir.iterdir()}
    flags = {"--space": "inception_resnet", "--budget-macs": "600M", "--subset": "40", "--epochs": "1",
             "--trials": "1", "--baselines": "none", **dict([change])}
    result = nasbox_cli("search", *[i for kv in flags.items() for i in kv], "--run-dir", str(run_dir))
    assert result.returncode == 2 and message in result.stderr and "another --run-dir" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert {p.name: p.stat().st_mtime_ns for p in run_dir.iterdir()} == before


def test_front_of_a_directory_that_is_no_run_is_one_line(tmp_path: Path) -> None:
    result = nasbox_cli("front", str(tmp_path))
    assert result.returncode == 2 and "not a nasbox run directory" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_a_proposal_that_cannot_be_costed_fails_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nasbox.arch import ArchSpec
    from nasbox.cost import Cost
    from nasbox.search import make_config, run_search
    from nasbox.search.target import Target

    real_of, calls = Target.figures, []

    def of_failing_once(self: Target, spec: ArchSpec, cost: Cost, **options: bool) -> dict[str, float]:
        calls.append(spec.name)
        if len(calls) == 1:
            raise RuntimeError("a latency harness that crashed\nwith a second line")
        return real_of(self, spec, cost, **options)

    monkeypatch.setattr(Target, "figures", of_failing_once)
    config = make_config({"space": "inception_resnet", "budget_macs": "600M", "subset": "200", "epochs": "1",
                          "trials": "2", "jobs": "1", "threads": "1", "baselines": "none",
                          "run_dir": str(tmp_path / "run")})
    outcome = run_search(config, progress=False)
    assert outcome.snapshot.counts["failed"] == 1
    assert outcome.snapshot.failures[0]["reason"] == "cannot be built or costed: RuntimeError: a latency harness " \
                                                      "that crashed"
    assert len(trained(search_trials(tmp_path / "run"))) == 1, "the failed proposal counts, the search went on"
