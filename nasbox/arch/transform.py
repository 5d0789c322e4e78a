"""Rewrites of a spec that keep its topology: scaling every width, resizing the classifier, normalising every conv,
proxies."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from nasbox.arch.spec import ArchSpec
from nasbox.errors import NasboxError


def is_width_field(f: dataclasses.Field) -> bool:
    return bool(f.metadata.get("width"))


def classifier_index(layers: tuple[Any, ...]) -> int | None:
    """Index of the classifier: the last top-level layer with a width, whose width is the class count."""
    return max((i for i, layer in enumerate(layers)
                if any(is_width_field(f) for f in dataclasses.fields(layer))), default=None)


def rewrite_widths(value: Any, fn: Callable[[int], int]) -> Any:
    """`value` (a layer, or a tuple of them) with `fn` applied to every width inside it."""
    if isinstance(value, tuple):
        return tuple(rewrite_widths(v, fn) for v in value)
    if not dataclasses.is_dataclass(value):
        return value
    changes = {}
    for f in dataclasses.fields(value):
        current = getattr(value, f.name)
        if is_width_field(f) and current is not None:  # None: the width of the layer's input
            changes[f.name] = tuple(fn(c) for c in current) if isinstance(current, tuple) else fn(current)
        elif isinstance(current, tuple) or dataclasses.is_dataclass(current):
            changes[f.name] = rewrite_widths(current, fn)
    return dataclasses.replace(value, **changes)


def map_widths(spec: ArchSpec, fn: Callable[[int], int]) -> ArchSpec:
    """Apply `fn` to every channel/feature count except the classifier's (the last top-level layer with one)."""
    classifier = classifier_index(spec.layers)
    layers = tuple(layer if i == classifier else rewrite_widths(layer, fn) for i, layer in enumerate(spec.layers))
    return spec.replace(layers=layers)


def width_scaler(multiplier: float, divisor: int = 1) -> Callable[[int], int]:
    """The rule that scales one width: times `multiplier`, rounded to a multiple of `divisor`, never below it."""
    if multiplier <= 0:
        raise ValueError(f"width multiplier must be positive, got {multiplier}")
    return lambda c: max(divisor, round(c * multiplier / divisor) * divisor)


def scale_widths(spec: ArchSpec, multiplier: float, divisor: int = 1) -> ArchSpec:
    """Multiply every width but the classifier's by `multiplier` (see `width_scaler`)."""
    return map_widths(spec, width_scaler(multiplier, divisor))


def with_classes(spec: ArchSpec, num_classes: int) -> ArchSpec:
    """`spec` with its classifier resized to `num_classes` outputs."""
    index = classifier_index(spec.layers)
    if index is None:
        raise NasboxError(f"{spec.name} has no layer with a width to act as classifier")
    classifier = spec.layers[index]
    widths = [f.name for f in dataclasses.fields(classifier) if is_width_field(f)]
    if len(widths) != 1:
        raise NasboxError(f"{spec.name}'s last layer with a width ({classifier.type_name}) is not a classifier; "
                          "end the network with a linear or conv layer")
    current = getattr(classifier, widths[0])
    resized = (*current[:-1], num_classes) if isinstance(current, tuple) else num_classes  # mlpconv: its last conv
    layers = (*spec.layers[:index], dataclasses.replace(classifier, **{widths[0]: resized}),
              *spec.layers[index + 1:])
    return spec.replace(layers=layers, num_classes=num_classes)


NORM_FIELDS = ("norm", "dw_norm")


def with_batch_norm(spec: ArchSpec) -> ArchSpec:
    """`spec` with batch norm after every convolution that has no normalisation. A batch norm folds into the
    convolution before it once trained (its scale and shift become the conv's weights and bias), so the network
    computes the same family of functions; only its training changes, which is why proxies use it."""
    return spec.replace(layers=_normalised(spec.layers))


def _normalised(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_normalised(v) for v in value)
    if not dataclasses.is_dataclass(value):
        return value
    changes = {}
    for f in dataclasses.fields(value):
        current = getattr(value, f.name)
        if f.name in NORM_FIELDS and current == "none":
            changes[f.name] = "batch"
        elif isinstance(current, tuple) or dataclasses.is_dataclass(current):
            changes[f.name] = _normalised(current)
    return dataclasses.replace(value, **changes)


def relax_strides(spec: ArchSpec, count: int) -> ArchSpec:
    """`spec` with its first `count` downsampling top-level layers (convs, pools and the conv blocks, in order; not
    deconvs, which upsample) at stride 1. A proxy at a cut resolution runs its late stages at a few pixels, where
    kernel sizes barely matter; relaxing the stem's strides gives those stages back some of the target's spatial
    schedule, at the cost of more MACs in every later layer. Fewer such layers than `count` are all relaxed."""
    layers = list(spec.layers)
    for index, layer in enumerate(layers):
        if count == 0:
            break
        if _downsamples(layer):
            layers[index] = dataclasses.replace(layer, stride=1)
            count -= 1
    return spec.replace(layers=tuple(layers))


def _downsamples(layer: Any) -> bool:
    from nasbox.arch.layers import Deconv, Pool, pair

    if isinstance(layer, Deconv) or not any(f.name == "stride" for f in dataclasses.fields(layer)):
        return False
    stride = layer.resolved_stride() if isinstance(layer, Pool) else layer.stride
    return pair(stride) != (1, 1)


def proxy_spec(spec: ArchSpec, width_mult: float = 1.0, resolution: int | None = None,
               num_classes: int | None = None, in_channels: int | None = None, divisor: int = 4) -> ArchSpec:
    """The scaled-down network trained in place of `spec`: same topology, scaled widths, a smaller square input
    and the dataset's class count. The target's figures are always computed on `spec` itself."""
    proxy = scale_widths(spec, width_mult, divisor) if width_mult != 1.0 else spec
    if num_classes is not None and num_classes != spec.num_classes:
        proxy = with_classes(proxy, num_classes)
    channels, height, width = spec.input
    size = (resolution, resolution) if resolution else (height, width)
    return proxy.replace(name=f"{spec.name}-proxy", input=(in_channels or channels, *size))
