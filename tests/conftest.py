"""Shared checks: what a built module really does, measured with torch, to hold the analytic figures against."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import nasbox
from nasbox.arch import ArchSpec
from tests.test_cli import nasbox_cli
from tests.test_latency import TINY_SPACE


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


@pytest.fixture(scope="session")
def tiny_space_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny latency space (every kind of table entry) as a file, for the commands that take a path."""
    path = tmp_path_factory.mktemp("space") / "tiny_latency.yaml"
    path.write_text(TINY_SPACE)
    return path


@pytest.fixture(scope="session")
def tiny_table_file(tiny_space_file: Path) -> Path:
    """A latency table of the tiny space, built once through `nasbox latency-table` and shared by the tests."""
    path = tiny_space_file.parent / "table.json"
    result = nasbox_cli("latency-table", "--space", str(tiny_space_file), "--device", "cpu", "--threads", "1",
                        "--samples", "30", "--fit-networks", "3", "-o", str(path))
    assert result.returncode == 0, result.stderr
    assert f"{path}: " in result.stdout and "entries of space 'tiny_latency' on cpu" in result.stdout
    return path
