"""The latency commands as a user runs them: a table and its check on a tiny space, profile and baselines with
--latency, and bad input answered in one line with exit status 2 (warnings: stderr, exit status 0)."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import pytest
import torch

from nasbox.space import load_space
from tests.test_cli import _assert_one_line_error, nasbox_cli
from tests.test_latency import TINY_SPEC


def _edited_table(tiny_table_file: Path, tmp_path: Path, **changes: object) -> Path:
    data = json.loads(tiny_table_file.read_text())
    data.update(changes)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data))
    return path


def _check(tiny_space_file: Path, table: Path, *extra: str) -> subprocess.CompletedProcess:
    return nasbox_cli("latency-check", "--space", str(tiny_space_file), "--table", str(table), "-n", "4", "--repeats",
                      "5", *extra)


def test_latency_table_writes_a_table_that_records_its_setting(tiny_table_file: Path) -> None:
    data = json.loads(tiny_table_file.read_text())
    assert {"device", "device_name", "torch_version", "threads", "date", "batch_size", "entries"} <= set(data)
    assert (data["space"], data["device"], data["threads"], data["torch_version"]) == (
        "tiny_latency", "cpu", 1, torch.__version__)
    assert data["entries"] and all(e["median"] > 0 for e in data["entries"].values())


@pytest.mark.slow
def test_latency_check_prints_the_figures_and_json(tiny_space_file: Path, tiny_table_file: Path) -> None:
    result = _check(tiny_space_file, tiny_table_file, "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert {"within_10pct", "mape", "kendall_tau", "n"} <= set(figures) and figures["n"] == 4
    text = _check(tiny_space_file, tiny_table_file)
    assert text.returncode == 0
    assert all(label in text.stdout for label in ("within ±10%", "MAPE", "Kendall tau"))


@pytest.mark.parametrize(("changes", "expected"), [
    ({"torch_version": "2.2.0"}, "measured with torch 2.2.0, this is torch"),
    ({"threads": 2}, "measured with 2 CPU thread(s), this run uses 1"),
])
def test_a_table_from_another_setting_warns_and_exits_0(tiny_space_file: Path, tiny_table_file: Path, tmp_path: Path,
                                                          changes: dict, expected: str) -> None:
    edited = _edited_table(tiny_table_file, tmp_path, **changes)
    result = _check(tiny_space_file, edited, "--threads", "1", "--json")
    assert result.returncode == 0, result.stderr
    assert "nasbox latency-check: warning: " in result.stderr and expected in result.stderr
    assert json.loads(result.stdout)["n"] == 4


def test_a_table_made_for_another_space_is_refused(tiny_space_file: Path, tiny_table_file: Path,
                                                   tmp_path: Path) -> None:
    edited = _edited_table(tiny_table_file, tmp_path, space="mobilenet")
    _assert_one_line_error(_check(tiny_space_file, edited), "built for space 'mobilenet', not 'tiny_latency'")


@pytest.mark.parametrize(("args", "expected"), [
    (("latency-table", "--space", "mobilenet", "--device", "tpu", "-o", "t.json"), "unknown device 'tpu'"),
    (("latency-table", "--space", "mobilenet", "--threads", "0", "-o", "t.json"), "--threads: 0 is not a positive"),
    (("latency-table", "--space", "transformer", "-o", "t.json"), "unknown space 'transformer'"),
    (("latency-check", "--space", "mobilenet", "--table", "missing.json"), "missing.json: no such file"),
    (("profile", "lenet5", "--latency", "--device", "tpu"), "unknown device 'tpu'"),
    (("baselines", "--latency", "--device", "npu"), "unknown device 'npu'"),
    (("baselines", "--only", "lenet6"), "--only: lenet6 is not a zoo network"),
])
def test_bad_latency_arguments_get_one_line_and_status_2(args: tuple[str, ...], expected: str,
                                                         tmp_path: Path) -> None:
    _assert_one_line_error(nasbox_cli(*args, cwd=tmp_path), expected)
    assert not (tmp_path / "t.json").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
@pytest.mark.parametrize("command", [
    ("latency-table", "--space", "mobilenet", "--device", "cuda", "-o", "t.json"),
    ("profile", "lenet5", "--latency", "--device", "cuda"),
    ("baselines", "--latency", "--only", "lenet5", "--device", "cuda:0"),
])
def test_cuda_without_a_gpu_gets_one_line_and_status_2(command: tuple[str, ...], tmp_path: Path) -> None:
    _assert_one_line_error(nasbox_cli(*command, cwd=tmp_path), "needs a GPU but torch")


def test_a_file_that_is_not_a_table_is_refused(tiny_space_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text(TINY_SPEC.to_json())
    _assert_one_line_error(_check(tiny_space_file, path), "not a nasbox latency table")


def test_profile_latency_prints_measured_and_predicted(tmp_path: Path, tiny_space_file: Path,
                                                       tiny_table_file: Path) -> None:
    spec = tmp_path / "tiny.json"
    spec.write_text(load_space(tiny_space_file).sample(random.Random(7))[1].to_json())
    result = nasbox_cli("profile", str(spec), "--latency", "--latency-table", str(tiny_table_file), "--json")
    assert result.returncode == 0, result.stderr
    latency = json.loads(result.stdout)["latency"]
    assert latency["measured_ms"] > 0 and latency["predicted_ms"] > 0 and latency["threads"] == 1
    text = nasbox_cli("profile", str(spec), "--latency").stdout
    assert "latency on cpu (" in text and "measured " in text


@pytest.mark.slow
def test_baselines_latency_adds_a_column_and_a_json_key() -> None:
    result = nasbox_cli("baselines", "--latency", "--only", "lenet5,squeezenet1_1", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == ["lenet5", "squeezenet1_1"]
    assert all(r["latency_ms"] > 0 and r["macs"] > 0 for r in rows)
    assert rows[0]["latency_ms"] < rows[1]["latency_ms"]
    table = nasbox_cli("baselines", "--latency", "--only", "lenet5").stdout
    assert "latency" in table.splitlines()[0] and "MACs" in table.splitlines()[0]
