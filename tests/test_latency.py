"""Latency through the library: measurement, table entries, building, predicting, the file,
compatibility, and the accuracy figures, on tiny specs and a tiny space."""

from __future__ import annotations

import json
import math
import random
import statistics
import sys
from pathlib import Path

import pytest
import torch

import nasbox
from nasbox import NasboxError
from nasbox.arch import ArchSpec
from nasbox.cost.latency import (
    Cover,
    LatencyMeasurement,
    LatencyTable,
    build_table,
    check_table,
    kendall_tau,
    measure_latency,
    spec_entries,
)
from nasbox.cost.latency.table import TableEntry
from nasbox.space import load_space
from nasbox.space.cover import check_networks, table_cover

# A space of tiny networks that uses every kind of entry: ops, expanded blocks, a concatenation with an identity
# branch, residual joins with and without projection and scale, pools and a classifier.
TINY_SPACE = """\
name: tiny_latency
input: [3, 32, 32]
num_classes: 10
genes:
  stem: [8, 16]
layers:
  - {type: conv, out: $stem, stride: 2}
  - stage: s1
    depth: {int: [1, 2]}
    stride: 2
    genes:
      block: [separable, inverted_residual, inception]
      kernel: [3, 5]
      width: [16, 24]
    block:
      - switch: block
        cases:
          separable: {type: sep_conv, out: $width, kernel: $kernel, stride: $stride}
          inverted_residual: {type: inverted_residual, out: $width, expansion: 3, kernel: $kernel, stride: $stride}
          inception:
            type: residual
            scale: 0.2
            post_act: relu
            body:
              - type: inception
                branches:
                  - [{type: conv, out: 8, kernel: 1, stride: $stride}]
                  - [{type: conv, out: 8, kernel: $kernel, stride: $stride}]
                  - [{type: pool, kernel: 3, stride: $stride, padding: 1}]
              - {type: conv, out: $width, kernel: 1, act: none}
  - {type: global_pool}
  - {type: linear, out: 10}
"""

TINY_SPEC = ArchSpec.from_dict({
    "name": "tiny", "input": [3, 16, 16], "num_classes": 10, "layers": [
        {"type": "conv", "out": 8, "stride": 2},
        {"type": "residual", "body": [{"type": "bottleneck", "out": 16}], "post_act": "relu"},
        {"type": "inception", "branches": [[], [{"type": "conv", "out": 8, "kernel": 1}]]},
        {"type": "global_pool"},
        {"type": "linear", "out": 10},
    ]})


@pytest.fixture(scope="module")
def tiny_space(tmp_path_factory: pytest.TempPathFactory) -> nasbox.space.Space:
    path = tmp_path_factory.mktemp("space") / "tiny_latency.yaml"
    path.write_text(TINY_SPACE)
    return load_space(path)


@pytest.fixture(scope="module")
def tiny_table(tiny_space: nasbox.space.Space) -> LatencyTable:
    return build_table(table_cover(tiny_space, samples=40, fit_networks=4))


# ------------------------------------------------------------------------------------------------- measurement


def test_measurement_counts_its_repeats_reports_their_median_and_restores_the_thread_count() -> None:
    torch.set_num_threads(2)  # the conftest fixture sets it back to 1 for the next test
    run = measure_latency(TINY_SPEC, threads=1, warmup=3, repeats=20)
    assert torch.get_num_threads() == 2
    assert (run.repeats, run.threads, run.batch_size, run.device) == (20, 1, 1, "cpu")
    assert len(run.samples) == 20 and all(sample > 0 for sample in run.samples)
    q1, _, q3 = statistics.quantiles(run.samples, n=4, method="inclusive")
    assert run.median == statistics.median(run.samples) > 0 and run.iqr == pytest.approx(q3 - q1) and run.iqr >= 0
    assert run.trustworthy == (run.iqr <= 0.10 * run.median)
    assert measure_latency(TINY_SPEC, warmup=0, repeats=3).threads == 2  # None keeps torch's own count


def test_batch_size_and_channels_last_are_measured_too() -> None:
    run = measure_latency(TINY_SPEC, batch_size=4, channels_last=True, warmup=1, repeats=5)
    assert run.batch_size == 4 and run.median > 0


