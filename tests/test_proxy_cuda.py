"""The proxy trainer's CUDA path: mixed precision, channels_last, proxies that learn on the GPU, and several
proxies training at once on one GPU in parallel processes. Marked `cuda`; skipped without a GPU
(`experiments/bench/gpu_check.sh` runs them on a GPU machine)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from nasbox.build import build
from nasbox.data import ImageDataset, synthetic_dataset
from nasbox.proxy import ProxyData, evaluate, held_out_accuracy, prepare_data, prepare_test
from nasbox.proxy import train as proxy_train
from nasbox.proxy.train import ProxyTrainer, make_proxy
from tests.test_proxy import CLASSES, quick_config, tiny_spec
from tests.test_search_records import nasbox_cli

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU (torch.cuda.is_available())")]


@pytest.fixture(scope="module")
def dataset() -> ImageDataset:
    return synthetic_dataset(400, CLASSES, (1, 16, 16))


@pytest.fixture(scope="module")
def data(dataset: ImageDataset) -> ProxyData:
    return prepare_data(dataset, resolution=16, device="cuda")


def test_training_on_cuda_runs_under_mixed_precision_with_a_grad_scaler(data: ProxyData) -> None:
    config = quick_config()
    model = build(make_proxy(tiny_spec(), config, data)).cuda().to(memory_format=torch.channels_last)
    trainer = ProxyTrainer(model, config, data, seed=0)
    seen: list[torch.dtype] = []
    conv = next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d))
    conv.register_forward_hook(lambda _module, _inputs, output: seen.append(output.dtype))
    loss = trainer.train_epoch()
    assert trainer.scaler.is_enabled() and seen and set(seen) == {torch.float16}
    assert math.isfinite(loss)  # the scaler kept float16 gradients from overflowing


def test_evaluate_trains_a_channels_last_model_on_cuda(data: ProxyData, monkeypatch: pytest.MonkeyPatch) -> None:
    models: list[torch.nn.Module] = []

    class Recording(ProxyTrainer):
        def __init__(self, model: torch.nn.Module, *args: object) -> None:
            models.append(model)
            super().__init__(model, *args)

    monkeypatch.setattr(proxy_train, "ProxyTrainer", Recording)
    result = evaluate(tiny_spec(), quick_config(epochs=1), data, keep_state=True)
    [model] = models
    weights = [m.weight for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert weights and all(w.is_cuda and w.is_contiguous(memory_format=torch.channels_last) for w in weights)
    assert all(not t.is_cuda and t.is_contiguous() for t in result.state.values())  # kept weights: CPU, plain


def test_a_proxy_trained_on_cuda_learns_well_above_chance(dataset: ImageDataset, data: ProxyData) -> None:
    result = evaluate(tiny_spec(), quick_config(), data, seed=0, keep_state=True)
    held_out = prepare_test(dataset, data)
    assert held_out.images.is_cuda
    assert result.accuracy >= 0.6  # chance is 1 / CLASSES = 0.25
    assert held_out_accuracy(tiny_spec(), quick_config(), data, held_out, result.state) >= 0.6


def test_several_proxies_train_at_once_on_one_gpu_in_parallel_processes(tmp_path: Path) -> None:
    folder = tmp_path / "fidelity"
    result = nasbox_cli("fidelity", "--space", "inception_resnet", "--budget-macs", "600M", "--subset", "600",
                        "--epochs", "1", "--reference-epochs", "2", "-n", "4", "--device", "cuda", "--jobs", "3",
                        "--dir", str(folder), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    records = [json.loads(p.read_text()) for p in (folder / "records").glob("*.json")]
    assert len(records) == 12 and report["trained"] == 12
    assert all("test_accuracy" in r and "failed" not in r for r in records), records
