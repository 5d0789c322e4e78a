"""The registry of hand-designed networks: an ArchSpec factory per name, with its published figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nasbox.arch.spec import ArchSpec
from nasbox.errors import NasboxError


@dataclass(frozen=True)
class ZooEntry:
    """A network of the zoo; `variant` says which definition it follows, `note` any known deviation."""

    name: str
    factory: Callable[[], ArchSpec]
    published_params: int
    published_macs: int
    source: str
    variant: str
    note: str = ""


_REGISTRY: dict[str, ZooEntry] = {}


def register(name: str, *, params: int, macs: int, source: str, variant: str,
             note: str = "") -> Callable[[Callable[[], ArchSpec]], Callable[[], ArchSpec]]:
    """Register an ArchSpec factory under `name` with the figures it should reproduce."""

    def decorate(factory: Callable[[], ArchSpec]) -> Callable[[], ArchSpec]:
        if name in _REGISTRY:
            raise ValueError(f"zoo network {name!r} registered twice")
        _REGISTRY[name] = ZooEntry(name, factory, params, macs, source, variant, note)
        return factory

    return decorate


def names() -> list[str]:
    """Names of every zoo network, in registration order."""
    return list(_REGISTRY)


def entry(name: str) -> ZooEntry:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise NasboxError(f"unknown zoo network {name!r}; choose one of {', '.join(_REGISTRY)}") from None


def get(name: str) -> ArchSpec:
    """The ArchSpec of zoo network `name`."""
    return entry(name).factory()
