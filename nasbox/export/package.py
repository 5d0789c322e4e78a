"""Write exported networks: one folder each with model.py, spec.yaml, weights.pt, model.json (+ model.ts,
model.onnx), or nothing at all.

Everything the user gave is checked first (formats, target folders, weights). Each network is then written into a
temporary folder beside its target, and only when every one is complete are they renamed into place; a failure
removes them, so a bad input or a failed exporter leaves no half-written folder behind.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import importlib.util
import json
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasbox.cost import cost
from nasbox.errors import NasboxError
from nasbox.export import names
from nasbox.export.formats import (
    FILES,
    ONNX_INPUT,
    ONNX_OUTPUT,
    check_onnx_can_carry,
    parse_formats,
    save_onnx,
    save_torchscript,
)
from nasbox.export.source import class_name_for, to_source
from nasbox.export.state import StateDict, as_state, check_fits, initial_state, read_state

if TYPE_CHECKING:
    import torch
    from torch import nn

    from nasbox.arch.spec import ArchSpec

SPEC_FILE, WEIGHTS_FILE, METADATA_FILE = "spec.yaml", "weights.pt", "model.json"


@dataclass(frozen=True)
class Network:
    """One network to export: its spec and folder, its weights (None: fresh, seeded) and what to say about it.

    `notes` become lines of model.py's docstring; `metadata` is merged into model.json; `weights_note` replaces
    model.json's description of the weights (e.g. the trial whose proxy earned them)."""

    spec: ArchSpec
    directory: Path
    weights: Mapping[str, torch.Tensor] | str | Path | None = None
    seed: int = 0
    notes: Mapping[str, object] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    weights_note: Mapping[str, Any] | None = None
    class_name: str | None = None


def export(spec: ArchSpec, directory: str | Path, *, formats: Sequence[str] | str = ("source",),
           weights: Mapping[str, torch.Tensor] | str | Path | None = None, seed: int = 0, force: bool = False,
           class_name: str | None = None) -> Path:
    """Export `spec` into `directory` and return it: model.py (for "source"), spec.yaml, weights.pt, model.json,
    and model.ts / model.onnx for "torchscript" / "onnx". `weights` is a state_dict or the path of one (checked
    against the spec); by default the network's initial weights after `torch.manual_seed(seed)`. A non-empty
    `directory` is replaced only with `force`."""
    return export_networks([Network(spec, Path(directory), weights, seed, class_name=class_name)],
                           formats=formats, force=force)[0]


def export_networks(networks: Sequence[Network], *, formats: Sequence[str] | str = ("source",),
                    force: bool = False) -> list[Path]:
    """Export every network into its folder, all or none; see the module docstring."""
    chosen = parse_formats(formats)
    if "onnx" in chosen:
        for network in networks:
            check_onnx_can_carry(network.spec)
    targets = [n.directory for n in networks]
    for target in targets:
        _check_target(target, force)
    if len({t.resolve() for t in targets}) != len(targets):
        raise NasboxError("two networks would be exported into the same folder; give each its own -o")
    states = [_weights(n) for n in networks]
    with _Staging() as staging:
        for network, state in zip(networks, states, strict=True):
            _write(network, state, chosen, staging.folder_for(network.directory))
        staging.commit()
    return targets


