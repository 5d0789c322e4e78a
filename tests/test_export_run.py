"""What `nasbox export RUN` reads: the proxy weights a search keeps (and prunes), and exports of a real tiny run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from nasbox import zoo
from nasbox.export import export
from nasbox.export.package import load_class
from nasbox.search.front import Point
from nasbox.search.weights import prune, save_weights, weights_key, weights_path
from tests.test_cli import _assert_one_line_error as assert_one_line_error
from tests.test_export_api import tree
from tests.test_search_cli import nasbox_cli
from tests.zoo_cover import covering_zoo_networks


def _point(trial: int | None, baseline: str | None, accuracy: float, macs: int) -> Point:
    return Point(trial=trial, baseline=baseline, genes=None, spec={}, val_accuracy=accuracy, macs=macs, params=1)


def test_weights_are_kept_per_trained_network_and_pruned_off_the_front_only(tmp_path: Path) -> None:
    best, dominated, baseline = _point(1, None, 0.9, 100), _point(2, None, 0.5, 200), _point(None, "lenet5", 0.6, 10)
    enqueued = _point(4, "mobilenet_v2", 0.4, 300)
    state = {"w": torch.arange(6.0).reshape(2, 3)}
    for point in (best, dominated, baseline, enqueued):
        save_weights(tmp_path, weights_key(point.trial, point.baseline), state)
    running = save_weights(tmp_path, weights_key(3, None), state)  # a trial still training has no point yet
    assert sorted(os.listdir(tmp_path / "weights")) == ["baseline-lenet5.pt", "trial-00001.pt", "trial-00002.pt",
                                                       "trial-00003.pt", "trial-00004.pt"], "no temporary file left"
    points, front = [best, dominated, baseline, enqueued], [baseline, best]
    assert sorted(prune(tmp_path, points, front)) == ["trial-00002", "trial-00004"]
    assert sorted(os.listdir(tmp_path / "weights")) == ["baseline-lenet5.pt", "trial-00001.pt", "trial-00003.pt"]
    assert running.exists()
    kept = torch.load(weights_path(tmp_path, "trial-00001"), weights_only=True)
    assert torch.equal(kept["w"], state["w"])
    assert prune(tmp_path, points, front) == []


# ------------------------------------------------------------------------------------- a real tiny run

TINY_RUN = ("search", "--space", "inception_resnet", "--budget-macs", "600M", "--subset", "200", "--epochs", "1",
            "--width-mult", "0.25", "--trials", "3", "--jobs", "1", "--threads", "1", "--baselines", "none")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A finished 3-trial search of the built-in MNIST subset: its run directory and what it printed."""
    run_dir = tmp_path_factory.mktemp("export-run") / "run"
    result = nasbox_cli(*TINY_RUN, "--run-dir", str(run_dir), "--quiet")
    assert result.returncode == 0, result.stderr
    return run_dir, result.stdout


def front_of(run_dir: Path) -> list[dict]:
    return json.loads((run_dir / "front.json").read_text())["front"]


@pytest.mark.slow
def test_the_search_ends_with_the_export_command_and_keeps_the_fronts_weights(tiny_run: tuple[Path, str]) -> None:
    run_dir, stdout = tiny_run
    assert stdout.rstrip().splitlines()[-1].startswith(f"nasbox export {run_dir} --front")
    front = front_of(run_dir)
    assert front
    kept = sorted(p.name for p in (run_dir / "weights").iterdir())
    assert kept == sorted(f"{weights_key(p['trial'], p['baseline'])}.pt" for p in front)


