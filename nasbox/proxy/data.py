"""A dataset made ready for proxy training: split once, resized to the proxy resolution, normalised, on the device;
the held-out test part is prepared apart from the parts that train and select."""

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


@dataclass(frozen=True)
class HeldOut:
    """The test part of the split, prepared like `ProxyData` (the training split's normalisation): kept apart from
    `ProxyData`, so nothing that trains or selects a network can see it."""

    images: torch.Tensor
    labels: torch.Tensor


def prepare_data(dataset: ImageDataset, resolution: int, *, val_fraction: float = 0.15, test_fraction: float = 0.15,
                 seed: int = 0, subset: int | None = None, device: torch.device | str = "cpu") -> ProxyData:
    """Split `dataset` (seeded, stratified; see `split_dataset`), resize the train and validation images to
    `resolution`² once, and normalise them; the test part is left out (`prepare_test`)."""
    from nasbox.data import split_dataset

    parts = split_dataset(dataset, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed, subset=subset)
    train_images, val_images = (_resize(part.images, resolution) for part in (parts.train, parts.val))
    mean = train_images.mean(dim=(0, 2, 3), keepdim=True)
    std = train_images.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-3)
    return ProxyData(
        train_images=((train_images - mean) / std).to(device),
        train_labels=parts.train.labels.to(device),
        val_images=((val_images - mean) / std).to(device),
        val_labels=parts.val.labels.to(device),
        num_classes=dataset.num_classes,
        mean=tuple(mean.flatten().tolist()),
        std=tuple(std.flatten().tolist()),
    )


def prepare_test(dataset: ImageDataset, data: ProxyData, *, val_fraction: float = 0.15, test_fraction: float = 0.15,
                 seed: int = 0, subset: int | None = None) -> HeldOut:
    """The test part of the split `prepare_data` made with the same arguments, at `data`'s resolution,
    normalisation and device; an error when the split has no test part."""
    from nasbox.data import split_dataset
    from nasbox.errors import NasboxError

    test = split_dataset(dataset, val_fraction=val_fraction, test_fraction=test_fraction, seed=seed,
                         subset=subset).test
    if len(test) == 0:
        raise NasboxError("this split holds no test images (--test-fraction 0); give a --test-fraction above 0")
    images = _resize(test.images, data.resolution)
    mean = torch.tensor(data.mean).view(1, -1, 1, 1)
    std = torch.tensor(data.std).view(1, -1, 1, 1)
    device = data.train_images.device
    return HeldOut(images=((images - mean) / std).to(device), labels=test.labels.to(device))


def _resize(images: torch.Tensor, resolution: int) -> torch.Tensor:
    scaled = images.float().div_(255.0)
    if scaled.shape[-2:] == (resolution, resolution):
        return scaled.contiguous()
    return F.interpolate(scaled, size=(resolution, resolution), mode="bilinear", antialias=True,
                         align_corners=False).contiguous()
