"""Shared checks: what a built module really does, measured with torch, to hold the analytic figures against."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import nasbox
from nasbox.arch import ArchSpec


@dataclasses.dataclass(frozen=True)
class Measured:
    macs: int
    params: int
    output_shape: tuple[int, ...]


def measure(spec: ArchSpec, input_shape: tuple[int, ...] | None = None) -> Measured:
    """Build `spec`, run one eval forward pass at batch 1 and count MACs (FlopCounterMode / 2) and params."""
    torch.manual_seed(0)
    module = nasbox.build(spec, input_shape).eval()
    x = torch.randn(1, *(input_shape or spec.input))
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        y = module(x)
    assert torch.isfinite(y).all()
    params = sum(p.numel() for p in module.parameters())
    return Measured(counter.get_total_flops() // 2, params, tuple(y.shape[1:]))


@pytest.fixture(autouse=True)
def _single_thread() -> None:
    torch.set_num_threads(1)