@pytest.mark.slow
def test_proxy_exports_reproduce_every_front_members_validation_and_test_accuracy(tiny_run: tuple[Path, str],
                                                                                 tmp_path: Path) -> None:
    from nasbox.proxy.train import accuracy_of
    from nasbox.search import make_config
    from nasbox.search.data import load_held_out, load_proxy_data

    run_dir, _ = tiny_run
    result = nasbox_cli("export", str(run_dir), "--front", "--proxy", "-o", str(tmp_path / "proxies"))
    assert result.returncode == 0, result.stderr
    config = make_config({"space": "inception_resnet", "budget_macs": "600M", "subset": 200, "epochs": 1,
                          "device": "cpu"})
    data = load_proxy_data(config)
    held_out = load_held_out(config, data)
    for entry in front_of(run_dir):
        folder = tmp_path / "proxies" / f"{weights_key(entry['trial'], entry['baseline'])}-proxy"
        record = json.loads((folder / "model.json").read_text())
        assert record["weights"]["kind"] == "proxy" and record["input"] == [1, 32, 32]
        model = load_class(folder / "model.py", record["class"])()
        model.load_state_dict(torch.load(folder / "weights.pt", weights_only=True))
        assert accuracy_of(model, data.val_images, data.val_labels) == entry["val_accuracy"]
        assert accuracy_of(model, held_out.images, held_out.labels) == entry["test_accuracy"]
        assert record["run"]["proxy_accuracy"] == {"validation": entry["val_accuracy"], "test": entry["test_accuracy"]}


def _with_failed_and_running_trials(run_dir: Path, copy: Path) -> tuple[int, int, int]:
    """A copy of the run with an infeasible, a failed and a still-running trial added (start-up trials are drawn
    within the budget, so a tiny run has no infeasible one of its own); returns their numbers."""
    import optuna
    from optuna.trial import TrialState

    shutil.copytree(run_dir, copy)
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(copy / "study.journal")))
    study = optuna.load_study(study_name="search", storage=storage)
    over = study.ask()
    over.set_user_attr("status", "infeasible")
    over.set_user_attr("feasible", False)
    study.tell(over, [0.0, 900_000_000.0])
    failed = study.ask()
    failed.set_user_attr("status", "failed")
    failed.set_user_attr("reason", "diverged: the training loss became nan in epoch 1")
    study.tell(failed, state=TrialState.FAIL)
    running = study.ask()
    return over.number, failed.number, running.number


