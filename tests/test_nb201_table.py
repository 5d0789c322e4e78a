"""The NAS-Bench-201 table shipped in nasbox: every value as the published CSV has it, the facts its README states,
the cell notation, and `nasbox nb201`."""

from __future__ import annotations

import csv
import gzip
import json
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import kendalltau

from nasbox.cli.main import main
from nasbox.errors import NasboxError
from nasbox.nb201 import DATASETS, DEVICES, arch_index, connected, format_arch, lookup, parse_arch, table
from nasbox.nb201.arch import index_ops
from nasbox.nb201.table import DATASET_COLUMNS, SEEDS
from tests.test_cli import _assert_one_line_error

CSV = Path(__file__).resolve().parents[2] / "shared/data/nb201/nb201.csv.gz"
BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
CELL = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
EMPTY = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


@pytest.fixture(scope="module")
def csv_rows() -> list[dict[str, str]]:
    if not CSV.exists():
        pytest.skip(f"the published CSV {CSV} is absent (CI has it beside the repository)")
    with gzip.open(CSV, "rt", newline="") as file:
        return list(csv.DictReader(file))


def test_every_value_is_the_csvs_in_arch_index_order(csv_rows: list[dict[str, str]]) -> None:
    cells = table()
    assert len(csv_rows) == len(cells) == 15_625
    assert cells.archs() == tuple(row["arch"] for row in csv_rows)
    assert ["".join(map(str, ops)) for ops in cells.ops().tolist()] == [row["ops"] for row in csv_rows]
    columns = [c for c in csv_rows[0] if c not in ("arch", "ops")]
    assert len(columns) == 39
    for column in columns:
        expected = [float(row[column]) if row[column] else math.nan for row in csv_rows]
        np.testing.assert_array_equal(cells.column(column), expected, err_msg=column)  # bit for bit, NaN for NaN


def test_the_public_columns_are_the_csvs(csv_rows: list[dict[str, str]]) -> None:
    cells = table()
    assert {f"lat_ms_{d}" for d in DEVICES} == {c for c in csv_rows[0] if c.startswith("lat_ms_")}
    for dataset in DATASETS:
        for seed in SEEDS:
            column = cells.column(f"{DATASET_COLUMNS[dataset]}_seed{seed}")
            np.testing.assert_array_equal(cells.accuracy(dataset, seed), column)
            np.testing.assert_array_equal(cells.accuracies(dataset)[:, seed], column)
    for device in DEVICES:
        np.testing.assert_array_equal(cells.latency(device), cells.column(f"lat_ms_{device}"))
    np.testing.assert_array_equal(cells.params_mb, cells.column("params_mb"))
    np.testing.assert_array_equal(cells.train_time_s, cells.column("train_time_s_cifar10"))
    np.testing.assert_array_equal(cells.nb201_latency_s, cells.column("nb201_latency_s"))
    assert (np.round(cells.params_mb * 1e6) / 1e6 == cells.params_mb).all()  # whole parameter counts


def test_the_readmes_facts() -> None:
    cells = table()
    mean = cells.mean_accuracy("cifar10")
    assert round(mean.max(), 2) == 91.61
    assert cells.archs()[mean.argmax()] == BEST and lookup(BEST).accuracy["cifar10"] == (91.684, 91.72, 91.416)
    assert round(kendalltau(cells.accuracy("cifar10", 0), cells.accuracy("cifar10", 1)).statistic, 3) == 0.910
    assert round(kendalltau(cells.params_mb, mean).statistic, 3) == 0.534
    assert round(kendalltau(mean, cells.mean_accuracy("imagenet16")).statistic, 3) == 0.835
    assert round(kendalltau(cells.params_mb, cells.latency("gold_6226")).statistic, 2) == 0.74
    for dataset in DATASETS:  # seeds 0 and 1 everywhere, seed 2 on 8,169 cells
        trained = ~np.isnan(cells.accuracies(dataset))
        assert trained[:, :2].all() and trained[:, 2].sum() == 8_169
    suspect = {d: int(cells.suspect_latency(d).sum()) for d in DEVICES}
    assert suspect == {d: {"pixel3": 202, "raspi4": 157}.get(d, 0) for d in DEVICES}
    assert (cells.latency("pixel3")[cells.suspect_latency("pixel3")] < 0.1).all()
    blanked = cells.latency("raspi4", suspect_as_nan=True)
    assert np.isnan(blanked).sum() == 157 and not np.isnan(cells.latency("raspi4")).any()


def test_disconnected_cells_score_chance() -> None:
    cells = table()
    apart = ~cells.connected()
    assert apart.sum() == 341
    assert cells.accuracies("cifar10")[apart].max() < 10 < cells.mean_accuracy("cifar10")[~apart].min()


def test_every_cell_parses_formats_and_indexes_back() -> None:
    cells = table()
    for index, arch in enumerate(cells.archs()):
        ops = parse_arch(arch)
        assert arch_index(ops) == index and index_ops(index) == ops and format_arch(ops) == arch
        assert connected(ops) == cells.connected()[index]


def test_connected_on_hand_cases() -> None:
    assert not connected((0,) * 6)
    assert not connected(parse_arch("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"))
    assert connected((1,) * 6)
    assert connected(parse_arch("|none~0|+|none~0|none~1|+|avg_pool_3x3~0|none~1|none~2|"))
    assert connected(parse_arch("|nor_conv_1x1~0|+|none~0|skip_connect~1|+|none~0|none~1|nor_conv_3x3~2|"))
    assert not connected(parse_arch("|none~0|+|none~0|skip_connect~1|+|none~0|none~1|nor_conv_3x3~2|"))


