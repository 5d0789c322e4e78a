"""`nasbox importance RUN`: one row per gene and per idea, the same for the same seed, and one line with exit
status 2 on bad input; the same view in TensorBoard at the end of the search."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tensorboard.backend.event_processing import event_accumulator

from nasbox.cli.main import main
from nasbox.search import make_config, run_search
from nasbox.space import load_space
from tests.test_latency import TINY_SPACE

IDEAS_SPACE = (TINY_SPACE.replace("stem: [8, 16]", "stem: {choices: [8, 16], idea: stem}")
               .replace("block: [separable, inverted_residual, inception]",
                        "block: {choices: [separable, inverted_residual, inception], idea: separable}")
               .replace("kernel: [3, 5]", "kernel: {choices: [3, 5], idea: kernel_size}")
               .replace("width: [16, 24]", "width: {choices: [16, 24], idea: width}"))


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("importance")
    space = root / "tiny.yaml"
    space.write_text(IDEAS_SPACE)
    run_dir = root / "run"
    run_search(make_config({"space": str(space), "run_dir": str(run_dir), "subset": "200", "epochs": "1",
                            "jobs": "1", "threads": "1", "baselines": "none", "trials": "6"}), progress=False)
    return run_dir


def importance_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["importance", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow
@pytest.mark.parametrize("evaluator", ["ped-anova", "fanova"])
def test_one_row_per_gene_and_idea_the_same_for_the_same_seed(small_run: Path, evaluator: str,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    first = importance_json(capsys, str(small_run), "--evaluator", evaluator, "--seed", "3")
    again = importance_json(capsys, str(small_run), "--evaluator", evaluator, "--seed", "3")
    assert first == again
    declared = load_space(small_run.parent / "tiny.yaml").genes_by_name()
    assert sorted(g["gene"] for g in first["genes"]) == sorted(declared)
    assert sorted(i["idea"] for i in first["ideas"]) == sorted({g.idea or "unassigned" for g in declared.values()})
    for objective in first["objectives"]:
        assert sum(i["importance"][objective] for i in first["ideas"]) == pytest.approx(1.0, abs=1e-9) or all(
            g["importance"][objective] == 0 for g in first["genes"])
    assert first["trials"] < first["trials_needed"] and "--trials" in first["warning"]


@pytest.mark.slow
def test_the_search_writes_the_importance_to_tensorboard(small_run: Path) -> None:
    guidance = {event_accumulator.TENSORS: 0, event_accumulator.IMAGES: 0}
    board = event_accumulator.EventAccumulator(str(small_run / "tensorboard"), size_guidance=guidance).Reload()
    assert "importance/by_idea" in board.Tags()["images"]
    assert {"importance/by_idea/text_summary", "importance/by_gene/text_summary"} <= set(board.Tags()["tensors"])


@pytest.mark.slow
def test_bad_input_is_one_line_and_status_2(small_run: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    cases = [([str(tmp_path)], "not a nasbox run directory"),
             ([str(small_run), "--objective", "latency"], "searched accuracy, macs only")]
    for args, expected in cases:
        assert main(["importance", *args]) == 2
        err = capsys.readouterr().err
        assert expected in err and err.count("\n") == 1, err


@pytest.mark.slow
def test_a_run_with_one_finished_trial_is_one_line_and_status_2(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    space = tmp_path / "tiny.yaml"
    space.write_text(IDEAS_SPACE)
    run_dir = tmp_path / "run"
    run_search(make_config({"space": str(space), "run_dir": str(run_dir), "subset": "200", "epochs": "1",
                            "jobs": "1", "threads": "1", "baselines": "none", "trials": "1"}), progress=False)
    capsys.readouterr()
    assert main(["importance", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert "compares at least 2" in err and err.count("\n") == 1, err