@pytest.mark.slow
def test_bad_run_input_is_one_line_exit_2_and_writes_nothing(tiny_run: tuple[Path, str], tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    infeasible, failed, running = _with_failed_and_running_trials(tiny_run[0], run_dir)
    member = weights_key(front_of(run_dir)[0]["trial"], front_of(run_dir)[0]["baseline"])
    (run_dir / "weights" / f"{member}.pt").unlink()
    (tmp_path / "empty").mkdir()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    weights = tmp_path / "weights.pt"
    weights.write_bytes(b"not a state_dict")
    cases = [
        ((str(tmp_path / "missing"), "--rank", "1"), "no such run directory"),
        ((str(tmp_path / "empty"), "--rank", "1"), "not a nasbox run directory"),
        ((str(run_dir),), "choose what to export with --trial N, --rank K or --front"),
        ((str(run_dir), "--trial", "999"), "--trial 999: "),
        ((str(run_dir), "--trial", str(infeasible)), "over budget and never trained"),
        ((str(run_dir), "--trial", str(failed)), "failed (diverged: the training loss became nan"),
        ((str(run_dir), "--trial", str(running)), "has not finished training"),
        ((str(run_dir), "--rank", "99"), "--rank 99: the front of"),
        ((str(run_dir), "--rank", "0"), "give a rank from 1 to"),
        ((str(run_dir), "--front", "--proxy", "-o", str(tmp_path / "out")), "no kept proxy weights"),
        ((str(run_dir), "--rank", "1", "--proxy", "--weights", str(weights)), "drop --weights, or drop --proxy"),
        ((str(run_dir), "--front", "--weights", str(weights)), "--weights fits one network"),
        ((str(run_dir), "--rank", "1", "--weights", str(weights)), "cannot read it"),
        ((str(run_dir), "--rank", "1", "-o", str(tmp_path / "busy")), "is not empty; give --force"),
        ((str(run_dir), "--rank", "1", "--format", "source,pdf"), "unknown format 'pdf'"),
    ]
    before = tree(tmp_path)
    for args, expected in cases:
        assert_one_line_error(nasbox_cli("export", *args, cwd=tmp_path), expected)
        assert tree(tmp_path) == before, args


# --------------------------------------------------------------- exported files run where nasbox cannot

CHECK_WITHOUT_NASBOX = r'''
import importlib.abc, importlib.util, json, sys, warnings

class RefuseNasbox(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "nasbox" or name.startswith("nasbox."):
            raise ImportError(f"{name} is refused in this interpreter")
        return None

sys.meta_path.insert(0, RefuseNasbox())
try:
    import nasbox  # noqa: F401
    raise SystemExit("nasbox could be imported")
except ImportError:
    pass

import torch

torch.set_num_threads(1)
results = {}
for folder in sys.argv[1:]:
    record = json.load(open(f"{folder}/model.json"))
    expected = torch.load(f"{folder}/expected.pt", weights_only=True)
    module_spec = importlib.util.spec_from_file_location(f"exported_{len(results)}", f"{folder}/model.py")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    model = getattr(module, record["class"])()
    model.load_state_dict(torch.load(f"{folder}/weights.pt", weights_only=True))
    model.eval()
    keys = [[key, list(value.shape)] for key, value in model.state_dict().items()]
    with torch.no_grad():
        out = model(expected["x"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted = torch.jit.script(model)
    with torch.no_grad():
        script_out = scripted(expected["x"])
    results[folder] = {"keys_match": keys == expected["keys"], "max_diff": (out - expected["out"]).abs().max().item(),
                       "script_diff": (script_out - out).abs().max().item(), "nasbox_loaded": "nasbox" in sys.modules}
print(json.dumps(results))
'''


@pytest.mark.slow
def test_zoo_networks_covering_every_layer_option_and_the_front_run_without_nasbox_as_nasbox_builds_them(
        tiny_run: tuple[Path, str], tmp_path: Path) -> None:
    """Zoo networks that use every layer type and option of the zoo (`covering_zoo_networks`) and the run's front,
    exported with their seeded initial weights, checked in one fresh interpreter that refuses to import nasbox: the
    same state_dict keys and shapes, outputs identical to nasbox.build loaded with the same weights (batch 2, eval
    mode), and TorchScript within 1e-6 of eager."""
    import nasbox
    from nasbox.export.run import Run

    networks = [(name, zoo.get(name)) for name in covering_zoo_networks()]
    networks += [(member.key, member.spec) for member in Run(tiny_run[0]).front]
    folders = []
    try:
        for label, spec in networks:
            torch.manual_seed(0)
            reference = nasbox.build(spec).eval()  # the initial weights export() gives by default, built once
            folder = export(spec, tmp_path / label, weights=reference.state_dict())
            torch.manual_seed(1)
            x = torch.randn(2, *spec.input)
            with torch.no_grad():
                out = reference(x)
            keys = [[key, list(value.shape)] for key, value in reference.state_dict().items()]
            torch.save({"x": x, "out": out, "keys": keys}, folder / "expected.pt")
            folders.append(str(folder))
        check = subprocess.run([sys.executable, "-c", CHECK_WITHOUT_NASBOX, *folders], capture_output=True,
                               text=True, cwd=tmp_path, timeout=1200)
        assert check.returncode == 0, check.stderr
        results = json.loads(check.stdout)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)  # several GB of weights
    assert len(results) == len(networks) > len(covering_zoo_networks())
    for folder, result in results.items():
        assert result == {"keys_match": True, "max_diff": 0.0, "script_diff": result["script_diff"],
                          "nasbox_loaded": False}, folder
        assert result["script_diff"] <= 1e-6, folder
