"""Devices by name, their hardware names, and torch's CPU thread count."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from nasbox import NasboxError
from nasbox.devices import check_threads, device_name, resolve_device, select_device, torch_threads


def test_resolve_device_knows_cpu_and_refuses_unknown_names_in_one_line() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    for name in ("tpu", "cpu:1", "gpu"):
        with pytest.raises(NasboxError, match="use --device cpu") as error:
            resolve_device(name)
        assert "\n" not in str(error.value)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_one_clear_error() -> None:
    for name in ("cuda", "cuda:1"):
        with pytest.raises(NasboxError, match=r"needs a GPU but torch .* sees none"):
            resolve_device(name)


def test_auto_selects_cuda_only_when_torch_sees_a_gpu() -> None:
    assert select_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert select_device("cpu") == torch.device("cpu")
    with pytest.raises(NasboxError, match="unknown device 'tpu'"):
        select_device("tpu")


def test_the_cpu_has_a_hardware_name() -> None:
    assert device_name(torch.device("cpu")).strip()


def test_torch_threads_sets_the_count_for_the_body_and_restores_it() -> None:
    torch.set_num_threads(2)
    try:
        with torch_threads(1) as used:
            assert used == torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        with torch_threads(None) as kept:
            assert kept == 2
        with pytest.raises(RuntimeError), torch_threads(1):
            raise RuntimeError("the body fails")
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(1)


def test_a_thread_count_below_one_is_refused_in_one_line() -> None:
    check_threads(None)
    check_threads(1)
    with pytest.raises(NasboxError, match=r"^--threads: 0 is not a positive thread count; give --threads 1 or more$"):
        check_threads(0)


def test_importing_devices_does_not_import_torch() -> None:
    code = "import sys, nasbox.devices; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
