"""The formats an exported network can be written in besides its source: TorchScript and ONNX.

Both quiet exactly the noise their exporters make on a healthy export in torch 2.13 (TorchScript's deprecation
and save warnings; the ONNX exporter's notes about torchvision ops and its pytree deprecation), so a user sees only real
problems.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasbox.errors import NasboxError

if TYPE_CHECKING:
    from torch import nn

    from nasbox.arch.spec import ArchSpec

FORMATS = ("source", "torchscript", "onnx")
FILES = {"source": "model.py", "torchscript": "model.ts", "onnx": "model.onnx"}
ONNX_PACKAGES = ("onnx", "onnxscript")
ONNX_INPUT, ONNX_OUTPUT = "input", "output"
ONNX_INLINE_LIMIT = 1_900_000_000  # bytes of weights an .onnx file can hold (protobuf's limit is 2 GB)
_ONNX_LOGGERS = ("torch.onnx._internal.exporter._registration", "onnx_ir._convenience")


def parse_formats(formats: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The formats named (a comma-separated string or a sequence), checked; ONNX needs the `onnx` extra."""
    names = tuple(f.strip() for f in formats.split(",")) if isinstance(formats, str) else tuple(formats)
    unknown = [f for f in names if f not in FORMATS]
    if unknown or not names:
        raise NasboxError(f"--format: unknown format {(unknown or [''])[0]!r}; give a comma-separated list of "
                          f"{', '.join(FORMATS)}")
    if "onnx" in names:
        try:
            for package in ONNX_PACKAGES:
                importlib.import_module(package)
        except ImportError:
            raise NasboxError("--format onnx needs the onnx and onnxscript packages; pip install 'nasbox[onnx]'") \
                from None
    return tuple(dict.fromkeys(names))


def check_onnx_can_carry(spec: ArchSpec) -> None:
    """An error when ONNX cannot reproduce `spec`: ENet's pooling-index pairing (`encoder_decoder`) unpools at the
    positions of each window's maximum, and where two values of a window are within rounding of each other,
    onnxruntime's slightly different rounding of the layers before picks the other one; the unpooled map then
    differs by whole activations (up to 1e-2 on random inputs), far beyond 1e-4."""
    if _has_layer(spec.to_dict()["layers"], "encoder_decoder"):
        raise NasboxError(f"--format onnx: {spec.name} pairs max-pool indices with max-unpool (encoder_decoder), "
                          "which ONNX runtimes do not reproduce (a near-tie in a pooling window moves a whole "
                          "activation); drop onnx from --format and use the source or torchscript")


def _has_layer(value: Any, type_name: str) -> bool:
    if isinstance(value, dict):
        return value.get("type") == type_name or any(_has_layer(v, type_name) for v in value.values())
    if isinstance(value, list):
        return any(_has_layer(v, type_name) for v in value)
    return False


def save_torchscript(module: nn.Module, path: Path) -> None:
    """Script `module` (eval mode) and save it; TorchScript is deprecated upstream but still works."""
    import torch

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"`torch\.jit\.(script|save)` is deprecated",
                                category=DeprecationWarning)
        torch.jit.save(torch.jit.script(module.eval()), str(path))


def save_onnx(module: nn.Module, input_shape: tuple[int, ...], path: Path) -> int:
    """Export `module` (eval mode) to ONNX with the dynamo exporter, a dynamic batch axis and the opset torch
    chooses; returns that opset. The weights are inside the file unless they pass ONNX's 2 GB limit."""
    import torch

    example = torch.randn(2, *input_shape)
    size = sum(t.numel() * t.element_size() for t in module.state_dict().values())
    with _quiet_onnx_exporter():
        program = torch.onnx.export(module.eval(), (example,), str(path), dynamo=True, verbose=False,
                                    external_data=size >= ONNX_INLINE_LIMIT,
                                    input_names=[ONNX_INPUT], output_names=[ONNX_OUTPUT],
                                    dynamic_shapes={"x": {0: torch.export.Dim("batch")}})
    return int(program.model.opset_imports[""])


@contextlib.contextmanager
def _quiet_onnx_exporter() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in _ONNX_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"`isinstance\(treespec, LeafSpec\)` is deprecated",
                                    category=FutureWarning)
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