def _check_target(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise NasboxError(f"-o {target}: is a file; give a folder to export into")
    existing = next(p for p in target.absolute().parents if p.exists())
    if not existing.is_dir():
        raise NasboxError(f"-o {target}: {existing} is a file, so no folder can be made there; give another -o")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise NasboxError(f"-o {target}: is not empty; give --force to replace it, or another -o")


def _weights(network: Network) -> tuple[StateDict, dict[str, Any]]:
    """The network's state_dict, checked against its spec, and model.json's description of it."""
    if network.weights is None:
        state, note = initial_state(network.spec, network.seed), {"kind": "initial", "seed": network.seed}
    elif isinstance(network.weights, (str, Path)):
        state = read_state(network.weights)
        check_fits(state, network.spec, f"--weights {network.weights}")
        note = {"kind": "file", "path": str(Path(network.weights).resolve())}
    else:
        state = as_state(network.weights, "weights")
        check_fits(state, network.spec, "weights")
        note = {"kind": "given"}
    return state, dict(network.weights_note) if network.weights_note is not None else note


def _write(network: Network, weights: tuple[StateDict, dict[str, Any]], formats: tuple[str, ...],
           folder: Path) -> None:
    """Write one network's files into `folder` (a fresh, empty one)."""
    import torch

    spec, (state, weights_note) = network.spec, weights
    class_name = class_name_for(spec, network.class_name)
    source = folder / FILES["source"]
    source.write_text(to_source(spec, class_name, notes=network.notes), encoding="utf-8")
    (folder / SPEC_FILE).write_text(spec.to_yaml(), encoding="utf-8")
    torch.save(state, folder / WEIGHTS_FILE)
    figures = cost(spec)
    record: dict[str, Any] = {
        "name": spec.name, "class": class_name, "input": list(spec.input),
        "output": list(spec.output_shape()), "num_classes": spec.num_classes,
        "macs": figures.macs, "params": figures.params, "weights": weights_note,
        "files": {"spec": SPEC_FILE, "weights": WEIGHTS_FILE, **{f: FILES[f] for f in formats}},
    }
    if "torchscript" in formats or "onnx" in formats:
        module = load_class(source, class_name)()
        module.load_state_dict(state)
        if "torchscript" in formats:
            save_torchscript(module, folder / FILES["torchscript"])
        if "onnx" in formats:
            opset = save_onnx(module, spec.input, folder / FILES["onnx"])
            record["onnx"] = {"opset": opset, "input": ONNX_INPUT, "output": ONNX_OUTPUT,
                              "dynamic_axes": {ONNX_INPUT: {"0": "batch"}, ONNX_OUTPUT: {"0": "batch"}}}
    if "source" not in formats:
        source.unlink()
    record.update(network.metadata)
    record["exported"] = {"by": f"nasbox {_version()}", "torch": torch.__version__,
                          "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    # json.dumps escapes every user string (ensure_ascii): quotes, newlines and control characters included
    (folder / METADATA_FILE).write_text(json.dumps(record, indent=2, ensure_ascii=True) + "\n", encoding="utf-8")


def load_class(path: Path, class_name: str) -> type[nn.Module]:
    """The class `class_name` of the generated module at `path`, imported under a private module name."""
    module_spec = importlib.util.spec_from_file_location(f"nasbox_export_{uuid.uuid4().hex}", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return getattr(module, class_name)


def _version() -> str:
    try:
        return importlib.metadata.version("nasbox")
    except importlib.metadata.PackageNotFoundError:
        return "(source tree)"


class _Staging:
    """Temporary folders beside the targets, renamed into place by `commit`; removed on failure, with any parent
    folder made for them."""

    def __init__(self) -> None:
        self.folders: list[tuple[Path, Path]] = []
        self.made: list[Path] = []

    def __enter__(self) -> _Staging:
        return self

    def folder_for(self, target: Path) -> Path:
        missing = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
        for parent in reversed(missing):
            parent.mkdir()
            self.made.append(parent)
        folder = target.parent / f".{names.folder_name(target.name)}.{uuid.uuid4().hex[:8]}.partial"
        folder.mkdir()  # with the umask's mode, like any folder the user makes (mkdtemp's would be private)
        self.folders.append((folder, target))
        return folder

    def commit(self) -> None:
        for folder, target in self.folders:
            old = None
            if target.exists():
                old = target.with_name(f".{names.folder_name(target.name)}.old-{uuid.uuid4().hex[:8]}")
                target.rename(old)
            folder.rename(target)
            if old is not None:
                shutil.rmtree(old)
        self.folders = []

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        for folder, _ in self.folders:
            shutil.rmtree(folder, ignore_errors=True)
        if self.folders:
            for parent in reversed(self.made):
                if parent.exists() and not any(parent.iterdir()):
                    parent.rmdir()