def test_lookup_gives_one_cells_figures() -> None:
    record = lookup(CELL)
    assert record == lookup(parse_arch(CELL)) == table().record(record.index)
    assert record.arch == CELL and record.connected and record.params_mb == 1.288506
    assert record.accuracy["cifar10"] == (91.5, 91.476, 91.684)
    assert record.mean_accuracy["cifar10"] == pytest.approx(91.5533, abs=1e-4)
    assert record.latency_ms["pixel3"] == 35.03 and record.suspect_latency == ()
    empty = lookup([0] * 6)
    assert empty.suspect_latency == ("pixel3", "raspi4") and empty.latency_ms["pixel3"] == 0.004015
    partial = table().record(int(np.flatnonzero(np.isnan(table().accuracy("cifar10", 2)))[0]))
    assert all(len(seeds) == 2 for seeds in partial.accuracy.values())


def test_columns_are_read_only() -> None:
    with pytest.raises(ValueError, match="read-only"):
        table().params_mb[0] = 0
    with pytest.raises(ValueError, match="read-only"):
        table().mean_accuracy("cifar100")[0] = 0


def test_the_command_prints_the_cells_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nb201", CELL]) == 0
    out = capsys.readouterr().out
    assert CELL in out and "connected" in out and "1.288506 M" in out
    assert "published 200-epoch accuracy, %, cifar10 = the cifar10-valid split" in out
    assert any(line.split() == ["cifar10", "91.5000", "91.4760", "91.6840", "91.5533"] for line in out.splitlines())
    assert any(line.split() == ["titan_rtx_256", "GPU", "256", "41.03"] for line in out.splitlines())
    assert "suspect" not in out
    assert main(["nb201", EMPTY, "--dataset", "imagenet16", "--device", "raspi4"]) == 0
    out = capsys.readouterr().out
    assert "disconnected" in out and "cifar100 " not in out and "gold_6226" not in out
    assert any(line.split()[:5] == ["raspi4", "Raspberry", "Pi", "4", "1"] and "suspect" in line
               for line in out.splitlines())


def test_the_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nb201", EMPTY, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["arch"] == EMPTY and report["index"] == 0 and report["connected"] is False
    assert report["params_mb"] == 0.073306 and set(report["accuracy"]) == set(DATASETS)
    assert report["accuracy"]["cifar10"] == {"seeds": [9.712, 9.712, 9.712], "mean": 9.712}
    assert list(report["latency_ms"]) == list(DEVICES)
    assert report["latency_ms"]["pixel3"] == {"ms": 0.004015, "batch": 1, "kind": "phone", "suspect": True}
    assert report["latency_ms"]["1080ti_256"]["batch"] == 256 and not report["latency_ms"]["1080ti_256"]["suspect"]
    assert report["train_time_s_cifar10"] == 740.4 and "cifar10-valid" in report["note"]
    assert main(["nb201", CELL, "--json", "--dataset", "cifar100", "--device", "fpga"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert list(report["accuracy"]) == ["cifar100"] and list(report["latency_ms"]) == ["fpga"]


@pytest.mark.parametrize(("args", "expected"), [
    (("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|",), "node 3 has 2 inputs, it takes 3; expected the form "
                                                            "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|"),
    (("nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",), "does not start and end with '|'"),
    (("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|",), "node 1's input 'none~1' should read op~0"),
    (("|conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",),
     "'conv_3x3' is not a NAS-Bench-201 op; use none, skip_connect, nor_conv_1x1, nor_conv_3x3 or avg_pool_3x3"),
    (("|none~0|+|none~0|none~1|",), "it has 2 nodes joined by '+', a cell has 3"),
    (("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|+|none~0|",), "it has 4 nodes"),
    ((EMPTY, "--dataset", "cifar"),
     "dataset 'cifar' is not in the NAS-Bench-201 table; use cifar10, cifar100 or imagenet16"),
    ((EMPTY, "--device", "pixel"), "device 'pixel' is not in the NAS-Bench-201 latency table; use 1080ti_1, "),
])
def test_bad_input_gets_one_line_and_status_2(capsys: pytest.CaptureFixture[str], args: tuple[str, ...],
                                               expected: str) -> None:
    status = main(["nb201", *args])
    captured = capsys.readouterr()
    _assert_one_line_error(subprocess.CompletedProcess(args, status, captured.out, captured.err), expected)
    assert captured.err.startswith("nasbox nb201: error: ")


@pytest.mark.parametrize(("call", "expected"), [
    (lambda: lookup([1, 2]), "a NAS-Bench-201 cell has 6 op indices, each 0 to 4"),
    (lambda: lookup([0, 0, 0, 0, 0, 5]), "each 0 to 4"),
    (lambda: table().accuracy("cifar10", 3), "seed 3: NAS-Bench-201 has training seeds 0, 1 and 2"),
    (lambda: table().latency("pixel4"), "device 'pixel4' is not in the NAS-Bench-201 latency table"),
    (lambda: table().mean_accuracy("imagenet"), "dataset 'imagenet' is not in the NAS-Bench-201 table"),
    (lambda: table().column("cifar10_valid_acc"), "column 'cifar10_valid_acc' is not in the NAS-Bench-201 CSV"),
    (lambda: index_ops(15_625), "NAS-Bench-201 has cells 0 to 15624"),
])
def test_the_api_refuses_what_is_not_in_the_table(call: object, expected: str) -> None:
    with pytest.raises(NasboxError) as caught:
        call()  # type: ignore[operator]
    assert expected in str(caught.value) and "\n" not in str(caught.value)
