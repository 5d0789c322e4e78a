"""TorchScript and ONNX exports: what they compute, that they say nothing on a healthy export, and the one line a
missing ONNX extra gets."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch

import nasbox
from nasbox import zoo
from nasbox.export import to_source
from nasbox.export.formats import save_onnx
from nasbox.export.package import load_class
from nasbox.export.source import class_name_for
from tests.test_cli import _assert_one_line_error as assert_one_line_error
from tests.test_export_api import tree
from tests.test_search_cli import nasbox_cli
from tests.zoo_cover import covering_zoo_networks

ort = pytest.importorskip("onnxruntime")


ONNX_CANNOT = {"enet"}  # max-unpool at the argmax of near-tied windows (see check_onnx_can_carry)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in covering_zoo_networks() if n not in ONNX_CANNOT])
def test_onnxruntime_matches_pytorch_for_zoo_networks_covering_every_layer_option(tmp_path: Path, name: str) -> None:
    """Zoo networks that use every layer type and option of the zoo export (the dynamo exporter, dynamic batch
    axis): onnxruntime's output at batch 1, a batch size the export never saw (it traces at 2), is within 1e-4 of
    the exported PyTorch module's."""
    spec = zoo.get(name)
    source = tmp_path / "model.py"
    source.write_text(to_source(spec))
    torch.manual_seed(0)
    model = load_class(source, class_name_for(spec))().eval()
    path = tmp_path / "model.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        save_onnx(model, spec.input, path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = torch.randn(1, *spec.input)
    (out,) = session.run(None, {"input": x.numpy()})
    with torch.no_grad():
        expected = model(x)
    path.unlink()
    assert out.shape == tuple(expected.shape)
    assert float((torch.from_numpy(out) - expected).abs().max()) <= 1e-4


@pytest.mark.slow
def test_the_cli_writes_torchscript_and_onnx_quietly_and_they_compute_the_same(tmp_path: Path) -> None:
    for name in ("lenet5",):  # the covering zoo networks are checked above and in test_export_run
        result = nasbox_cli("export", "--zoo", name, "--format", "source,torchscript,onnx", cwd=tmp_path)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        folder = tmp_path / "exports" / name
        record = json.loads((folder / "model.json").read_text())
        assert record["files"]["torchscript"] == "model.ts" and record["onnx"]["opset"] >= 18
        spec = zoo.get(name)
        model = load_class(folder / "model.py", record["class"])().eval()
        model.load_state_dict(torch.load(folder / "weights.pt", weights_only=True))
        x = torch.randn(2, *spec.input)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit.load is deprecated upstream
            scripted = torch.jit.load(str(folder / "model.ts"))
        with torch.no_grad():
            eager = model(x)
            assert float((scripted(x) - eager).abs().max()) <= 1e-6
        (out,) = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"]).run(
            None, {"input": x.numpy()})
        assert float((torch.from_numpy(out) - eager).abs().max()) <= 1e-4


def test_the_networks_onnx_cannot_reproduce_are_refused_by_name(tmp_path: Path) -> None:
    for name in ONNX_CANNOT:
        result = nasbox_cli("export", "--zoo", name, "--format", "source,onnx", cwd=tmp_path)
        assert_one_line_error(result, f"--format onnx: {name} pairs max-pool indices with max-unpool")
    assert tree(tmp_path) == []
    assert {n for n in zoo.names() if "encoder_decoder" in json.dumps(zoo.get(n).to_dict())} == ONNX_CANNOT


@pytest.mark.slow
def test_torchscript_reproduces_enets_pooling_indices(tmp_path: Path) -> None:
    result = nasbox_cli("export", "--zoo", "enet", "--format", "torchscript", "-o", str(tmp_path / "enet"))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    folder = tmp_path / "enet"
    assert not (folder / "model.py").exists(), "source was not asked for"
    model = nasbox.build(zoo.get("enet")).eval()
    model.load_state_dict(torch.load(folder / "weights.pt", weights_only=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted = torch.jit.load(str(folder / "model.ts"))
    x = torch.randn(1, *zoo.get("enet").input)
    with torch.no_grad():
        assert float((scripted(x) - model(x)).abs().max()) <= 1e-6


def test_onnx_without_the_extra_is_one_line_naming_it(tmp_path: Path) -> None:
    probe = ("import sys; sys.modules['onnxscript'] = None; from nasbox.cli.main import main; "
             "sys.exit(main(['export', '--zoo', 'lenet5', '--format', 'onnx']))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert_one_line_error(result, "pip install 'nasbox[onnx]'")
    assert tree(tmp_path) == []
