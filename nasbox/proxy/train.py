"""Train a proxy network and score it: a few epochs of SGD or AdamW under a cosine schedule, seeded.

On CUDA the loop uses mixed precision and channels_last; on the CPU it runs in float32 with the thread count the
caller set. The loop keeps the loss on the device and syncs once per epoch, so it costs what a bare PyTorch loop
costs (`experiments/bench/proxy_overhead.py` measures the ratio).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from nasbox.arch.spec import ArchSpec
from nasbox.arch.transform import proxy_spec, relax_strides, with_batch_norm
from nasbox.build import build
from nasbox.cost import cost
from nasbox.proxy.config import ProxyConfig
from nasbox.proxy.data import HeldOut, ProxyData

EVAL_BATCH = 512


class TrialFailed(Exception):
    """A proxy that could not be scored: it diverged or ran out of memory. The message is the recorded reason."""


@dataclass(frozen=True)
class ProxyResult:
    """The proxy's final validation accuracy and its per-epoch curve; `state` is the trained proxy's state_dict
    (on the CPU) when `evaluate` was asked to keep it."""

    accuracy: float
    curve: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    proxy_macs: int = 0
    proxy_params: int = 0
    state: dict[str, torch.Tensor] | None = None


def make_proxy(spec: ArchSpec, config: ProxyConfig, data: ProxyData) -> ArchSpec:
    """The spec trained in place of `spec`: scaled widths, the data's resolution, channels and classes, and batch
    norm after every conv unless the recipe trains the network's normalisation as designed, and the first
    `relax_strides` downsampling layers at stride 1."""
    proxy = proxy_spec(spec, config.width_mult, data.resolution, data.num_classes, data.channels)
    if config.relax_strides:
        proxy = relax_strides(proxy, config.relax_strides)
    return with_batch_norm(proxy) if config.batch_norm == "added" else proxy


def evaluate(spec: ArchSpec, config: ProxyConfig, data: ProxyData, *, seed: int = 0,
             on_epoch: Callable[[dict[str, float]], None] | None = None, keep_state: bool = False) -> ProxyResult:
    """Train the proxy of target `spec` on `data` and return its validation accuracy (and, with `keep_state`, its
    trained weights); raises TrialFailed when the loss stops being finite or memory runs out."""
    try:
        return _evaluate(spec, config, data, seed, on_epoch, keep_state)
    except (torch.OutOfMemoryError, MemoryError) as exc:
        if data.train_images.is_cuda:
            torch.cuda.empty_cache()
        raise TrialFailed(f"out of memory: {str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__}") \
            from None


def _evaluate(spec: ArchSpec, config: ProxyConfig, data: ProxyData, seed: int,
              on_epoch: Callable[[dict[str, float]], None] | None, keep_state: bool) -> ProxyResult:
    started = time.perf_counter()
    proxy = make_proxy(spec, config, data)
    figures = cost(proxy)
    device = data.train_images.device
    torch.manual_seed(seed)
    model = build(proxy).to(device)
    cuda = device.type == "cuda"
    if cuda:
        model = model.to(memory_format=torch.channels_last)
    trainer = ProxyTrainer(model, config, data, seed)
    curve = []
    for epoch in range(1, config.epochs + 1):
        train_loss = trainer.train_epoch()
        if not math.isfinite(train_loss):
            raise TrialFailed(f"diverged: the training loss became {train_loss} in epoch {epoch}")
        accuracy = accuracy_of(model, data.val_images, data.val_labels)
        point = {"epoch": epoch, "train_loss": train_loss, "val_accuracy": accuracy,
                 "seconds": time.perf_counter() - started}
        curve.append(point)
        if on_epoch is not None:
            on_epoch(point)
    state = cpu_state(model) if keep_state else None
    return ProxyResult(accuracy=curve[-1]["val_accuracy"], curve=curve, seconds=time.perf_counter() - started,
                       proxy_macs=figures.macs, proxy_params=figures.params, state=state)


def held_out_accuracy(spec: ArchSpec, config: ProxyConfig, data: ProxyData, held_out: HeldOut,
                      state: dict[str, torch.Tensor]) -> float:
    """Test accuracy of the proxy of `spec` with the trained weights `state`, on the held-out part of the split."""
    model = build(make_proxy(spec, config, data))
    model.load_state_dict(state)
    return accuracy_of(model.to(held_out.images.device), held_out.images, held_out.labels)


def cpu_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """A copy of `model`'s state_dict on the CPU in the default memory layout, apart from the live model."""
    return {name: tensor.detach().to("cpu", memory_format=torch.contiguous_format, copy=True)
            for name, tensor in model.state_dict().items()}


