"""Rewrites of a spec that keep its topology: scaling every width (proxies, random variants)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from nasbox.arch.spec import ArchSpec


def _is_width(f: dataclasses.Field) -> bool:
    return bool(f.metadata.get("width"))


def _has_width(layer: Any) -> bool:
    return any(_is_width(f) for f in dataclasses.fields(layer))


def _rewrite(value: Any, fn: Callable[[int], int]) -> Any:
    if isinstance(value, tuple):
        return tuple(_rewrite(v, fn) for v in value)
    if not dataclasses.is_dataclass(value):
        return value
    changes = {}
    for f in dataclasses.fields(value):
        current = getattr(value, f.name)
        if _is_width(f):
            changes[f.name] = tuple(fn(c) for c in current) if isinstance(current, tuple) else fn(current)
        elif isinstance(current, tuple) or dataclasses.is_dataclass(current):
            changes[f.name] = _rewrite(current, fn)
    return dataclasses.replace(value, **changes)


def map_widths(spec: ArchSpec, fn: Callable[[int], int]) -> ArchSpec:
    """Apply `fn` to every channel/feature count except the classifier's (the last top-level layer with one)."""
    classifier = max((i for i, layer in enumerate(spec.layers) if _has_width(layer)), default=None)
    layers = tuple(layer if i == classifier else _rewrite(layer, fn) for i, layer in enumerate(spec.layers))
    return spec.replace(layers=layers)


def scale_widths(spec: ArchSpec, multiplier: float, divisor: int = 1) -> ArchSpec:
    """Multiply every width by `multiplier`, rounding to a multiple of `divisor` and never below it."""
    if multiplier <= 0:
        raise ValueError(f"width multiplier must be positive, got {multiplier}")
    return map_widths(spec, lambda c: max(divisor, round(c * multiplier / divisor) * divisor))
