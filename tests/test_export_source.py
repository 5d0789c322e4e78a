"""`nasbox.export.to_source` and its sanitiser: the generated file compiles, passes ruff with the project's
settings, imports only torch, defines only the helpers it uses, and builds the same module tree as nasbox.build."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import nasbox
from nasbox import zoo
from nasbox.arch import ArchSpec
from nasbox.arch.transform import with_classes
from nasbox.export import names, to_source
from nasbox.export.package import load_class
from nasbox.export.source import class_name_for

ROOT = Path(__file__).resolve().parents[1]
HELPER_DEFINITIONS = ("def sequential", "def conv_bn_act", "def bn_act_conv", "def deconv_bn_act", "def linear_act",
                      "class Concat", "class Residual", "class GlobalAvgPool", "class GlobalMaxPool", "class EnetDown",
                      "class EnetUp", "class EncoderDecoder")


def ruff(*paths: Path) -> subprocess.CompletedProcess:
    """`ruff check` with the project's settings, writing no cache."""
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--config",
                           str(ROOT / "pyproject.toml"), *map(str, paths)], capture_output=True, text=True,
                          timeout=120)


def imported_roots(source: str) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots.add(node.module.split(".")[0])
    return roots


def test_every_zoo_networks_source_compiles_passes_ruff_and_imports_only_torch(tmp_path: Path) -> None:
    paths = []
    for name in zoo.names():
        source = to_source(zoo.get(name))
        compile(source, name, "exec")
        assert imported_roots(source) <= {"torch", "collections"}, name
        path = tmp_path / f"{name}.py"
        path.write_text(source)
        paths.append(path)
    result = ruff(*paths)
    assert result.returncode == 0, result.stdout + result.stderr


def test_helpers_are_written_only_when_the_network_uses_them() -> None:
    used = {name: {h for h in HELPER_DEFINITIONS if h in to_source(zoo.get(name))}
            for name in ("lenet5", "resnet18", "squeezenet1_1", "densenet121", "enet", "nin")}
    assert used["lenet5"] == {"def sequential", "def conv_bn_act", "def linear_act"}
    assert used["resnet18"] == {"def sequential", "def conv_bn_act", "def linear_act", "class Residual",
                                "class GlobalAvgPool"}
    assert used["squeezenet1_1"] == {"def sequential", "def conv_bn_act", "class Concat", "class GlobalAvgPool"}
    assert "def bn_act_conv" in used["densenet121"] and "class Residual" not in used["densenet121"]
    assert {"class EnetDown", "class EnetUp", "class EncoderDecoder", "def deconv_bn_act"} <= used["enet"]
    assert not {"class EnetDown", "class EncoderDecoder"} & used["resnet18"]
    plain = to_source(nasbox.load_spec({
        "name": "plain", "input": [2, 4, 4], "num_classes": 2,
        "layers": [{"type": "batch_norm"}, {"type": "act", "fn": "tanh"}, {"type": "lrn", "size": 3},
                   {"type": "pool", "kernel": 4, "mode": "avg"}, {"type": "flatten"}, {"type": "dropout"}]}))
    assert "OrderedDict" not in plain and "Size =" not in plain
    assert not any(h in plain for h in HELPER_DEFINITIONS)


def test_a_layer_per_spec_layer_with_a_comment_naming_it() -> None:
    source = to_source(zoo.get("mobilenet_v2"))
    spec = zoo.get("mobilenet_v2")
    for i, layer in enumerate(spec.layers):
        assert f"# {i}: {layer.type_name}" in source
    assert "class MobilenetV2(nn.Module):" in source
    assert "def forward(self, x: torch.Tensor) -> torch.Tensor:\n        return self.layers(x)" in source


def test_to_source_needs_no_torch() -> None:
    probe = ("import sys, nasbox; from nasbox.export import to_source; to_source(nasbox.zoo.get('inception_v4')); "
             "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize("name", ["lenet5", "nin", "squeezenet1_1", "mobilenet_v1"])
def test_the_module_tree_is_nasbox_builds_and_num_classes_resizes_the_classifier(tmp_path: Path,
                                                                                  name: str) -> None:
    spec = zoo.get(name)
    path = tmp_path / "model.py"
    path.write_text(to_source(spec))
    network = load_class(path, class_name_for(spec))
    with torch.device("meta"):
        for classes, target in ((None, spec), (7, with_classes(spec, 7))):
            exported = network() if classes is None else network(num_classes=classes)
            built = nasbox.build(target)
            assert [(k, v.shape) for k, v in exported.state_dict().items()] == \
                   [(k, v.shape) for k, v in built.state_dict().items()]
            assert [n for n, _ in exported.named_modules()] == [n for n, _ in built.named_modules()]


def test_no_num_classes_argument_when_the_classifier_cannot_be_resized_alone(tmp_path: Path) -> None:
    spec = nasbox.load_spec({"name": "bn_after_classifier", "input": [3, 8, 8], "num_classes": 4,
                             "layers": [{"type": "conv", "out": 4, "norm": "none", "act": "none"},
                                        {"type": "batch_norm"}, {"type": "global_pool"}]})
    path = tmp_path / "model.py"
    path.write_text(to_source(spec))
    assert list(inspect.signature(load_class(path, class_name_for(spec))).parameters) == []


HOSTILE = ['a"b\'c', 'x"""; import os #', "line\nbreak\r\n\ttab", "back\\slash\\",
           "__import__('os').system('touch PWNED')", '"""\n__import__("os").system("touch PWNED")\n"""',
           "\u202etrojan\u2066", "\x00nul\x7f", "é ünïcode 名前"]


@pytest.mark.parametrize("text", HOSTILE)
def test_the_sanitiser_turns_any_string_into_a_safe_name_docstring_and_folder(text: str) -> None:
    name = names.class_name(text, frozenset({"Residual"}))
    assert name.isidentifier() and name.isascii() and name[0].isupper() and name.isalnum()
    escaped = names.docstring_text(text)
    assert "\n" not in escaped and '"""' not in escaped
    flat = " ".join(text.split())
    assert ast.literal_eval(f'"""{escaped}"""') == flat, "the docstring reads back as the text itself"
    folder = names.folder_name(text)
    assert folder and "/" not in folder and not folder.startswith(".") and folder == names.folder_name(folder)


def test_class_names_read_like_python_and_avoid_what_the_file_defines() -> None:
    assert names.class_name("mobilenet_v2") == "MobilenetV2"
    assert names.class_name("inception_resnet-3fa2c1") == "InceptionResnet3fa2c1"
    assert names.class_name("3d-net") == "Net3dNet"
    assert names.class_name("") == "Network"
    assert names.class_name("None") == "NoneNet"
    spec = ArchSpec.from_dict({"name": "residual", "input": [1, 8, 8], "num_classes": 2,
                               "layers": [{"type": "flatten"}, {"type": "linear", "out": 2}]})
    assert class_name_for(spec) == "ResidualNet"
    assert class_name_for(spec, "my net!") == "MyNet"
    assert names.docstring_text("x" * 500).endswith("…") and len(names.docstring_text("x" * 500)) == names.MAX_TEXT