def test_a_wide_spread_is_flagged_as_untrustworthy() -> None:
    steady = LatencyMeasurement.of([1.0, 1.01, 0.99, 1.0, 1.02])
    noisy = LatencyMeasurement.of([1.0, 2.0, 0.5, 1.5, 3.0])
    assert steady.trustworthy and steady.warning() is None
    assert not noisy.trustworthy and "more than 10%" in noisy.warning()


@pytest.mark.parametrize(("kwargs", "problem"), [
    ({"repeats": 0}, "--repeats"), ({"batch_size": 0}, "--batch-size"), ({"threads": 0}, "--threads"),
    ({"device": "tpu"}, "unknown device"),
])
def test_bad_measurement_settings_are_one_line_errors(kwargs: dict, problem: str) -> None:
    with pytest.raises(NasboxError, match=problem):
        measure_latency(TINY_SPEC, **kwargs)


# ------------------------------------------------------------------------------------------------- entries


def test_entries_follow_the_built_network() -> None:
    entries = spec_entries(TINY_SPEC)
    kinds = [e.kind for e in entries]
    # stem conv; bottleneck's three convs, the projection shortcut, the join; the 1×1 branch, the concat; pool, fc
    assert kinds == ["op", "op", "op", "op", "op", "join", "op", "concat", "op", "op"]
    assert entries[0].key == "conv(out=8, stride=2) @ 3x16x16"
    assert entries[5].key == "residual(post_act=relu) @ 16x8x8"
    assert entries[7].key == "concat @ 16x8x8+8x8x8" and entries[7].output == (24, 8, 8)
    assert sum(e.macs for e in entries) == nasbox.cost(TINY_SPEC).macs


def test_entries_macs_match_the_cost_model_on_zoo_networks() -> None:
    for name in ("mobilenet_v2", "googlenet", "resnet50", "squeezenet1_1", "enet"):
        spec = nasbox.zoo.get(name)
        if name == "enet":
            continue  # ENet's bottlenecks are costed as wholes by both; their MACs are compared in test_zoo
        assert sum(e.macs for e in spec_entries(spec)) == nasbox.cost(spec).macs, name


def test_same_configuration_same_key_and_sizes_share_a_family() -> None:
    a, b = (spec_entries(TINY_SPEC.replace(input=shape))[0] for shape in ((3, 16, 16), (3, 32, 32)))
    assert a.key != b.key and a.family == b.family == "conv(stride=2)"
    assert spec_entries(TINY_SPEC) == spec_entries(TINY_SPEC)


# ------------------------------------------------------------------------------------------------- table


def test_a_table_built_for_a_tiny_space_predicts_a_sampled_spec(tiny_space, tiny_table: LatencyTable) -> None:
    assert tiny_table.space == "tiny_latency" and tiny_table.threads == 1 and tiny_table.batch_size == 1
    assert tiny_table.torch_version == torch.__version__ and tiny_table.device == "cpu"
    assert tiny_table.device_name and tiny_table.date[:2] == "20"
    assert tiny_table.cover["samples"] == 40 and tiny_table.fit["networks"] == 4
    _, spec = tiny_space.sample(random.Random(123))
    prediction = tiny_table.prediction(spec)
    entries = spec_entries(spec)
    assert prediction.seconds > 0 and prediction.entries == len(entries) and not prediction.estimated
    assert prediction.overhead == tiny_table.overhead(len(entries))
    summed = sum(tiny_table.entries[entry.key].median for entry in entries)
    assert prediction.seconds == pytest.approx(summed + prediction.overhead if summed + prediction.overhead > 0
                                               else summed)
    # how close predictions come to measurements is experiments/bench/latency_predictor.py's to say, not a test's


