"""The registry of hand-designed networks: an ArchSpec factory per name, with the figures it should reproduce.

Where those figures come from is part of the entry (`reference`):

- **published**: figures of an independent source, a paper or the reference implementation (torchvision, timm)
  counted to the integer. nasbox reproducing them checks its definition of the network and its cost model.
- **computed**: nasbox's own count of the variant it defines, for networks whose sources give no exact figure
  for that variant (LeNet-5, ZFNet, NiN, ENet). They pin the definition against regressions but check nothing
  independently; the entry's `source` names the outside figures they agree with.

nasbox must reproduce an entry's figures exactly unless the entry says otherwise: a `note` explains a known
deviation and `tolerance` bounds it (the largest relative deviation of params or MACs it admits), so a note can
explain a deviation but never hide one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from nasbox.arch.spec import ArchSpec, load_spec
from nasbox.errors import NasboxError

Reference = Literal["published", "computed"]
REFERENCES: tuple[Reference, ...] = ("published", "computed")
SPEC_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class ZooEntry:
    """A network of the zoo and the figures it reproduces; `variant` says which definition it follows."""

    name: str
    factory: Callable[[], ArchSpec]
    reference_params: int
    reference_macs: int
    source: str
    variant: str
    reference: Reference = "published"
    note: str = ""
    tolerance: float = 0.0

    def __post_init__(self) -> None:
        if self.reference not in REFERENCES:
            raise ValueError(f"zoo network {self.name!r}: reference must be one of {REFERENCES}, "
                             f"got {self.reference!r}")
        if not 0.0 <= self.tolerance < 1.0:
            raise ValueError(f"zoo network {self.name!r}: tolerance must be in [0, 1), got {self.tolerance}")
        if self.tolerance and not self.note:
            raise ValueError(f"zoo network {self.name!r}: a tolerance of {self.tolerance:.2%} needs a note that "
                             "explains the deviation")


_REGISTRY: dict[str, ZooEntry] = {}


def register(name: str, *, params: int, macs: int, source: str, variant: str, reference: Reference = "published",
             note: str = "", tolerance: float = 0.0) -> Callable[[Callable[[], ArchSpec]], Callable[[], ArchSpec]]:
    """Register an ArchSpec factory under `name` with the figures it should reproduce (see the module's text)."""

    def decorate(factory: Callable[[], ArchSpec]) -> Callable[[], ArchSpec]:
        if name in _REGISTRY:
            raise ValueError(f"zoo network {name!r} registered twice")
        _REGISTRY[name] = ZooEntry(name, factory, params, macs, source, variant, reference, note, tolerance)
        return factory

    return decorate


def names() -> list[str]:
    """Names of every zoo network, in registration order."""
    return list(_REGISTRY)


def entry(name: str) -> ZooEntry:
    """The registry entry of zoo network `name`: its figures, where they come from, its variant."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise NasboxError(f"unknown zoo network {name!r}; choose one of {', '.join(_REGISTRY)}") from None


def get(name: str) -> ArchSpec:
    """The ArchSpec of zoo network `name`."""
    return entry(name).factory()



def parse_names(text: str, option: str) -> list[str]:
    """The zoo networks of a comma-separated list such as 'resnet18,mobilenet_v2', given as `option`."""
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in _REGISTRY]
    if unknown or not chosen:
        raise NasboxError(f"{option}: {', '.join(unknown) or repr(text)} is not a zoo network; use names from "
                          f"{', '.join(_REGISTRY)}")
    return chosen


def load_network(name_or_path: str | Path) -> ArchSpec:
    """A zoo network by name, or the spec of a YAML/JSON file: what `nasbox profile` and `nasbox export` take.

    A path wins over a zoo name: anything ending in .yaml, .yml or .json, or naming an existing file, is read."""
    path = Path(name_or_path)
    if path.suffix in SPEC_SUFFIXES or path.exists():
        return load_spec(path)
    if name_or_path in _REGISTRY:
        return get(str(name_or_path))
    raise NasboxError(f"{str(name_or_path)!r} is neither a zoo network nor a spec file; give a path to a .yaml/.json "
                      f"spec or one of {', '.join(_REGISTRY)}")
