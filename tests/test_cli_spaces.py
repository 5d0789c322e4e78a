"""`nasbox spaces` and `nasbox sample`, run in-process: listing, sampling within budgets, what a sampled spec
really costs when built, and one clear line with exit status 2 on bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
import yaml
from torch.utils.flop_counter import FlopCounterMode

import nasbox
from nasbox.cli.main import main
from nasbox.space import load_space, space_names
from nasbox.space.extremes import cheapest
from nasbox.units import format_count

SPACE_DIR = Path(__file__).resolve().parents[1] / "search_spaces"
SPACE_FILES = sorted(SPACE_DIR.glob("*.yaml"))


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `nasbox ARGS` in-process; its exit status (argparse's SystemExit included), stdout and stderr."""
    try:
        status = main(list(args))
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(result: tuple[int, str, str], command: str, *expected: str) -> None:
    """Exit status 2, nothing on stdout, one line on stderr that names the command and holds `expected`."""
    status, out, err = result
    assert status == 2, err
    assert out == ""
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert err.startswith(f"nasbox {command}: error: "), err
    for words in expected:
        assert words in err, (words, err)


# ------------------------------------------------------------------------------------------------- nasbox spaces


def test_spaces_json_has_one_entry_per_space_file(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(capsys, "spaces", "--json")
    assert status == 0, err
    rows = json.loads(out)
    assert [row["name"] for row in rows] == [path.stem for path in SPACE_FILES]
    for row, path in zip(rows, SPACE_FILES, strict=True):
        assert isinstance(row["genes"], list) and row["genes"]
        assert row["genes"] == load_space(row["name"]).gene_names()
        assert isinstance(row["size"], int) and row["size"] > 0
        assert 0 < row["min_macs"] <= row["max_macs"]
        assert row["contains"] == yaml.safe_load(path.read_text()).get("contains", [])
        for zoo_name in row["contains"]:
            assert row["min_macs"] <= nasbox.cost(nasbox.zoo.get(zoo_name)).macs <= row["max_macs"], zoo_name


def test_spaces_json_min_params_is_the_smallest_params(capsys: pytest.CaptureFixture[str]) -> None:
    rows = json.loads(run_cli(capsys, "spaces", "--json")[1])
    for row in rows:
        assert row["min_params"] <= cheapest(load_space(row["name"]), lambda c: c.params).cost.params, row["name"]


def test_spaces_table_has_a_row_per_space(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(capsys, "spaces")
    assert status == 0, err
    assert out.splitlines()[0].split()[:2] == ["space", "genes"]
    for name in space_names():
        assert re.search(rf"^{name} ", out, re.MULTILINE), name


# ------------------------------------------------------------------------------------------------- nasbox sample


def test_sample_json_specs_load_and_cost_what_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("sample", "--space", "resnet", "-n", "3", "--seed", "1", "--json")
    status, out, err = run_cli(capsys, *args)
    assert status == 0, err
    objects = json.loads(out)
    assert len(objects) == 3
    space = load_space("resnet")
    for obj in objects:
        assert set(obj) == {"spec", "params", "macs", "genes"}
        spec = nasbox.load_spec(obj["spec"])
        cost = nasbox.cost(spec)
        assert (cost.macs, cost.params) == (obj["macs"], obj["params"])
        assert space.render(obj["genes"]) == spec
    assert run_cli(capsys, *args) == (0, out, "")


def test_sample_json_within_budgets(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(capsys, "sample", "--space", "resnet", "-n", "5", "--seed", "1", "--json",
                               "--budget-macs", "3G", "--budget-params", "30M")
    assert status == 0, err
    objects = json.loads(out)
    assert len(objects) == 5
    for obj in objects:
        assert obj["macs"] <= 3 * 10**9
        assert obj["params"] <= 30 * 10**6


def test_sample_table_without_and_with_a_budget(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_cli(capsys, "sample", "--space", "resnet", "-n", "3", "--seed", "1")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["#", "spec", "MACs", "params", "genes"]
    assert len(lines) == 2 + 3
    assert "draws met" not in out

    status, out, err = run_cli(capsys, "sample", "--space", "resnet", "-n", "3", "--seed", "1",
                               "--budget-macs", "3G", "--budget-params", "30M", "--uniform")
    assert status == 0, err
    lines = out.splitlines()
    assert len(lines) == 2 + 3 + 1
    found = re.fullmatch(r"3 of (\d+) draws met 3G MACs and 30M params \(\d+%\)\.", lines[-1])
    assert found, lines[-1]
    assert int(found.group(1)) >= 3


def test_sample_repairs_the_draws_over_a_budget_that_uniform_draws_miss(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("sample", "--space", "resnet", "-n", "12", "--budget-macs", "600M")
    status, out, err = run_cli(capsys, *args)
    assert status == 0, err
    lines = out.splitlines()
    assert len(lines) == 2 + 12 + 1
    found = re.match(r"12 networks within 600M MACs from (\d+) uniform draws: .* repaired toward cheaper genes",
                     lines[-1])
    assert found and 12 <= int(found.group(1)) <= 48, lines[-1]
    status, out, err = run_cli(capsys, *args, "--json")
    space = load_space("resnet")
    objects = json.loads(out)
    assert status == 0 and len(objects) == 12 and len({json.dumps(o["genes"]) for o in objects}) == 12
    for obj in objects:
        assert obj["macs"] <= 600 * 10**6 and space.render(obj["genes"]) == nasbox.load_spec(obj["spec"])
    assert_one_line_error(run_cli(capsys, *args, "--uniform"), "sample", "only 0 of 12 random networks",
                          "without --uniform")


@pytest.mark.slow
@pytest.mark.parametrize("name", space_names())
def test_sampled_specs_build_and_measure_what_sample_reports(capsys: pytest.CaptureFixture[str], name: str) -> None:
    """The acceptance test: 50 sampled networks per space, built on the meta device and measured by torch."""
    status, out, err = run_cli(capsys, "sample", "--space", name, "-n", "50", "--seed", "0", "--json")
    assert status == 0, err
    objects = json.loads(out)
    assert len(objects) == 50
    for i, obj in enumerate(objects):
        spec = nasbox.load_spec(obj["spec"])
        with torch.device("meta"):
            module = nasbox.build(spec).eval()
        with FlopCounterMode(display=False) as counter, torch.inference_mode():
            output = module(torch.empty(1, *spec.input, device="meta"))
        assert counter.get_total_flops() // 2 == obj["macs"], (name, i)
        assert sum(p.numel() for p in module.parameters()) == obj["params"], (name, i)
        assert tuple(output.shape) == (1, spec.num_classes), (name, i)


# ------------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("args", "expected"), [
    pytest.param(("--space", "nope"), ["unknown space 'nope'", "resnet"], id="unknown-space"),
    pytest.param(("--space", "resnet", "--budget-macs", "600Q"), ["--budget-macs: '600Q'", "K, M or G"],
                 id="bad-suffix"),
    pytest.param(("--space", "resnet", "--budget-macs=-5M"), ["--budget-macs: '-5M'", "K, M or G"],
                 id="negative-joined"),
    pytest.param(("--space", "resnet", "--budget-macs", "-5M"), ["--budget-macs: '-5M'", "K, M or G"],
                 id="negative-apart"),
    pytest.param(("--space", "resnet", "--budget-macs", "abc"), ["--budget-macs: 'abc'", "K, M or G"],
                 id="not-a-number"),
    pytest.param(("--space", "resnet", "--budget-params", "0"), ["--budget-params: '0'", "K, M or G"],
                 id="zero-params"),
    pytest.param(("--space", "resnet", "-n", "0"), ["-n: 0", "1 or more"], id="zero-count"),
    pytest.param(("--space", "path/to/missing.yaml"), ["missing.yaml: no such file"], id="missing-file"),
])
def test_sample_bad_arguments_get_one_line_and_status_2(capsys: pytest.CaptureFixture[str], args: tuple[str, ...],
                                                        expected: list[str]) -> None:
    assert_one_line_error(run_cli(capsys, "sample", *args), "sample", *expected)


def test_sample_budget_below_the_smallest_network(capsys: pytest.CaptureFixture[str]) -> None:
    smallest = format_count(cheapest(load_space("resnet")).cost.macs)
    result = run_cli(capsys, "sample", "--space", "resnet", "--budget-macs", "1M")
    assert_one_line_error(result, "sample", "admits no network", "'resnet'", f"{smallest} MACs")


def test_sample_empty_budget_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "sample", "--space", "resnet", "-n", "1", "--budget-macs=")
    assert_one_line_error(result, "sample", "--budget-macs: ''", "K, M or G")


HEAD = "input: [3, 32, 32]\nnum_classes: 10\n"
LAYERS = "layers:\n  - {type: conv, out: 16, stride: 2}\n  - {type: global_pool}\n  - {type: linear, out: 10}\n"
MARK = "# <-"

BAD_SPACE_FILES = [
    pytest.param(HEAD + "genes:\n  k: {categorical: [1, 2]}  # <-\n" + LAYERS, "unknown type 'categorical'",
                 id="unknown-gene-type"),
    pytest.param(HEAD + "genes:\n  k: []  # <-\n" + LAYERS, "empty choice list", id="empty-choices"),
    pytest.param(HEAD + "genes:\n  k: {choices: [3, 5], when: {nope: 3}}  # <-\n" + LAYERS, "condition on 'nope'",
                 id="condition-on-missing-gene"),
    pytest.param(HEAD + "genes:\n\tk: [3, 5]  # <-\n" + LAYERS, "malformed YAML", id="tab"),
    pytest.param(HEAD + "genes:\n  k: [3, 5]\n  k: [1]  # <-\n" + LAYERS, "duplicate key 'k'", id="duplicate-key"),
]


@pytest.mark.parametrize(("text", "expected"), BAD_SPACE_FILES)
def test_sample_bad_space_file_names_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str,
                                                   expected: str) -> None:
    path = tmp_path.resolve() / "space.yaml"
    path.write_text(text)
    line = next(number for number, content in enumerate(text.splitlines(), 1) if MARK in content)
    result = run_cli(capsys, "sample", "--space", str(path))
    assert_one_line_error(result, "sample", f"{path}:{line}:", expected)