def test_a_table_is_built_from_specs_with_the_label_and_notes_it_is_given() -> None:
    wider = TINY_SPEC.replace(name="wider", layers=(nasbox.arch.layers.Conv(out=12, stride=2), *TINY_SPEC.layers[1:]))
    table = build_table(Cover(space="by-hand", networks=[TINY_SPEC, wider], fit=[TINY_SPEC, wider],
                              notes={"chosen": "by hand"}))
    assert table.space == "by-hand" and table.input == TINY_SPEC.input
    assert table.cover == {"chosen": "by hand", "entries": len(table.entries)}
    assert set(table.entries) == {e.key for spec in (TINY_SPEC, wider) for e in spec_entries(spec)}
    assert table.fit["networks"] == 2 and table.compatibility_warnings(space="by-hand", device=None, threads=None) == []


@pytest.mark.parametrize(("cover", "problem"), [
    (Cover("s", networks=[], fit=[]), "needs networks to measure"),
    (Cover("s", networks=[TINY_SPEC, TINY_SPEC.replace(input=(3, 32, 32))], fit=[TINY_SPEC] * 2), "one input shape"),
    (Cover("s", networks=[TINY_SPEC], fit=[TINY_SPEC]), "2 or more networks, its cover gives 1"),
])
def test_a_cover_a_table_cannot_be_built_from_is_refused_in_one_line(cover: Cover, problem: str) -> None:
    with pytest.raises(NasboxError, match=problem) as error:
        build_table(cover)
    assert "\n" not in str(error.value)


def test_a_space_covers_its_zoo_points_and_seeded_draws_and_checks_apart_from_them() -> None:
    space = load_space("mobilenet")
    cover = table_cover(space, samples=5, seed=3, fit_networks=2)
    assert cover.space == "mobilenet" and cover.notes == {"samples": 5, "seed": 3, "zoo": list(space.contains)}
    rng = random.Random(3)
    drawn = [space.sample(rng)[1] for _ in range(5)]
    assert list(cover.networks) == [nasbox.zoo.get(name) for name in space.contains] + drawn
    assert list(cover.fit) == drawn[:2]
    checked = check_networks(space, 5, seed=3)
    assert checked == check_networks(space, 5, seed=3) and not {s.name for s in checked} & {s.name for s in drawn}
    for kwargs, flag in (({"samples": 0}, "--samples: 0"), ({"fit_networks": 1}, "--fit-networks: 1")):
        with pytest.raises(NasboxError, match=flag):
            table_cover(space, **kwargs)


def test_every_entry_of_the_cover_is_measured(tiny_space, tiny_table: LatencyTable) -> None:
    rng = random.Random(0)
    for _ in range(40):
        _, spec = tiny_space.sample(rng)
        assert all(e.key in tiny_table.entries for e in spec_entries(spec))
    assert all(e.median > 0 and e.iqr >= 0 for e in tiny_table.entries.values())


def test_the_table_file_round_trips(tmp_path: Path, tiny_space, tiny_table: LatencyTable) -> None:
    path = tmp_path / "table.json"
    tiny_table.save(path)
    loaded = LatencyTable.load(path)
    assert loaded == tiny_table
    _, spec = tiny_space.sample(random.Random(5))
    assert loaded.predict(spec) == tiny_table.predict(spec)
    assert json.loads(path.read_text())["format"] == "nasbox-latency-table"
    assert [p.name for p in tmp_path.iterdir()] == ["table.json"]  # the atomic write leaves nothing behind


def test_a_missing_entry_is_estimated_from_its_family_or_refused(tiny_table: LatencyTable) -> None:
    wider = TINY_SPEC.replace(input=(3, 32, 32), layers=(
        nasbox.arch.layers.Conv(out=12, stride=2), nasbox.arch.layers.GlobalPool(), nasbox.arch.layers.Linear(out=10)))
    prediction = tiny_table.prediction(wider)
    assert prediction.seconds > 0 and prediction.estimated and "estimated" in prediction.note()
    with pytest.raises(NasboxError, match=r"has no entry conv\(out=12, stride=2\) @ 3x32x32 .*rebuild the table"):
        tiny_table.predict(wider, strict=True)
    foreign = wider.replace(layers=(nasbox.arch.layers.Conv(out=12, kernel=9, stride=2), *wider.layers[1:]))
    with pytest.raises(NasboxError, match="nor any entry of its family conv"):
        tiny_table.predict(foreign)


