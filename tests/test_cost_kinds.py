"""Cost by primitive kind (`nasbox profile --by-kind`): every zoo network's kinds add up to its profile totals,
each column's shares to 100%, MobileNet v1 reproduces its paper's Table 2, and the kind of every conv and linear
layer agrees with the built module's."""

from __future__ import annotations

import json

import pytest
import torch

from nasbox import build, zoo
from nasbox.cli.main import main
from nasbox.cost import kind_costs
from nasbox.cost.kinds import DEPTHWISE, GROUPED, LINEAR, TRANSPOSED, dense_kind

# MobileNets (Howard et al., 2017), Table 2 "Resource per layer type": (mult-adds %, parameters %). The paper prints
# 1.19% for the full 3×3 conv's mult-adds; its count is 1.91% (the README gives the arithmetic).
MOBILENET_V1_TABLE_2 = {
    "conv 1x1": (94.86, 74.59),
    DEPTHWISE: (3.06, 1.06),
    "conv 3x3": (1.91, 0.02),
    LINEAR: (0.18, 24.33),
}


def profile_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["profile", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", zoo.names())
def test_by_kind_totals_equal_the_profile_totals_and_each_columns_shares_sum_to_100_percent(
        name: str, capsys: pytest.CaptureFixture[str]) -> None:
    profile = profile_json(capsys, name)["total"]
    by_kind = profile_json(capsys, name, "--by-kind")
    kinds, total = by_kind["kinds"], by_kind["total"]
    assert {k: total[k] for k in ("macs", "params", "activations")} == {
        k: profile[k] for k in ("macs", "params", "activations")}
    for figure in ("macs", "params", "activations"):
        assert sum(k[figure] for k in kinds) == total[figure], figure
    for share in ("macs_share", "activations_share", "params_share"):
        assert sum(k[share] for k in kinds if k[share] is not None) == pytest.approx(1.0), share
    weights = [k for k in kinds if k["params_share"] is not None]
    assert sum(k["params"] for k in weights) == total["weights"]


def test_mobilenet_v1_reproduces_the_rows_of_its_papers_table_2() -> None:
    rows = {k.kind: k for k in kind_costs(zoo.get("mobilenet_v1")).kinds}
    for kind, (macs_percent, params_percent) in MOBILENET_V1_TABLE_2.items():
        assert 100 * rows[kind].macs_share == pytest.approx(macs_percent, abs=0.05), kind
        assert 100 * rows[kind].params_share == pytest.approx(params_percent, abs=0.05), kind
    assert rows["batch_norm"].params > 0 and rows["batch_norm"].params_share is None


def _module_kinds(module: torch.nn.Module, shape: tuple[int, ...]) -> dict[str, int]:
    """MACs per kind counted on the built module, from each conv and linear layer's own configuration."""
    macs: dict[str, int] = {}

    def hook(layer: torch.nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        if isinstance(layer, torch.nn.Linear):
            kind, count = LINEAR, layer.in_features * layer.out_features
        elif isinstance(layer, torch.nn.ConvTranspose2d):
            kind = TRANSPOSED
            count = inputs[0].shape[2:].numel() * layer.weight.numel()
        else:
            cin, groups = layer.in_channels, layer.groups
            kind = dense_kind(*layer.kernel_size) if groups == 1 else DEPTHWISE if groups == cin else GROUPED
            count = output.shape[2:].numel() * layer.weight.numel()
        macs[kind] = macs.get(kind, 0) + count

    for layer in module.modules():
        if isinstance(layer, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear)):
            layer.register_forward_hook(hook)
    with torch.no_grad():
        module.eval()(torch.zeros(1, *shape))
    return macs


@pytest.mark.parametrize(("name", "shape"), [("mobilenet_v1", (3, 64, 64)), ("enet", (3, 64, 128)),
                                             ("inception_v3", (3, 107, 107)), ("alexnet", (3, 224, 224))])
def test_each_kinds_macs_match_the_built_modules_layers_of_that_kind(name: str, shape: tuple[int, ...]) -> None:
    spec = zoo.get(name)
    counted = {k.kind: k.macs for k in kind_costs(spec, shape).kinds if k.macs}
    assert counted == _module_kinds(build(spec, input_shape=shape), shape)


def test_the_by_kind_table_names_each_kind_with_its_shares(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "mobilenet_v1", "--by-kind"]) == 0
    out = capsys.readouterr().out
    rows = {line.split("  ")[0]: line.split()[-6:] for line in out.splitlines()}
    macs_share, params_share = MOBILENET_V1_TABLE_2["conv 1x1"]
    assert rows["1×1 conv"][1] == f"{macs_share:.2f}%" and rows["1×1 conv"][3] == f"{params_share:.2f}%"
    assert rows["batch norm"][3] == "–"
    assert "by primitive kind" in out.splitlines()[0]
