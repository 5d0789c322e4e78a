"""Early stopping as a policy: the rungs, ASHA's cutoff and MO-ASHA's order worked by hand, and a tiny real search
with `--early-stopping mo-asha` on the local backend: searched trials pruned exactly where the policy says, with
their rung and reason, baselines never stopped, and a search killed mid-trial resumed with every rung intact."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.trial import TrialState

from nasbox.errors import NasboxError
from nasbox.search.config import make_config
from nasbox.stopping import Entry, make_policy, rungs
from nasbox.stopping.asha import Asha
from nasbox.stopping.mo_asha import MoAsha, crowding_distances, nondominated_ranks, promotion_order
from tests.test_search_cli import kill_when, search_trials

ENDED = (TrialState.COMPLETE, TrialState.PRUNED)
SEARCH = ("search", "--space", "resnet", "--budget-macs", "600M", "--subset", "1000", "--epochs", "2",
          "--width-mult", "0.25", "--threads", "1", "--baselines", "lenet5", "--early-stopping", "mo-asha")


def test_rungs_are_powers_of_the_reduction_below_the_last_epoch() -> None:
    assert [rungs(e) for e in (1, 2, 4, 5, 17)] == [(), (1,), (1,), (1, 4), (1, 4, 16)]
    assert rungs(10, reduction=3) == (1, 3, 9)


def test_asha_stops_below_the_quantile_of_the_earlier_trials() -> None:
    asha = Asha(epochs=4)
    peers = [Entry(i, a) for i, a in enumerate((0.1, 0.2, 0.3, 0.4))]  # 75th percentile: 0.325
    assert asha.decide(1, Entry(9, 0.0), []) is None, "the first at a rung goes on"
    assert asha.decide(1, Entry(9, 0.325), peers) is None, "equal to the cutoff goes on"
    reason = asha.decide(1, Entry(9, 0.32), peers)
    assert reason == ("stopped early by ASHA after epoch 1 at validation accuracy 0.3200, below the rung's cutoff "
                      "0.3250 (the best 1/4 of 4 earlier trials go on)")


def test_nondominated_ranks_and_crowding_by_hand() -> None:
    losses = np.array([[1, 4], [2, 2], [4, 1], [3, 3], [5, 5], [2, 2]], dtype=float)
    assert nondominated_ranks(losses).tolist() == [0, 0, 0, 1, 2, 0]
    front = np.array([[0, 4], [1, 2], [3, 1], [4, 0]], dtype=float)
    # inner points: (3 - 0) / 4 + (4 - 1) / 4 = 1.5 and (4 - 1) / 4 + (2 - 0) / 4 = 1.25
    assert crowding_distances(front).tolist() == [math.inf, 1.5, 1.25, math.inf]
    assert promotion_order(front) == [0, 3, 1, 2]


def test_mo_asha_keeps_the_first_quarter_of_the_rung_in_nsga2_order() -> None:
    mo = MoAsha(epochs=2)
    assert mo.decide(1, Entry(1, 0.5, (10.0,)), []) is None
    assert mo.decide(1, Entry(1, 0.4, (20.0,)), [Entry(0, 0.5, (10.0,))]) is not None, "dominated by the only peer"
    assert mo.decide(1, Entry(1, 0.6, (20.0,)), [Entry(0, 0.5, (10.0,))]) is None, "a tie of ranks keeps it"
    peers = [Entry(i, a, (c,)) for i, (a, c) in enumerate(((0.5, 10.0), (0.6, 20.0), (0.7, 40.0), (0.2, 50.0)))]
    # five at the rung keep two: the front's ends (0.5, 10) and (0.7, 40) come first, then its middle by crowding,
    # (0.6, 20) at 0.75 + 20/30 before the newcomer at 0.5 + 20/30; (0.2, 50) is dominated
    reason = mo.decide(1, Entry(9, 0.65, (30.0,)), peers)
    assert reason == ("stopped early by MO-ASHA after epoch 1 at validation accuracy 0.6500: placed 4 of 5 at the "
                      "rung (non-dominated rank 0), and the first 2 go on")
    assert mo.decide(1, Entry(9, 0.8, (5.0,)), peers) is None, "dominating every peer"
    single = [Entry(i, a) for i, a in enumerate((0.1, 0.2, 0.3, 0.4))]
    assert [mo.decide(1, Entry(9, a), single) is None for a in (0.25, 0.35)] == [False, True], \
        "with accuracy alone, the best ⌈5/4⌉ = 2 of 5 go on"


@pytest.mark.parametrize(("settings", "problem"), [
    ({"early_stopping": "asha"}, "ranks trials by accuracy alone, and this search has 2 objectives"),
    ({"early_stopping": "mo-asha", "epochs": "1"}, "the proxy trains 1; give --epochs 2 or more"),
    ({"early_stopping": "hyperband"}, "--early-stopping: unknown value 'hyperband'; choose one of none, asha, mo-asha"),
])
def test_a_policy_that_does_not_fit_the_search_is_one_line(settings: dict[str, str], problem: str) -> None:
    with pytest.raises(NasboxError, match=problem.replace("(", r"\(")):
        make_config({"space": "resnet", **settings})
    with pytest.raises(NasboxError, match="unknown policy"):
        make_policy("hyperband", 2)


def replayed(trials: list[optuna.trial.FrozenTrial]) -> list[bool]:
    """Whether MO-ASHA stops each searched trial (in trial order, one at a time), from the rung records."""
    policy, stops, earlier = MoAsha(epochs=2), [], []
    for trial in sorted(trials, key=lambda t: t.number):
        entry = Entry(trial.number, trial.user_attrs["rung_1_accuracy"], (float(trial.user_attrs["macs"]),))
        stops.append(policy.decide(1, entry, earlier) is not None)
        earlier.append(entry)
    return stops


def baseline_trials(run_dir: Path) -> list[optuna.trial.FrozenTrial]:
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(run_dir / "study.journal")))
    return optuna.load_study(study_name="baselines", storage=storage).get_trials()


@pytest.mark.slow
def test_a_multi_objective_search_stops_trials_where_mo_asha_says_and_never_a_baseline(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "nasbox.cli.main", *SEARCH, "--jobs", "1", "--trials", "6",
                             "--run-dir", str(run_dir)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    trials = search_trials(run_dir)
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    assert len(trials) == 6 and pruned and len(pruned) < 6
    assert replayed(trials) == [t.state == TrialState.PRUNED for t in sorted(trials, key=lambda t: t.number)]
    for trial in pruned:
        assert trial.user_attrs["rung"] == 1 and trial.user_attrs["status"] == "pruned"
        assert trial.user_attrs["reason"].startswith("stopped early by MO-ASHA after epoch 1 at validation accuracy")
        assert [p["epoch"] for p in trial.user_attrs["curve"]] == [1]
    for trial in trials:
        if trial.state == TrialState.COMPLETE:
            assert [p["epoch"] for p in trial.user_attrs["curve"]] == [1, 2]
    [baseline] = baseline_trials(run_dir)
    assert baseline.state == TrialState.COMPLETE and not any(k.startswith("rung") for k in baseline.user_attrs)
    front = json.loads((run_dir / "front.json").read_text())
    assert front["trials"]["pruned"] == len(pruned)
    assert f"{len(pruned)} of those finished stopped early" in result.stdout


@pytest.mark.slow
def test_a_search_killed_mid_trial_resumes_with_its_rungs_intact(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "nasbox.cli.main", *SEARCH, "--jobs", "1", "--trials", "5", "--run-dir",
               str(run_dir), "--quiet"]
    kill_when(command, run_dir, lambda trials: len([t for t in trials if t.state in ENDED]) >= 2 and any(
        t.state == TrialState.RUNNING and "proxy_seed" in t.user_attrs for t in trials),
        "had two ended trials and a running one at once")

    def kept(trial: optuna.trial.FrozenTrial) -> tuple:
        return trial.state, trial.values, trial.params, {k: v for k, v in trial.user_attrs.items()
                                                         if k.startswith("rung") or k == "reason"}

    killed = search_trials(run_dir)
    ended = {t.number: kept(t) for t in killed if t.state in (TrialState.COMPLETE, TrialState.PRUNED)}
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    trials = search_trials(run_dir)
    assert {n: kept(trials[n]) for n in ended} == ended, "the rungs and results before the kill, untouched"
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == 5, "exactly the asked-for trials ended: none lost, none duplicated"
    retried = [t for t in trials if t.user_attrs.get("status") == "interrupted"]
    assert retried and all(len([t for t in trials if t.user_attrs.get("retry_of") == r.number]) == 1
                           for r in retried)
    assert all("rung_1_accuracy" in t.user_attrs for t in finished)
