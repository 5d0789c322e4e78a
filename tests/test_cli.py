"""The `nasbox` command as a user runs it: output, and one clear line with exit status 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nasbox import zoo
from nasbox.arch import ArchSpec


def nasbox_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nasbox.cli.main", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_baselines_json_lists_every_network_within_its_tolerance_of_its_reference_figures() -> None:
    result = nasbox_cli("baselines", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == zoo.names()
    assert len(rows) == 24
    for row in rows:
        assert {"name", "input", "params", "macs", "activations", "reference_params", "reference_macs",
                "reference", "tolerance"} <= set(row)
        assert row["reference"] == zoo.entry(row["name"]).reference
        assert abs(row["params"] / row["reference_params"] - 1) <= row["tolerance"], row["name"]
        assert abs(row["macs"] / row["reference_macs"] - 1) <= row["tolerance"], row["name"]
    assert {r["name"] for r in rows if r["reference"] == "computed"} == {"lenet5", "zfnet", "nin", "enet"}


def test_baselines_table_has_a_row_per_network_and_marks_computed_figures() -> None:
    result = nasbox_cli("baselines")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert "pub." not in lines[0] and "reference" in lines[0].split()
    for name in zoo.names():
        row = next(line for line in lines if line.startswith(f"{name} "))
        assert f" {zoo.entry(name).reference} " in row, row
    assert "computed = nasbox's count" in result.stdout


def test_profile_zoo_network_totals_match_the_cost_model() -> None:
    result = nasbox_cli("profile", "resnet18", "--json")
    report = json.loads(result.stdout)
    assert report["total"]["macs"] == 1_814_073_344
    assert sum(layer["macs"] for layer in report["layers"]) == report["total"]["macs"]
    assert report["layers"][-1]["output"] == [1000]


def test_profile_at_another_input_and_from_a_dumped_spec(tmp_path: Path) -> None:
    dumped = nasbox_cli("profile", "mobilenet_v2", "--dump-spec")
    assert ArchSpec.from_yaml(dumped.stdout) == zoo.get("mobilenet_v2")
    spec_file = tmp_path / "mnv2.yaml"
    spec_file.write_text(dumped.stdout)
    small = json.loads(nasbox_cli("profile", str(spec_file), "--input", "3x112x112", "--json").stdout)
    full = json.loads(nasbox_cli("profile", "mobilenet_v2", "--json").stdout)
    assert small["input"] == [3, 112, 112]
    assert small["total"]["params"] == full["total"]["params"]
    assert 0.2 < small["total"]["macs"] / full["total"]["macs"] < 0.3
    table = nasbox_cli("profile", str(spec_file)).stdout
    assert "total" in table and "3,504,872" in table


def _spec_with(layer: dict) -> dict:
    return {"name": "bad", "input": [3, 32, 32], "num_classes": 10,
            "layers": [layer, {"type": "global_pool"}, {"type": "linear", "out": 10}]}


BAD_SPECS = {
    "unknown-primitive": (_spec_with({"type": "transformer", "out": 8}), "unknown primitive 'transformer'"),
    "even-kernel": (_spec_with({"type": "conv", "out": 8, "kernel": 4}), "kernel: must be odd"),
    "shrinks-below-1x1": ({**_spec_with({"type": "conv", "out": 8, "stride": 2}), "layers": [
        *[{"type": "conv", "out": 8, "stride": 2}] * 6, {"type": "pool", "kernel": 3}, {"type": "global_pool"},
        {"type": "linear", "out": 10}]}, "does not fit the 1-pixel"),
    "negative-width": (_spec_with({"type": "conv", "out": -16}), "out: must be a positive integer, got -16"),
    "fractional-width": (_spec_with({"type": "conv", "out": 16.5}), "out: must be an integer, got 16.5"),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_bad_spec_files_get_one_line_and_status_2(tmp_path: Path, case: str) -> None:
    data, expected = BAD_SPECS[case]
    path = tmp_path / f"{case}.json"
    path.write_text(json.dumps(data))
    result = nasbox_cli("profile", str(path))
    _assert_one_line_error(result, expected)
    assert str(path) in result.stderr


@pytest.mark.parametrize(("args", "expected"), [
    (("profile", "resnet19"), "neither a zoo network nor a spec file"),
    (("profile", "resnet18", "--input", "3x224"), "expected CxHxW"),
    (("profile", "resnet18", "--input", "1x224x224"), "takes 3 input channels"),
    (("profile", "missing.yaml"), "missing.yaml: no such file"),
    (("frobnicate",), "invalid choice: 'frobnicate'"),
    (("profile",), "the following arguments are required"),
    (("sample", "--space", "inception_resnet", "--budget-macs", "600Q"), "'600Q' is not a count"),
    (("sample", "--space", "inception_resnet", "--budget-macs", "-5M"), "'-5M' is not a count"),
    (("sample", "--space", "inception_resnet", "--budget-params", "abc"), "'abc' is not a count"),
    (("sample", "--space", "inception_resnet", "--budget-macs", "10M"), "admits no network"),
    (("sample", "--space", "transformer"), "unknown space 'transformer'"),
])
def test_bad_arguments_get_one_line_and_status_2(args: tuple[str, ...], expected: str) -> None:
    _assert_one_line_error(nasbox_cli(*args), expected)


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\nlayers:\n  - {type: conv, out: 8\n  - {type: flatten}\n")
    _assert_one_line_error(nasbox_cli("profile", str(path)), "broken.yaml:4:")
    tabs = tmp_path / "tabs.yaml"
    tabs.write_text("name: t\nlayers:\n\t- {type: flatten}\n")
    _assert_one_line_error(nasbox_cli("profile", str(tabs)), "malformed YAML")


def _assert_one_line_error(result: subprocess.CompletedProcess, expected: str) -> None:
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert expected in result.stderr, result.stderr
    assert result.stdout == ""


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"name": "x",\n "layers": [}\n')
    _assert_one_line_error(nasbox_cli("profile", str(path)), "broken.json:2:")


def test_the_command_starts_without_importing_torch() -> None:
    """--help and one-line errors must answer fast: torch (3-4 s to import) loads only when a command needs it."""
    probe = "import sys, nasbox.cli.main; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr
