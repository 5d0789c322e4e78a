"""A search of the nb201 space as a user runs it: each trial, front row and export names its NAS-Bench-201 cell,
and `nasbox nb201` looks up a trial of the run or a spec file of the space as it does an arch string."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from nasbox.nb201 import lookup
from nasbox.nb201.space import arch_of_genes
from tests.test_cli import _assert_one_line_error
from tests.test_search_cli import nasbox_cli, search_trials


@pytest.fixture(scope="module")
def nb201_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished tiny search of the nb201 space: 3 trials, no baselines."""
    run_dir = tmp_path_factory.mktemp("nb201") / "run"
    result = nasbox_cli("search", "--space", "nb201", "--subset", "100", "--epochs", "1", "--width-mult", "0.25",
                        "--trials", "3", "--jobs", "1", "--threads", "1", "--baselines", "none", "--run-dir",
                        str(run_dir))
    assert result.returncode == 0, result.stderr
    return run_dir


@pytest.mark.slow
def test_trials_front_rows_and_exports_carry_the_cells_arch_string(nb201_run: Path, tmp_path: Path) -> None:
    trials = search_trials(nb201_run)
    assert len(trials) == 3
    for trial in trials:
        assert trial.user_attrs["nb201_arch"] == arch_of_genes(trial.params)
    by_number = {t.number: t.user_attrs["nb201_arch"] for t in trials}

    front = json.loads((nb201_run / "front.json").read_text())["front"]
    assert front and all(row["nb201_arch"] == by_number[row["trial"]] for row in front)
    with (nb201_run / "front.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [row["nb201_arch"] for row in rows] == [row["nb201_arch"] for row in front]
    table = nasbox_cli("front", str(nb201_run))
    assert table.returncode == 0 and all(row["nb201_arch"] in table.stdout for row in front)

    exported = nasbox_cli("export", str(nb201_run), "--front", "-o", str(tmp_path / "exports"))
    assert exported.returncode == 0, exported.stderr
    models = sorted((tmp_path / "exports").glob("*/model.json"))
    assert len(models) == len(front)
    archs = {m: json.loads(m.read_text())["run"]["nb201_arch"] for m in models}
    assert set(archs.values()) == {row["nb201_arch"] for row in front}
    assert all(arch in (m.parent / "model.py").read_text() for m, arch in archs.items()), "in the docstring too"


@pytest.mark.slow
def test_nb201_looks_up_a_trial_of_the_run(nb201_run: Path) -> None:
    for trial in search_trials(nb201_run):
        result = nasbox_cli("nb201", str(nb201_run), "--trial", str(trial.number), "--json")
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["arch"] == trial.user_attrs["nb201_arch"]
        assert report["accuracy"] == lookup(report["arch"]).to_dict()["accuracy"]


def test_nb201_looks_up_a_spec_file_of_the_space_as_its_arch_string(tmp_path: Path) -> None:
    [sample] = json.loads(nasbox_cli("sample", "--space", "nb201", "-n", "1", "--seed", "5", "--json").stdout)
    (tmp_path / "cell.yaml").write_text(yaml.safe_dump(sample["spec"]))
    (tmp_path / "cell.json").write_text(json.dumps(sample["spec"]))
    by_arch = nasbox_cli("nb201", sample["nb201_arch"])
    for name in ("cell.yaml", "cell.json"):
        by_spec = nasbox_cli("nb201", str(tmp_path / name))
        assert by_spec.returncode == 0 and by_spec.stdout == by_arch.stdout


@pytest.mark.parametrize(("args", "expected"), [
    (("{folder}",), "a folder; name a trial of the run it holds with --trial N"),
    (("{folder}", "--trial", "0"), "no config.yaml here, so it is not a nasbox run directory"),
    (("{folder}/r18/spec.yaml", "--trial", "0"),
     "--trial chooses a trial of a run; {folder}/r18/spec.yaml is not a run directory, give one"),
    (("{folder}/r18/spec.yaml",),
     "resnet18 takes (3, 224, 224) → 1000 classes but space 'nb201' is for (3, 32, 32) → 10; it cannot be a point"),
    (("{folder}/missing.yaml",), "neither an arch string (|op~0|+|op~0|op~1|+|op~0|op~1|op~2|) nor an existing spec "
                                 "file or run directory"),
])
def test_what_names_no_nb201_cell_is_one_line_and_status_2(tmp_path: Path, args: tuple[str, ...],
                                                            expected: str) -> None:
    exported = nasbox_cli("export", "--zoo", "resnet18", "-o", str(tmp_path / "r18"))
    assert exported.returncode == 0, exported.stderr
    result = nasbox_cli("nb201", *(a.format(folder=tmp_path) for a in args))
    _assert_one_line_error(result, expected.format(folder=tmp_path))


@pytest.mark.slow
def test_a_trial_the_run_lacks_or_a_run_of_another_space_is_one_line(nb201_run: Path, tmp_path: Path) -> None:
    _assert_one_line_error(nasbox_cli("nb201", str(nb201_run), "--trial", "3"),
                           f"--trial 3: {nb201_run} has no such trial (its trials are 0 to 2)")
    other = tmp_path / "other"
    other.mkdir()
    config = yaml.safe_load((nb201_run / "config.yaml").read_text())
    config["identity"]["space"] = "resnet"
    (other / "config.yaml").write_text(yaml.safe_dump(config))
    _assert_one_line_error(nasbox_cli("nb201", str(other), "--trial", "0"),
                           f"{other}: a run of space 'resnet', whose networks are not NAS-Bench-201 cells")
