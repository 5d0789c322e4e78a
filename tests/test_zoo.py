"""Every zoo network, generated from the registry: exact analytic cost, forward pass, reference figures."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch

import nasbox
from nasbox import zoo
from nasbox.arch import ArchSpec
from tests.conftest import measure


@pytest.mark.parametrize("name", zoo.names())
def test_analytic_cost_equals_the_built_network(name: str) -> None:
    spec = zoo.get(name)
    measured = measure(spec)
    figures = nasbox.cost(spec)
    assert figures.macs == measured.macs
    assert figures.params == measured.params
    assert spec.output_shape() == measured.output_shape
    assert measured.output_shape[0] == spec.num_classes


@pytest.mark.parametrize("figures", zoo.reference_figures(), ids=zoo.names())
def test_reference_figures_are_reproduced_within_the_entry_tolerance(figures: zoo.ZooFigures) -> None:
    entry = figures.entry
    assert figures.cost == nasbox.cost(zoo.get(entry.name))
    assert figures.within_tolerance, (
        f"{entry.name} deviates by {figures.params_deviation:+.4%} params, {figures.macs_deviation:+.4%} MACs from "
        f"its {entry.reference} figures, past its tolerance of {entry.tolerance:.4%}"
        + (f" (note: {entry.note})" if entry.note else ""))
    assert entry.source and entry.variant


def test_reference_figures_of_named_networks_as_plain_data() -> None:
    lenet, resnet = zoo.reference_figures(["lenet5", "resnet18"])
    assert (lenet.name, lenet.input, resnet.name, resnet.input) == ("lenet5", (1, 32, 32), "resnet18", (3, 224, 224))
    row = resnet.to_dict()
    assert row["input"] == [3, 224, 224] and row["macs"] == nasbox.cost(zoo.get("resnet18")).macs
    assert (row["reference"], row["reference_macs"], row["tolerance"]) == ("published", 1_814_073_344, 0.0)
    assert json.loads(json.dumps(row)) == row
    with pytest.raises(nasbox.NasboxError, match=r"unknown zoo network 'resnet19'"):
        zoo.reference_figures(["resnet19"])


@pytest.mark.parametrize(("text", "problem"), [("lenet6", "--only: lenet6 is not a zoo network"),
                                               ("resnet18,lenet6,vgg", "--only: lenet6, vgg is not"),
                                               (" , ", "--only: ' , ' is not a zoo network")])
def test_parse_names_refuses_unknown_or_no_names_naming_the_option(text: str, problem: str) -> None:
    with pytest.raises(nasbox.NasboxError, match="use names from lenet5, alexnet") as error:
        zoo.parse_names(text, "--only")
    assert problem in str(error.value)


def test_parse_names_keeps_the_given_order() -> None:
    assert zoo.parse_names(" mobilenet_v2, resnet18 ", "--baselines") == ["mobilenet_v2", "resnet18"]


def test_measure_zoo_latency_times_each_network_named_on_the_cpu() -> None:
    before = torch.get_num_threads()
    measured = zoo.measure_zoo_latency(["lenet5", "nin"], device="cpu", threads=1, max_time=0.05)
    assert list(measured) == ["lenet5", "nin"]
    for measurement in measured.values():
        assert measurement.median > 0 and measurement.repeats >= 5
        assert (measurement.device, measurement.threads, measurement.batch_size) == ("cpu", 1, 1)
    assert torch.get_num_threads() == before
    with pytest.raises(nasbox.NasboxError, match="--threads: 0 is not a positive thread count"):
        zoo.measure_zoo_latency(["lenet5"], threads=0)


def test_the_four_self_computed_figures_are_marked_computed() -> None:
    computed = {name for name in zoo.names() if zoo.entry(name).reference == "computed"}
    assert computed == {"lenet5", "zfnet", "nin", "enet"}
    assert {zoo.entry(name).reference for name in zoo.names()} == {"published", "computed"}


def test_a_tolerance_needs_a_note_and_a_bound() -> None:
    entry = zoo.entry("resnet18")
    with pytest.raises(ValueError, match="needs a note"):
        dataclasses.replace(entry, tolerance=0.02)
    with pytest.raises(ValueError, match=r"tolerance must be in \[0, 1\)"):
        dataclasses.replace(entry, note="paper figures, rounded", tolerance=1.5)
    with pytest.raises(ValueError, match="reference must be one of"):
        dataclasses.replace(entry, reference="recalled")
    assert dataclasses.replace(entry, note="paper figures, rounded", tolerance=0.02).tolerance == 0.02


@pytest.mark.parametrize("name", zoo.names())
def test_round_trip_through_yaml_and_json(name: str) -> None:
    spec = zoo.get(name)
    assert ArchSpec.from_yaml(spec.to_yaml()) == spec
    assert ArchSpec.from_json(spec.to_json()) == spec
    assert ArchSpec.from_dict(spec.to_dict()) == spec


def test_the_zoo_holds_the_24_surveyed_networks() -> None:
    assert set(zoo.names()) == {
        "lenet5", "alexnet", "zfnet", "vgg11", "vgg16", "vgg19", "nin", "googlenet", "inception_v3",
        "inception_v4", "inception_resnet_v2", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
        "wide_resnet50_2", "squeezenet1_0", "squeezenet1_1", "mobilenet_v1", "mobilenet_v2", "xception",
        "densenet121", "enet",
    }


def test_unknown_name_says_what_exists() -> None:
    with pytest.raises(nasbox.NasboxError, match=r"unknown zoo network 'resnet19'.*resnet18"):
        zoo.get("resnet19")


@pytest.mark.parametrize(("name", "size"), [("squeezenet1_1", (97, 131)), ("googlenet", (113, 89)),
                                            ("xception", (101, 150)), ("zfnet", (150, 150)),
                                            ("inception_v3", (139, 160)), ("densenet121", (77, 95))])
def test_shape_inference_and_cost_at_other_input_sizes(name: str, size: tuple[int, int]) -> None:
    spec = zoo.get(name)
    shape = (spec.input[0], *size)
    measured = measure(spec, shape)
    assert nasbox.cost(spec, shape).macs == measured.macs
    assert spec.output_shape(shape) == measured.output_shape


def test_load_network_reads_a_zoo_name_or_a_spec_file(tmp_path: Path) -> None:
    assert nasbox.load_network("mobilenet_v2") == zoo.get("mobilenet_v2")
    for suffix, text in ((".yaml", zoo.get("nin").to_yaml()), (".json", zoo.get("nin").to_json())):
        path = tmp_path / f"net{suffix}"
        path.write_text(text)
        assert nasbox.load_network(path) == nasbox.load_network(str(path)) == zoo.get("nin")


def test_load_network_prefers_an_existing_file_over_a_zoo_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "resnet18").write_text(zoo.get("lenet5").to_yaml())
    monkeypatch.chdir(tmp_path)
    assert nasbox.load_network("resnet18") == zoo.get("lenet5")


@pytest.mark.parametrize(("name", "problem"), [
    ("resnet19", "'resnet19' is neither a zoo network nor a spec file; give a path to a .yaml/.json spec or one of "
                 "lenet5, alexnet"),
    ("missing.yaml", "missing.yaml: no such file"),
])
def test_load_network_refuses_in_one_line(name: str, problem: str) -> None:
    with pytest.raises(nasbox.NasboxError) as error:
        nasbox.load_network(name)
    assert problem in str(error.value) and "\n" not in str(error.value)
