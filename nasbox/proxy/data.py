"""A dataset made ready for proxy training: split once, resized to the proxy resolution, normalised, on the device."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

if TYPE_CHECKING:
    from nasbox.data import ImageDataset


@dataclass(frozen=True)
class ProxyData:
    """Float tensors at the proxy's resolution, normalised with the training split's per-channel `mean` and `std`
    (of pixels scaled to [0, 1]; a trained proxy expects its inputs normalised the same way)."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    val_images: torch.Tensor
    val_labels: torch.Tensor
    num_classes: int
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()

    @property
    def channels(self) -> int:
        return self.train_images.shape[1]

    @property
    def resolution(self) -> int:
        return self.train_images.shape[-1]


def prepare_data(dataset: ImageDataset, resolution: int, *, val_fraction: float = 0.2, seed: int = 0,
                 subset: int | None = None, device: torch.device | str = "cpu") -> ProxyData:
    """Split `dataset` (seeded, stratified), resize every image to `resolution`² once, and normalise."""
    from nasbox.data import split_dataset

    train, val = split_dataset(dataset, val_fraction=val_fraction, seed=seed, subset=subset)
    train_images, val_images = (_resize(part.images, resolution) for part in (train, val))
    mean = train_images.mean(dim=(0, 2, 3), keepdim=True)
    std = train_images.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-3)
    return ProxyData(
        train_images=((train_images - mean) / std).to(device),
        train_labels=train.labels.to(device),
        val_images=((val_images - mean) / std).to(device),
        val_labels=val.labels.to(device),
        num_classes=dataset.num_classes,
        mean=tuple(mean.flatten().tolist()),
        std=tuple(std.flatten().tolist()),
    )


def _resize(images: torch.Tensor, resolution: int) -> torch.Tensor:
    scaled = images.float().div_(255.0)
    if scaled.shape[-2:] == (resolution, resolution):
        return scaled.contiguous()
    return F.interpolate(scaled, size=(resolution, resolution), mode="bilinear", antialias=True,
                         align_corners=False).contiguous()
