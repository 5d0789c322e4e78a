"""One network's latency measured and predicted side by side (`profile_latency`), on a tiny space's table."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import torch

from nasbox import NasboxError
from nasbox.arch import ArchSpec
from nasbox.cost.latency import LatencyTable, profile_latency
from nasbox.space import load_space


@pytest.fixture(scope="module")
def tiny_spec(tiny_space_file: Path) -> ArchSpec:
    return load_space(tiny_space_file).sample(random.Random(3))[1]


def test_measured_and_predicted_side_by_side(tiny_spec: ArchSpec, tiny_table_file: Path) -> None:
    profile = profile_latency(tiny_spec, device="cpu", threads=1, repeats=7, table=tiny_table_file)
    assert profile.measured.median > 0 and profile.measured.repeats == 7
    assert (profile.measured.device, profile.measured.threads, profile.measured.batch_size) == ("cpu", 1, 1)
    assert profile.predicted is not None
    assert profile.predicted.seconds == LatencyTable.load(tiny_table_file).predict(tiny_spec)
    assert profile.error == pytest.approx(profile.predicted.seconds / profile.measured.median - 1)
    data = profile.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["measured_ms"] == profile.measured.median * 1e3
    assert data["predicted_ms"] == profile.predicted.seconds * 1e3 and data["table"] == str(tiny_table_file)
    assert f"by {tiny_table_file} ({profile.error:+.1%})" in profile.describe()
    assert profile.describe().startswith("latency on cpu (") and "1 thread(s)), batch 1: measured " in \
        profile.describe()


def test_without_a_table_only_the_measurement(tiny_spec: ArchSpec) -> None:
    profile = profile_latency(tiny_spec, repeats=5, batch_size=2)
    assert profile.predicted is None and profile.error is None and profile.table is None
    assert profile.measured.batch_size == 2
    assert "predicted_ms" not in profile.to_dict() and "predicted" not in profile.describe()


def test_another_input_is_measured_and_predicted_at_that_input(tiny_spec: ArchSpec, tiny_table_file: Path) -> None:
    profile = profile_latency(tiny_spec, input_shape=(3, 48, 48), repeats=5, table=tiny_table_file)
    assert profile.predicted is not None and profile.predicted.estimated  # the table holds 32×32 entries only
    assert any("were not in the table and were estimated" in warning for warning in profile.warnings)


def test_a_table_from_another_setting_is_a_warning(tiny_spec: ArchSpec, tiny_table_file: Path,
                                                   tmp_path: Path) -> None:
    data = json.loads(tiny_table_file.read_text())
    edited = tmp_path / "two_threads.json"
    edited.write_text(json.dumps({**data, "threads": 2}))
    profile = profile_latency(tiny_spec, repeats=5, table=edited)
    assert any("measured with 2 CPU thread(s), this run uses 1" in warning for warning in profile.warnings)


@pytest.mark.parametrize(("kwargs", "problem"), [
    ({"threads": 0}, "--threads: 0 is not a positive thread count"),
    ({"device": "tpu"}, "unknown device 'tpu'"),
    ({"table": "missing.json"}, "missing.json: no such file"),
])
def test_bad_settings_are_one_line_errors(tiny_spec: ArchSpec, kwargs: dict, problem: str) -> None:
    before = torch.get_num_threads()
    with pytest.raises(NasboxError, match=problem) as error:
        profile_latency(tiny_spec, **kwargs)
    assert "\n" not in str(error.value)
    assert torch.get_num_threads() == before
