"""Devices: torch devices by name (`auto`, `cpu`, `cuda`, `cuda:1`), their hardware names, and torch's CPU thread
count. Training, latency measurement and the search all read device names through here; torch is imported inside
the functions, so importing this module stays free of it."""

from __future__ import annotations

import platform
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from nasbox.errors import NasboxError

if TYPE_CHECKING:
    import torch

_NAME = re.compile(r"(cpu|cuda)(?::(\d+))?\Z")


def resolve_device(name: str) -> torch.device:
    """The torch device for `name`; an unknown name, or CUDA on a machine without a usable GPU, is a NasboxError."""
    import torch

    match = _NAME.match(name.strip().lower()) if isinstance(name, str) else None
    if match is None:
        raise NasboxError(f"unknown device {name!r}; use --device cpu, cuda or cuda:N")
    kind, index = match.group(1), match.group(2)
    if kind == "cpu":
        if index is not None:
            raise NasboxError(f"unknown device {name!r}; the CPU has no index, use --device cpu")
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise NasboxError(f"device {name!r} needs a GPU but torch {torch.__version__} sees none "
                          "(torch.cuda.is_available() is False); use --device cpu, or run on a GPU machine with a "
                          "CUDA build of torch")
    count = torch.cuda.device_count()
    if index is not None and int(index) >= count:
        raise NasboxError(f"device {name!r} does not exist: torch sees {count} GPU(s), cuda:0 to cuda:{count - 1}; "
                          "choose one of them")
    return torch.device("cuda", int(index) if index is not None else torch.cuda.current_device())


def select_device(name: str = "auto") -> torch.device:
    """'auto' is CUDA when present, else the CPU; other names as `resolve_device` reads them (an unknown device, or
    CUDA without a GPU, is a one-line error)."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return resolve_device(name)


def device_name(device: torch.device) -> str:
    """The hardware behind `device`: the GPU's name, or the CPU's model name."""
    if device.type == "cuda":
        import torch

        return torch.cuda.get_device_name(device)
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def check_threads(threads: int | None) -> None:
    """Refuse a thread count below 1 (None keeps torch's own)."""
    if threads is not None and threads < 1:
        raise NasboxError(f"--threads: {threads} is not a positive thread count; give --threads 1 or more")


@contextmanager
def torch_threads(threads: int | None) -> Iterator[int]:
    """Run the body with torch's intra-op thread count set to `threads` (None: unchanged); yields the count."""
    import torch

    check_threads(threads)
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
