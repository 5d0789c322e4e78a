"""ArchSpec reading, validation messages and shape inference on hand-written specs."""

from __future__ import annotations

from pathlib import Path

import pytest

import nasbox
from nasbox.arch import ArchSpec, load_spec
from nasbox.arch import layers as L
from nasbox.arch.transform import scale_widths

TINY = {
    "name": "tiny", "input": [3, 16, 16], "num_classes": 4,
    "layers": [
        {"type": "conv", "out": 8, "stride": 2},
        {"type": "residual", "body": [{"type": "bottleneck", "out": 16, "ratio": 0.5}], "post_act": "relu"},
        {"type": "global_pool"},
        {"type": "linear", "out": 4},
    ],
}


def _with_layer(layer: dict, index: int = 0) -> dict:
    data = {**TINY, "layers": list(TINY["layers"])}
    data["layers"][index] = layer
    return data


def test_dict_round_trip_keeps_defaults_implicit() -> None:
    spec = load_spec(TINY)
    assert spec.to_dict() == TINY
    assert spec.layers[1] == L.Residual(body=(L.Bottleneck(out=16, ratio=0.5),), post_act="relu")


def test_load_from_yaml_and_json_files(tmp_path: Path) -> None:
    spec = load_spec(TINY)
    (tmp_path / "a.yaml").write_text(spec.to_yaml())
    (tmp_path / "a.json").write_text(spec.to_json())
    assert load_spec(tmp_path / "a.yaml") == spec == load_spec(str(tmp_path / "a.json"))


@pytest.mark.parametrize(("data", "message"), [
    (_with_layer({"type": "convv", "out": 8}), r"layers\[0\]\.type: unknown primitive 'convv'; use one of .*conv"),
    (_with_layer({"type": "conv", "out": 8, "kernel": 4}), r"layers\[0\]\.kernel: must be odd .* got 4"),
    (_with_layer({"type": "conv", "out": -8}), r"layers\[0\]\.out: must be a positive integer, got -8"),
    (_with_layer({"type": "conv", "out": 8.5}), r"layers\[0\]\.out: must be an integer, got 8\.5"),
    (_with_layer({"type": "conv", "out": True}), r"layers\[0\]\.out: must be an integer, got True"),
    (_with_layer({"type": "conv", "out": 8, "kernal": 3}), r"layers\[0\]\.kernal: unknown field; 'conv' takes"),
    (_with_layer({"type": "conv"}), r"layers\[0\]\.out: missing"),
    (_with_layer({"type": "conv", "out": 8, "act": "gelu"}), r"layers\[0\]\.act: must be one of 'relu'"),
    (_with_layer({"type": "conv", "out": 8, "kernel": 17, "padding": 0}),
     r"layers\[0\]: a 17-wide window does not fit the 16-pixel H axis"),
    (_with_layer({"type": "linear", "out": 8}), r"layers\[0\]: linear needs a vector .* flatten or global_pool"),
    (_with_layer({"type": "linear", "out": 5}, 3), r"num_classes: is 4 but the last layer emits 5"),
    (_with_layer({"type": "inception", "branches": [[{"type": "conv", "out": 2, "stride": 2}], []]}),
     r"layers\[0\]\.branches: branch outputs must share H×W"),
    (_with_layer({"type": "conv", "out": 6, "groups": 4}), r"layers\[0\]\.groups: 4 groups must divide"),
    (_with_layer({"type": "inception", "branches": []}), r"layers\[0\]\.branches: needs at least one branch"),
    (_with_layer({"type": "encoder_decoder", "down": {"out": 8, "internal_ratio": 1}, "body": [],
                  "up": {"out": 5, "internal_ratio": 1}}),
     r"layers\[0\]\.up\.out: must equal the 3 input channels whose pooling indices it unpools, got 5"),
    ({**TINY, "input": [3, 16]}, r"input: must be a list of 3 items"),
    ({**TINY, "colour": "red"}, r"colour: unknown field"),
])
def test_invalid_specs_name_the_field_and_the_fix(data: dict, message: str) -> None:
    with pytest.raises(nasbox.SpecError, match=message):
        load_spec(data)


def test_stride_that_shrinks_the_map_below_one_pixel() -> None:
    layers = [{"type": "conv", "out": 8, "stride": 2}] * 5 + [{"type": "pool", "kernel": 2}]
    with pytest.raises(nasbox.SpecError, match=r"layers\[5\]: a 2-wide window does not fit the 1-pixel H axis"):
        load_spec({**TINY, "layers": [*layers, {"type": "global_pool"}, {"type": "linear", "out": 4}]})


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nlayers: [\n")
    with pytest.raises(nasbox.NasboxError, match=r"bad\.yaml:\d+:\d+: malformed YAML"):
        load_spec(bad)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(ArchSpec.from_dict(_with_layer({"type": "conv", "out": 8, "kernel": 2})).to_yaml())
    with pytest.raises(nasbox.SpecError, match=r"wrong\.yaml: layers\[0\]\.kernel: must be odd"):
        load_spec(wrong)
    with pytest.raises(nasbox.NasboxError, match="no such file"):
        load_spec(tmp_path / "missing.yaml")


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    dup = tmp_path / "dup.yaml"
    dup.write_text("name: a\nname: b\n")
    with pytest.raises(nasbox.NasboxError, match="duplicate key 'name'"):
        load_spec(dup)


def test_scale_widths_keeps_the_classifier_and_scales_the_rest() -> None:
    spec = nasbox.zoo.get("mobilenet_v2")
    half = scale_widths(spec, 0.5, divisor=8)
    assert half.output_shape() == (1000,)
    assert half.layers[-1] == spec.layers[-1]
    assert half.layers[0].out == 16
    assert nasbox.cost(half).macs < nasbox.cost(spec).macs / 2
