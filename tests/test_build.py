"""The built module mirrors the spec: its parameter names follow the spec's structure."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

import nasbox
from nasbox import zoo
from nasbox.arch import ArchSpec


def test_parameter_names_follow_the_spec() -> None:
    names = set(nasbox.build(zoo.get("resnet50")).state_dict())
    assert "layers.0.conv.weight" in names
    assert "layers.2.body.0.reduce.conv.weight" in names
    assert "layers.2.body.0.expand.bn.running_mean" in names
    assert "layers.2.shortcut.conv.weight" in names
    assert "layers.3.shortcut.conv.weight" not in names
    assert "layers.19.fc.weight" in names


def test_inception_branches_and_blocks_are_named_by_position_and_role() -> None:
    names = set(nasbox.build(zoo.get("googlenet")).state_dict())
    assert "layers.5.branches.1.1.conv.weight" in names
    mobilenet = set(nasbox.build(zoo.get("mobilenet_v2")).state_dict())
    assert "layers.2.depthwise.conv.weight" in mobilenet
    assert "layers.3.body.0.expand.conv.weight" in mobilenet


def test_costing_a_spec_does_not_import_torch() -> None:
    code = "import sys, nasbox; nasbox.cost(nasbox.zoo.get('inception_v3')); print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.jit.script is deprecated upstream
def test_scripting_a_pre_activation_first_does_not_change_a_post_activation_conv() -> None:
    """TorchScript compiles Sequentials with the same child names and kinds as one type whatever their order; a
    pre-activation conv (bn, act, conv) scripted first must not make a later conv, bn, act run in that order."""
    layers = {"conv": {"type": "conv", "out": 8, "kernel": 1}}
    pre = ArchSpec.from_dict({"name": "pre", "input": [8, 6, 6], "num_classes": 8,
                              "layers": [{**layers["conv"], "preact": True}, {"type": "global_pool"}]})
    post = ArchSpec.from_dict({"name": "post", "input": [8, 6, 6], "num_classes": 8,
                               "layers": [layers["conv"], {"type": "global_pool"}]})
    torch.jit.script(nasbox.build(pre).eval())
    torch.manual_seed(0)
    model = nasbox.build(post).eval()
    x = torch.randn(2, 8, 6, 6)
    with torch.no_grad():
        assert torch.equal(torch.jit.script(model)(x), model(x))