class ProxyTrainer:
    """One model's optimiser, schedule and shuffling; `train_epoch` runs one pass over the training split."""

    def __init__(self, model: nn.Module, config: ProxyConfig, data: ProxyData, seed: int) -> None:
        self.model, self.data = model, data
        count = len(data.train_labels)
        self.batch_size = min(config.batch_size, count)
        self.batches = count // self.batch_size
        self.optimizer = make_optimizer(model, config)
        self.schedule = make_schedule(self.optimizer, config, self.batches)
        self.clip_norm = config.clip_norm
        self.cuda = data.train_images.is_cuda
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.cuda)
        self.generator = torch.Generator(device=data.train_images.device).manual_seed(seed)

    def train_epoch(self) -> float:
        """Mean training loss of the epoch (NaN or inf when training diverged)."""
        self.model.train()
        images, labels = self.data.train_images, self.data.train_labels
        order = torch.randperm(len(labels), generator=self.generator, device=labels.device)
        total = torch.zeros((), device=labels.device)
        for start in range(0, self.batches * self.batch_size, self.batch_size):
            index = order[start:start + self.batch_size]
            with torch.autocast(labels.device.type, enabled=self.cuda):
                loss = F.cross_entropy(self.model(images[index]), labels[index])
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            if self.clip_norm is not None:
                self.scaler.unscale_(self.optimizer)
                nn.utils.clip_grad_norm_(self.model.parameters(), self.clip_norm)
            self.scaler.step(self.optimizer)
            self.scaler.update()
            self.schedule.step()
            total += loss.detach().float()
        return total.item() / self.batches


def make_schedule(optimizer: torch.optim.Optimizer, config: ProxyConfig,
                  batches: int) -> torch.optim.lr_scheduler.LRScheduler:
    """Per-step learning rates: linear warm-up from 1% of the peak over `warmup_epochs`, then cosine to zero."""
    from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR

    total = config.epochs * batches
    warmup = min(round(config.warmup_epochs * batches), total - 1)
    if warmup <= 0:
        return CosineAnnealingLR(optimizer, T_max=total)
    return SequentialLR(optimizer, [LinearLR(optimizer, start_factor=0.01, total_iters=warmup),
                                    CosineAnnealingLR(optimizer, T_max=total - warmup)], milestones=[warmup])


def make_optimizer(model: nn.Module, config: ProxyConfig) -> torch.optim.Optimizer:
    """SGD with Nesterov momentum or AdamW; no weight decay on norm scales and biases."""
    decayed = [p for p in model.parameters() if p.ndim > 1]
    plain = [p for p in model.parameters() if p.ndim <= 1]
    groups = [{"params": decayed, "weight_decay": config.decay}, {"params": plain, "weight_decay": 0.0}]
    if config.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=config.learning_rate, momentum=0.9, nesterov=True)
    return torch.optim.AdamW(groups, lr=config.learning_rate)


@torch.no_grad()
def accuracy_of(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Top-1 accuracy of `model` in eval mode."""
    model.eval()
    correct = torch.zeros((), dtype=torch.long, device=labels.device)
    for start in range(0, len(labels), EVAL_BATCH):
        with torch.autocast(labels.device.type, enabled=images.is_cuda):
            logits = model(images[start:start + EVAL_BATCH])
        correct += (logits.argmax(dim=1) == labels[start:start + EVAL_BATCH]).sum()
    return correct.item() / len(labels)
