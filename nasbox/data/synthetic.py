"""A tiny learnable dataset for unit tests, so they need no download and run in milliseconds."""

from __future__ import annotations

import torch

from nasbox.data.dataset import ImageDataset


def synthetic_dataset(n: int, num_classes: int, shape: tuple[int, int, int], seed: int = 0) -> ImageDataset:
    """For unit tests only: `n` uint8 images of `shape` (C, H, W), each its class's fixed random pattern plus noise.

    Classes are balanced (sizes differ by at most one) and the same `seed` gives the same dataset,
    so a small network can learn it in a few steps.
    """
    if n < 1 or num_classes < 1 or len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"need n ≥ 1, num_classes ≥ 1 and a (C, H, W) shape, got {n}, {num_classes}, {shape}")
    generator = torch.Generator().manual_seed(seed)
    patterns = torch.randint(0, 256, (num_classes, *shape), generator=generator).float()
    labels = (torch.arange(n) % num_classes)[torch.randperm(n, generator=generator)]
    noise = torch.randn((n, *shape), generator=generator) * 24
    images = (patterns[labels] + noise).round().clamp(0, 255).to(torch.uint8)
    return ImageDataset("synthetic", images, labels, tuple(f"class{k}" for k in range(num_classes)))