def test_estimates_scale_with_work_within_a_family() -> None:
    def table(*extra: tuple[str, TableEntry]) -> LatencyTable:
        return LatencyTable(space="s", device="cpu", device_name="x", torch_version="t", threads=1, batch_size=1,
                            date="2025", input=(3, 8, 8), entries={
                                "a": TableEntry("linear()", 100, 120, 1e-3, 0.0),
                                "b": TableEntry("linear()", 10_000, 10_200, 5e-3, 0.0), **dict(extra)})

    spec = ArchSpec.from_dict({"name": "fc", "input": [3, 8, 8], "num_classes": 20_000,
                               "layers": [{"type": "global_pool"}, {"type": "linear", "out": 20_000}]})
    with pytest.raises(NasboxError, match="global_pool"):
        table().predict(spec)
    pool = ("global_pool() @ 3x8x8", TableEntry("global_pool()", 0, 195, 1e-4, 0.0))
    assert table(pool).predict(spec) == pytest.approx(1e-4 + 5e-3 * 60_000 / 10_000)


def test_compatibility_warnings_name_each_difference(tiny_table: LatencyTable) -> None:
    same = tiny_table.compatibility_warnings(space="tiny_latency", device="cpu", threads=1)
    assert same == []
    warnings = tiny_table.compatibility_warnings(space=None, device="cpu", threads=2, torch_version="2.2.0",
                                                 device_name="Other CPU")
    assert len(warnings) == 3
    assert any("torch 2.2.0" in w and torch.__version__ in w for w in warnings)
    assert any("1 CPU thread(s), this run uses 2" in w for w in warnings)
    assert any("'Other CPU'" in w for w in warnings)
    assert tiny_table.compatibility_warnings(space="tiny_latency", device=None, threads=None) == []
    assert "at batch 1, this run uses batch 8" in tiny_table.compatibility_warnings(
        space=None, device=None, threads=None, batch_size=8)[0]
    with pytest.raises(NasboxError, match="built for space 'tiny_latency', not 'mobilenet'"):
        tiny_table.compatibility_warnings(space="mobilenet", device="cpu", threads=1)


@pytest.mark.parametrize(("text", "problem"), [
    ("{", "malformed JSON"),
    ('{"format": "something"}', "not a nasbox latency table"),
    ('{"format": "nasbox-latency-table", "version": 99}', "format version 99"),
    ('{"format": "nasbox-latency-table", "version": 1, "space": "x"}', "damaged latency table"),
])
def test_bad_table_files_are_one_line_errors(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "t.json"
    path.write_text(text)
    with pytest.raises(NasboxError, match=problem) as error:
        LatencyTable.load(path)
    assert "\n" not in str(error.value) and str(path) in str(error.value)


# ------------------------------------------------------------------------------------------------- accuracy


def test_kendall_tau_matches_scipy_with_ties() -> None:
    stats = pytest.importorskip("scipy.stats")
    rng = random.Random(0)
    x = [rng.randint(0, 5) for _ in range(60)]
    y = [v + rng.random() * 3 for v in x]
    assert kendall_tau(x, y) == pytest.approx(stats.kendalltau(x, y).statistic)
    assert kendall_tau([1, 2, 3], [3, 2, 1]) == pytest.approx(-1)
    assert math.isnan(kendall_tau([1, 1, 1], [1, 2, 3]))


def test_check_table_reports_the_figures(tiny_space, tiny_table: LatencyTable) -> None:
    result = check_table(tiny_table, check_networks(tiny_space, 6), repeats=5)
    figures = result.to_dict()
    assert figures["n"] == 6 and 0 <= figures["within_10pct"] <= 1 and figures["mape"] >= 0
    assert -1 <= figures["kendall_tau"] <= 1
    assert all(p > 0 and m > 0 for p, m in zip(result.predicted, result.measured, strict=True))


def test_importing_latency_loads_neither_torch_nor_the_spaces() -> None:
    import subprocess

    code = ("import sys, nasbox.cost.latency; "
            "print(sorted(m for m in ('torch', 'nasbox.space', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
