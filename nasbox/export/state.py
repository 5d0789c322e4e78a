"""The weights an export carries: fresh seeded ones, or a state_dict read safely and checked against the spec."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from nasbox.build import build
from nasbox.errors import NasboxError

if TYPE_CHECKING:
    import torch

    from nasbox.arch.spec import ArchSpec

StateDict = dict[str, "torch.Tensor"]


def initial_state(spec: ArchSpec, seed: int = 0) -> StateDict:
    """The state_dict of `spec` freshly built after `torch.manual_seed(seed)`: what training would start from."""
    import torch

    torch.manual_seed(seed)
    return build(spec).state_dict()


def read_state(path: str | Path, what: str = "--weights") -> StateDict:
    """A state_dict loaded with `torch.load(..., weights_only=True)` onto the CPU; anything else is an error."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise NasboxError(f"{what} {path}: no such file; give a state_dict saved with torch.save(model.state_dict(), "
                          "FILE)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for a file that is not a safe torch archive
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise NasboxError(f"{what} {path}: torch.load(..., weights_only=True) cannot read it ({first[:120]}); "
                          "give a state_dict saved with torch.save(model.state_dict(), FILE)") from None
    return as_state(state, f"{what} {path}")


def as_state(state: object, what: str) -> StateDict:
    """`state` when it is a mapping of names to tensors, else an error naming `what`."""
    import torch

    if not isinstance(state, Mapping) or not state:
        raise NasboxError(f"{what}: holds a {type(state).__name__}, not a state_dict (names → tensors); save "
                          "model.state_dict()")
    for key, value in state.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise NasboxError(f"{what}: entry {key!r} is a {type(value).__name__}, not a tensor; save "
                              "model.state_dict()")
    return dict(state)


def check_fits(state: StateDict, spec: ArchSpec, what: str) -> None:
    """Raise an error naming the first key or shape of `state` that `spec`'s module does not have."""
    import torch

    with torch.device("meta"):
        expected = build(spec).state_dict()
    for key, tensor in expected.items():
        if key not in state:
            raise NasboxError(f"{what}: has no {key!r} ({_shape(tensor)}), which {spec.name} needs; give the "
                              "weights of this network")
        if state[key].shape != tensor.shape:
            raise NasboxError(f"{what}: {key!r} is {_shape(state[key])} but {spec.name} needs {_shape(tensor)}; "
                              "give the weights of this network")
    extra = next((key for key in state if key not in expected), None)
    if extra is not None:
        raise NasboxError(f"{what}: {extra!r} is not a weight of {spec.name}; give the weights of this network")


def _shape(tensor: torch.Tensor) -> str:
    return "×".join(map(str, tensor.shape)) if tensor.dim() else "a scalar"
