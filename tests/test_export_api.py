"""`nasbox.export.export`: the folder it writes, the weights it carries, and refusing bad input without writing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

import nasbox
from nasbox import zoo
from nasbox.errors import NasboxError
from nasbox.export import Network, export, export_networks
from nasbox.export.package import load_class


def tree(root: Path) -> list[str]:
    """Every path under `root`, hidden ones included, to show that nothing was written."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_export_writes_a_folder_a_pytorch_user_can_load_without_nasbox(tmp_path: Path) -> None:
    spec = zoo.get("lenet5")
    folder = export(spec, tmp_path / "exports" / "lenet5")
    assert folder == tmp_path / "exports" / "lenet5"
    assert sorted(os.listdir(folder)) == ["model.json", "model.py", "spec.yaml", "weights.pt"]
    assert tree(tmp_path / "exports") == ["lenet5", *(f"lenet5/{f}" for f in sorted(os.listdir(folder)))]
    assert nasbox.load_spec(folder / "spec.yaml") == spec
    state = torch.load(folder / "weights.pt", weights_only=True)
    torch.manual_seed(0)
    fresh = nasbox.build(spec).state_dict()
    assert list(state) == list(fresh) and all(torch.equal(state[k], fresh[k]) for k in fresh)
    record = json.loads((folder / "model.json").read_text())
    assert record["weights"] == {"kind": "initial", "seed": 0}
    assert record["name"] == "lenet5" and record["class"] == "Lenet5" and record["input"] == [1, 32, 32]
    assert record["macs"] == nasbox.cost(spec).macs and record["params"] == nasbox.cost(spec).params
    model = load_class(folder / "model.py", record["class"])().eval()
    model.load_state_dict(state)
    x = torch.randn(2, 1, 32, 32)
    reference = nasbox.build(spec).eval()
    reference.load_state_dict(state)
    with torch.no_grad():
        assert torch.equal(model(x), reference(x))


def test_weights_given_as_a_file_or_a_state_dict_are_checked_and_kept(tmp_path: Path) -> None:
    spec = zoo.get("lenet5")
    torch.manual_seed(3)
    trained = nasbox.build(spec).state_dict()
    path = tmp_path / "trained.pt"
    torch.save(trained, path)
    from_file = export(spec, tmp_path / "a", weights=path)
    from_dict = export(spec, tmp_path / "b", weights=trained)
    for folder in (from_file, from_dict):
        state = torch.load(folder / "weights.pt", weights_only=True)
        assert all(torch.equal(state[k], trained[k]) for k in trained)
    assert json.loads((from_file / "model.json").read_text())["weights"] == {"kind": "file", "path": str(path)}
    seeded = export(spec, tmp_path / "c", seed=5)
    assert json.loads((seeded / "model.json").read_text())["weights"] == {"kind": "initial", "seed": 5}


@pytest.mark.parametrize(("weights", "expected"), [
    ("other-network", "has no 'layers.0.conv.weight'"),
    ("wrong-shape", "'layers.7.fc.weight' is 7×84 but lenet5 needs 10×84"),
    ("extra-key", "'extra' is not a weight of lenet5"),
    ("a-list", "holds a list, not a state_dict"),
    ("not-torch", "torch.load(..., weights_only=True) cannot read it"),
    ("pickled-object", "torch.load(..., weights_only=True) cannot read it"),
    ("missing", "no such file"),
])
def test_weights_that_do_not_fit_are_one_error_and_nothing_is_written(tmp_path: Path, weights: str,
                                                                        expected: str) -> None:
    spec = zoo.get("lenet5")
    torch.manual_seed(0)
    state = nasbox.build(spec).state_dict()
    path = tmp_path / "inputs" / f"{weights}.pt"
    path.parent.mkdir()
    if weights == "other-network":
        torch.save(nasbox.build(zoo.get("nin")).state_dict(), path)
    elif weights == "wrong-shape":
        torch.save({**state, "layers.7.fc.weight": torch.zeros(7, 84)}, path)
    elif weights == "extra-key":
        torch.save({**state, "extra": torch.zeros(1)}, path)
    elif weights == "a-list":
        torch.save([1, 2, 3], path)
    elif weights == "not-torch":
        path.write_bytes(b"not a torch file")
    elif weights == "pickled-object":
        torch.save({"model": torch.nn.Linear(2, 2)}, path)
    before = tree(tmp_path)
    with pytest.raises(NasboxError, match=expected.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        export(spec, tmp_path / "out" / "lenet5", weights=path)
    assert tree(tmp_path) == before


def test_a_non_empty_folder_needs_force_and_is_then_replaced_whole(tmp_path: Path) -> None:
    spec = zoo.get("lenet5")
    target = tmp_path / "lenet5"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(NasboxError, match="is not empty; give --force"):
        export(spec, target)
    assert os.listdir(target) == ["notes.txt"]
    export(spec, target, force=True)
    assert sorted(os.listdir(target)) == ["model.json", "model.py", "spec.yaml", "weights.pt"]
    assert sorted(os.listdir(tmp_path)) == ["lenet5"], "no temporary folder is left beside it"
    empty = tmp_path / "empty"
    empty.mkdir()
    export(spec, empty)
    assert "model.py" in os.listdir(empty)


def test_a_failure_halfway_through_leaves_no_folder_of_any_network(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The second network's TorchScript fails after the first one is complete: neither folder, nor the parent
    folders made for them, is left."""
    from nasbox.export import package

    scripted = []

    def fail_on_the_second(module: torch.nn.Module, path: Path) -> None:
        if scripted:
            raise RuntimeError("the exporter broke")
        scripted.append(path)
        return save_torchscript(module, path)

    save_torchscript = package.save_torchscript
    monkeypatch.setattr(package, "save_torchscript", fail_on_the_second)
    networks = [Network(zoo.get("lenet5"), tmp_path / "deep" / "er" / "lenet5"),
                Network(zoo.get("nin"), tmp_path / "deep" / "nin")]
    with pytest.raises(RuntimeError, match="the exporter broke"):
        export_networks(networks, formats="source,torchscript")
    assert scripted and tree(tmp_path) == []
    with pytest.raises(NasboxError, match="same folder"):
        export_networks([networks[0], Network(zoo.get("nin"), networks[0].directory)])
    assert tree(tmp_path) == []


def test_unknown_formats_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(NasboxError, match="unknown format 'pdf'"):
        export(zoo.get("lenet5"), tmp_path / "x", formats="source,pdf")
    assert tree(tmp_path) == []
