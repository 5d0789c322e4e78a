"""`nasbox fidelity`: networks drawn within a budget, trained with the proxy (two seeds) and a costlier reference,
scored on the test split; rank correlations that are scipy's on the recorded figures; one record per training,
which a SIGKILLed measurement resumes from; bad requests refused in one line."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from nasbox.fidelity.plan import FidelityPlan, Network, write_plan
from nasbox.fidelity.summary import summarise
from nasbox.proxy import ProxyConfig
from nasbox.search.config import make_config
from tests.test_search_records import nasbox_cli

TINY = ("fidelity", "--space", "inception_resnet", "--budget-macs", "600M", "--subset", "300", "--epochs", "1",
        "--width-mult", "0.25", "--batch-size", "16", "--reference-epochs", "2", "-n", "5", "--threads", "1")


def kill_after_first_record(command: list[str], folder: Path) -> None:
    """Run `command` (a measurement into `folder`) and SIGKILL its process group once its first record exists."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None and not list(folder.glob("records/*.json")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def records_of(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted((folder / "records").glob("*.json"))}


@pytest.fixture(scope="module")
def killed_and_resumed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    """A measurement SIGKILLed after its first record, then resumed with the same command (two workers) and
    --json: its folder, the records finished before the kill, and the resumed run's JSON."""
    folder = tmp_path_factory.mktemp("fidelity") / "measurement"
    command = [sys.executable, "-m", "nasbox.cli.main", *TINY, "--dir", str(folder)]
    kill_after_first_record([*command, "--jobs", "1"], folder)
    finished = records_of(folder)
    resumed = subprocess.run([*command, "--jobs", "2", "--json"], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    return folder, finished, json.loads(resumed.stdout)


@pytest.mark.slow
def test_a_killed_measurement_resumes_without_retraining_finished_records(
        killed_and_resumed: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    folder, finished, report = killed_and_resumed
    assert finished, "the measurement was killed after its first record"
    after = records_of(folder)
    assert len(after) == 5 * 3  # every network: two proxy seeds and one reference training
    assert {name: after[name] for name in finished} == finished  # untouched, not retrained
    assert report["trained"] == 15 - len(finished)
    again = nasbox_cli(*TINY, "--dir", str(folder), "--jobs", "1", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["trained"] == 0
    assert records_of(folder) == after


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::scipy.stats.ConstantInputWarning")
def test_rank_correlations_are_scipys_on_the_recorded_test_accuracies(
        killed_and_resumed: tuple[Path, dict[str, Any], dict[str, Any]]) -> None:
    from scipy import stats

    folder, _, report = killed_and_resumed
    records = {(r["network"], r["recipe"], r["seed"]): r
               for r in (json.loads(p.read_text()) for p in (folder / "records").glob("*.json"))}
    plan = json.loads((folder / "plan.json").read_text())
    assert [n["key"] for n in report["networks"]] == [n["key"] for n in plan["networks"]]
    assert all(n["macs"] <= 600_000_000 for n in plan["networks"])
    for network in report["networks"]:
        key = network["key"]
        assert network["proxy"] == [records[key, "proxy", s]["test_accuracy"] for s in (0, 1)]
        assert network["reference"] == records[key, "reference", 0]["test_accuracy"]
    keys = [n["key"] for n in report["networks"]]
    reference = [records[k, "reference", 0]["test_accuracy"] for k in keys]
    seed0 = [records[k, "proxy", 0]["test_accuracy"] for k in keys]
    seed1 = [records[k, "proxy", 1]["test_accuracy"] for k in keys]
    macs = [n["macs"] for n in report["networks"]]
    expected = {"proxy (seed 0)": (seed0, reference), "MACs": (macs, reference)}
    by_score = {a["score"]: a for a in report["agreements"]}
    for name, (values, truth) in [*expected.items(), ("ceiling", (seed0, seed1))]:
        agreement = report["noise_ceiling"] if name == "ceiling" else by_score[name]
        tau, rho = stats.kendalltau(values, truth).statistic, stats.spearmanr(values, truth).statistic
        if math.isnan(tau):  # a constant score ranks nothing
            assert agreement["kendall_tau"] is None
        else:
            assert math.isclose(agreement["kendall_tau"], tau) and math.isclose(agreement["spearman_rho"], rho)
    cpu = [r["cpu_seconds"] for r in records.values() if r["recipe"] == "proxy"]
    assert math.isclose(report["cpu_seconds"]["proxy"], sum(cpu) / len(cpu))
    assert report["settings"]["reference"]["epochs"] == 2 and report["settings"]["proxy"]["epochs"] == 1


def plan_of(accuracies: dict[str, tuple[float, float, float]]) -> tuple[FidelityPlan, list[dict[str, Any]]]:
    networks = [Network(key, {}, {}, macs=100 * (i + 1), params=10 * (len(accuracies) - i))
                for i, key in enumerate(accuracies)]
    records = [{"network": key, "recipe": recipe, "seed": seed, "test_accuracy": value, "cpu_seconds": 1.0 + seed}
               for key, (p0, p1, ref) in accuracies.items()
               for recipe, seed, value in (("proxy", 0, p0), ("proxy", 1, p1), ("reference", 0, ref))]
    return FidelityPlan(make_config({"space": "mobilenet"}), ProxyConfig(epochs=6), networks), records


def test_summary_ranks_scores_against_the_reference_and_the_proxy_against_itself() -> None:
    from scipy import stats

    accuracies = {"a": (0.5, 0.6, 0.7), "b": (0.4, 0.3, 0.5), "c": (0.9, 0.8, 0.9), "d": (0.2, 0.4, 0.3),
                  "e": (0.6, 0.5, 0.4), "f": (0.3, 0.2, 0.6), "g": (0.7, 0.9, 0.8), "h": (0.1, 0.1, 0.2),
                  "i": (0.8, 0.7, 0.1), "j": (0.35, 0.45, 0.55)}
    plan, records = plan_of(accuracies)
    report = summarise(plan, records)
    seed0, seed1, reference = ([v[i] for v in accuracies.values()] for i in range(3))
    assert report.top_count == 2
    proxy = report.agreement("proxy (seed 0)")
    assert math.isclose(proxy.kendall_tau, stats.kendalltau(seed0, reference).statistic)
    assert math.isclose(proxy.spearman_rho, stats.spearmanr(seed0, reference).statistic)
    assert proxy.top_overlap == 0.5  # the reference's top 2 are c and g; the proxy's are c and i
    assert math.isclose(report.noise_ceiling.kendall_tau, stats.kendalltau(seed0, seed1).statistic)
    assert math.isclose(report.agreement("MACs").kendall_tau,
                        stats.kendalltau(list(range(10)), reference).statistic)
    assert report.cpu_seconds == {"proxy": 1.5, "reference": 1.0} and report.cost_share == 1.5


def test_constant_scores_and_failed_trainings_give_no_correlation_and_leave_the_network_out() -> None:
    plan, records = plan_of({"a": (0.1, 0.1, 0.5), "b": (0.1, 0.1, 0.6), "c": (0.1, 0.1, 0.7),
                             "d": (0.1, 0.2, 0.8)})
    records = [r for r in records if (r["network"], r["recipe"]) != ("d", "reference")]
    records.append({"network": "d", "recipe": "reference", "seed": 0, "failed": "diverged", "cpu_seconds": 1.0})
    report = summarise(plan, records)
    assert [n.key for n in report.scored] == ["a", "b", "c"]
    assert report.networks[3].failed == ["reference seed 0: diverged"]
    proxy = report.agreement("proxy (seed 0)")
    assert proxy.kendall_tau is None and proxy.top_overlap is None


@pytest.mark.parametrize(("args", "words"), [
    (("-n", "3"), "-n: 3 network(s) are too few to rank"),
    (("--reference-epochs", "1"), "the reference trains less than the proxy (--reference-epochs 1 < 2)"),
    (("--reference-resolution", "16", "--reference-epochs", "6"), "(--reference-resolution 16 < 32)"),
    (("--reference-epochs", "2"), "the reference is the proxy itself"),
    (("--budget-macs", "600Q"), "--budget-macs: '600Q' is not a count"),
    (("--space", "nope"), "unknown space 'nope'"),
])
def test_bad_requests_are_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    result = nasbox_cli("fidelity", "--space", "mobilenet", *args, "--dir", str(tmp_path / "m"))
    assert result.returncode == 2 and words in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and not (tmp_path / "m").exists()


def test_a_folder_of_another_measurement_is_refused_in_one_line(tmp_path: Path) -> None:
    plan, _ = plan_of({"a": (0.1, 0.1, 0.1)})
    write_plan(tmp_path, plan)  # the defaults' proxy, against a 6-epoch reference, on mobilenet
    result = nasbox_cli("fidelity", "--space", "mobilenet", "--reference-epochs", "4", "--dir", str(tmp_path))
    assert result.returncode == 2 and "holds a fidelity measurement with other settings" in result.stderr
    assert result.stderr.count("\n") == 1 and not (tmp_path / "records").exists()
