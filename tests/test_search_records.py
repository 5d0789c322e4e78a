"""What a run directory records and how far it can be trusted: the front in TensorBoard whatever the output mode,
scores that depend on the network and the seed alone, an identity that covers the content of the files a run used,
every gene in the hparams rows, and paths that cannot be written refused before anything is trained."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import optuna
import pytest
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.hparams import metadata

from nasbox.search import make_config, run_search
from nasbox.search.config import flag
from nasbox.search.study import SEARCH_STUDY
from nasbox.space import load_space
from tests.test_data import write_idx
from tests.test_latency import TINY_SPACE

FAST = {"subset": "200", "epochs": "1", "width_mult": "0.25", "jobs": "1", "threads": "1", "baselines": "none",
        "trials": "3"}
FAST_FLAGS = [item for name, value in FAST.items() for item in (flag(name), value)]


def nasbox_cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nasbox.cli.main", *args], capture_output=True, text=True,
                          timeout=timeout)


def studies(run_dir: Path) -> dict[str, optuna.Study]:
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(run_dir / "study.journal")))
    return {name: optuna.load_study(study_name=name, storage=storage) for name in ("search", "baselines")}


def trained(run_dir: Path) -> list[optuna.trial.FrozenTrial]:
    return [t for t in studies(run_dir)["search"].get_trials()
            if t.state.name == "COMPLETE" and t.user_attrs.get("status") != "infeasible"]


def snapshot_of_files(run_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(run_dir)): p.read_bytes() for p in sorted(run_dir.rglob("*")) if p.is_file()}


@pytest.fixture
def space_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_SPACE)
    return path


def search(space: Path, run_dir: Path, **settings: str) -> None:
    run_search(make_config({"space": str(space), "run_dir": str(run_dir), **FAST, **settings}), progress=False)


# ------------------------------------------------------------------------------------------ TensorBoard, quiet


@pytest.mark.slow
def test_a_quiet_search_still_logs_the_front_to_tensorboard(space_file: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    result = nasbox_cli("search", "--space", str(space_file), "--run-dir", str(run_dir), "--quiet",
                        *FAST_FLAGS, "--baselines", "lenet5")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    guidance = {event_accumulator.SCALARS: 0, event_accumulator.IMAGES: 0}
    board = event_accumulator.EventAccumulator(str(run_dir / "tensorboard"), size_guidance=guidance).Reload()
    steps = [e.step for e in board.Scalars("search/hypervolume")]
    assert steps and steps[-1] == 4, "3 searched trials and a baseline ended"
    assert [e.value for e in board.Scalars("search/front_size")][-1] >= 1
    assert board.Scalars("search/best_val_accuracy") and board.Scalars("search/test_accuracy_of_best")
    assert [i.step for i in board.Images("front/accuracy_vs_macs")][-1] == 4
    front = json.loads((run_dir / "front.json").read_text())
    assert board.Scalars("search/hypervolume")[-1].value == pytest.approx(front["hypervolume"])


# ------------------------------------------------------------------------------------------ reproducible scores


@pytest.mark.slow
def test_the_same_command_with_one_job_reproduces_a_run_trial_for_trial(space_file: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    search(space_file, first)
    search(space_file, second)
    records = [[(t.number, t.params, t.values, t.user_attrs.get("status")) for t in studies(d)["search"].get_trials()]
               for d in (first, second)]
    assert len(trained(first)) == 3
    assert records[0] == records[1]


@pytest.mark.slow
def test_a_network_scores_the_same_whatever_its_trial_number(space_file: Path, tmp_path: Path) -> None:
    one, other = tmp_path / "one", tmp_path / "other"
    search(space_file, one, trials="1")
    [network] = trained(one)
    search(space_file, other, sampler="random")
    studies(other)[SEARCH_STUDY].enqueue_trial(network.params)
    search(space_file, other, sampler="random", trials="4")
    again = [t for t in trained(other) if t.params == network.params and t.number != network.number]
    assert again, "the network was trained again under another trial number"
    assert again[0].user_attrs["accuracy"] == network.user_attrs["accuracy"]
    assert again[0].user_attrs["proxy_seed"] == network.user_attrs["proxy_seed"]


# ------------------------------------------------------------------------------------------ identity by content


def mnist_folder(folder: Path) -> Path:
    folder.mkdir()
    rng = np.random.default_rng(0)
    write_idx(folder, "train", rng.integers(0, 256, (60, 12, 12)), np.arange(60) % 10, gz=False)
    return folder


def change_space(space_file: Path) -> None:
    space_file.write_text(TINY_SPACE + "# edited: the genes are the same, the file is not\n")


def change_data(data_dir: Path) -> None:
    labels = data_dir / "train-labels-idx1-ubyte"
    raw = bytearray(labels.read_bytes())
    raw[-1] = (raw[-1] + 1) % 10
    labels.write_bytes(bytes(raw))


def change_table(table: Path) -> None:
    data = json.loads(table.read_text())
    data["date"] = "another day"
    table.write_text(json.dumps(data))


@pytest.mark.slow
def test_a_run_whose_files_changed_is_refused_then_force_resumed_with_the_change_recorded(
        space_file: Path, tiny_table_file: Path, tmp_path: Path) -> None:
    """The space, the data and the latency table change in turn under one run: each change is refused, leaving the
    run as it was, then force-resumed with the change recorded, after which the same files resume plainly."""
    data_dir = mnist_folder(tmp_path / "mnist")
    table = tmp_path / "table.json"
    shutil.copy(tiny_table_file, table)
    run_dir = tmp_path / "run"
    flags = ["search", "--space", str(space_file), "--dataset", "mnist", "--data-dir", str(data_dir),
             "--latency-table", str(table), "--subset", "40", "--epochs", "1", "--jobs", "1", "--threads", "1",
             "--baselines", "none", "--run-dir", str(run_dir), "--quiet"]
    made = nasbox_cli(*flags, "--trials", "1")
    assert made.returncode == 0, made.stderr
    changes = [(change_space, space_file, space_file), (change_data, data_dir, data_dir / "train-labels-idx1-ubyte"),
               (change_table, table, table)]
    for trials, (change, argument, changed) in enumerate(changes, start=2):
        change(argument)
        before = snapshot_of_files(run_dir)
        refused = nasbox_cli(*flags, "--trials", str(trials))
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
        assert str(changed.resolve()) in refused.stderr and "has changed since" in refused.stderr
        assert "--force-resume" in refused.stderr and "another --run-dir" in refused.stderr
        assert snapshot_of_files(run_dir) == before, "a refusal leaves the run directory byte for byte as it was"

        forced = nasbox_cli(*flags, "--trials", str(trials), "--force-resume")
        assert forced.returncode == 0, forced.stderr
        config = (run_dir / "config.yaml").read_text()
        assert "changes:" in config and str(changed.resolve()) in config
        assert len(trained(run_dir)) == trials
    again = nasbox_cli(*flags, "--trials", str(len(changes) + 1))
    assert again.returncode == 0, "the changes are recorded: the same files resume without --force-resume"


@pytest.mark.slow
def test_a_run_written_by_other_versions_resumes_with_a_warning(space_file: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    search(space_file, run_dir, trials="1")
    config = run_dir / "config.yaml"
    config.write_text(config.read_text().replace("optuna: ", "optuna: 0.0.0-was-", 1))
    result = nasbox_cli("search", "--space", str(space_file), "--run-dir", str(run_dir), "--quiet",
                        *FAST_FLAGS, "--trials", "1")
    assert result.returncode == 0, result.stderr
    assert "warning: this run was written by optuna 0.0.0-was-" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_nasbox_reports_its_version() -> None:
    import nasbox

    result = nasbox_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"nasbox {nasbox.__version__}"
    assert nasbox.__version__[0].isdigit()


# ------------------------------------------------------------------------------------------ records and dashboards


@pytest.mark.slow
def test_studies_name_their_metrics_and_trials_record_feasibility_and_spec(space_file: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    search(space_file, run_dir, budget_macs="200K", baselines="lenet5")
    for study in studies(run_dir).values():
        assert study.metric_names == ["accuracy", "macs"]
    space = load_space(space_file)
    for trial in studies(run_dir)["search"].get_trials():
        assert trial.user_attrs["feasible"] == (trial.user_attrs["macs"] <= 200_000)
        if trial.user_attrs["feasible"]:
            assert trial.user_attrs["spec"]["layers"] == space.render(trial.params).to_dict()["layers"]
        else:
            assert trial.values[0] == 0.0 and trial.user_attrs["status"] == "infeasible"
    [baseline] = studies(run_dir)["baselines"].get_trials()
    assert baseline.user_attrs["spec"]["name"] == "lenet5"


@pytest.mark.slow
def test_every_hparams_row_carries_every_gene_with_one_key_set(space_file: Path, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    search(space_file, run_dir, trials="4", baselines="lenet5")
    genes = {f"gene/{name}" for name in load_space(space_file).gene_names()}
    key_sets = []
    for run in sorted((run_dir / "tensorboard" / "trials").iterdir()):
        content = event_accumulator.EventAccumulator(str(run)).Reload().PluginTagToContent(metadata.PLUGIN_NAME)
        start = metadata.parse_session_start_info_plugin_data(content[metadata.SESSION_START_INFO_TAG])
        key_sets.append(set(start.hparams))
        assert all(start.hparams[key].string_value for key in genes), "genes are strings, 'absent' when missing"
    assert len(key_sets) == 5 and genes <= key_sets[0]
    assert all(keys == key_sets[0] for keys in key_sets)


# ------------------------------------------------------------------------------------------ unwritable paths


def test_a_run_directory_under_a_regular_file_is_one_line_before_anything_runs(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = nasbox_cli("search", "--space", "inception_resnet", "--budget-macs", "600M", "--subset", "40",
                        "--run-dir", str(blocker / "run"), timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot create" in result.stderr and str(blocker / "run") in result.stderr
    assert blocker.read_text() == "not a folder"


@pytest.mark.slow
def test_a_front_write_that_fails_keeps_the_last_front_files_and_stops_in_one_line(
        space_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nasbox import NasboxError
    from nasbox.search import front

    run_dir = tmp_path / "run"
    search(space_file, run_dir, trials="1")
    before = {name: (run_dir / name).read_bytes() for name in (front.FRONT_JSON, front.FRONT_CSV)}
    real_write, writes = front.write_atomically, []

    def full_disk_on_csv(path: Path, text: str) -> None:
        writes.append(path.name)
        if path.name == front.FRONT_CSV:
            raise OSError(28, "No space left on device")
        real_write(path, text)

    monkeypatch.setattr(front, "write_atomically", full_disk_on_csv)
    with pytest.raises(NasboxError) as info:
        search(space_file, run_dir, trials="3")
    assert "No space left on device" in str(info.value) and "rerun the same command" in str(info.value)
    assert "\n" not in str(info.value)
    assert (run_dir / front.FRONT_CSV).read_bytes() == before[front.FRONT_CSV]
    assert json.loads((run_dir / front.FRONT_JSON).read_text())["trials"], "front.json is whole and readable"
    assert len(trained(run_dir)) < 3, "the search stopped"
    monkeypatch.undo()
    search(space_file, run_dir, trials="3")
    assert len(trained(run_dir)) == 3, "the run resumes once the disk has room"


@pytest.mark.slow
def test_start_up_trials_are_drawn_within_a_budget_that_uniform_draws_miss(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_search(make_config({"space": "resnet", "budget_macs": "600M", "run_dir": str(run_dir), **FAST}),
               progress=False)
    trials = studies(run_dir)["search"].get_trials()
    assert len(trials) == 3, "no proposal was wasted over the budget"
    assert all(t.user_attrs["startup_draw"] and t.user_attrs["feasible"] for t in trials)
    assert all(t.user_attrs["macs"] <= 600_000_000 for t in trials)
    assert len({json.dumps(t.params, sort_keys=True) for t in trials}) == 3
