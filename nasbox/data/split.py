"""The fixed, seeded, stratified train/validation split that every candidate architecture is scored on."""

from __future__ import annotations

import torch

from nasbox.data.dataset import ImageDataset
from nasbox.errors import NasboxError


def _per_class_counts(sizes: list[int], total: int) -> list[int]:
    """How many of each class to keep so they sum to `total` and are as equal as the class sizes allow.

    Smallest classes are filled first; what they cannot take goes to the larger ones.
    """
    counts = [0] * len(sizes)
    remaining = total
    order = sorted(range(len(sizes)), key=lambda k: (sizes[k], k))
    for position, k in enumerate(order):
        counts[k] = min(sizes[k], remaining // (len(sizes) - position))
        remaining -= counts[k]
    return counts


def split_indices(labels: torch.Tensor, num_classes: int, *, val_fraction: float, seed: int,
                  subset: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Sorted train and validation indices into `labels`: per class, a seeded permutation, cut by `val_fraction`."""
    generator = torch.Generator().manual_seed(seed)
    members = [torch.nonzero(labels == k).flatten() for k in range(num_classes)]
    members = [m[torch.randperm(len(m), generator=generator)] for m in members]
    keep = _per_class_counts([len(m) for m in members], subset) if subset is not None else [len(m) for m in members]
    train, val = [], []
    for chosen, count in zip(members, keep, strict=True):
        n_val = int(val_fraction * count + 0.5)
        if count >= 2:
            n_val = min(max(n_val, 1), count - 1)  # both parts see every class that has two images
        val.append(chosen[:n_val])
        train.append(chosen[n_val:count])
    return torch.cat(train).sort().values, torch.cat(val).sort().values


def split_dataset(dataset: ImageDataset, *, val_fraction: float = 0.2, seed: int = 0,
                  subset: int | None = None) -> tuple[ImageDataset, ImageDataset]:
    """The (train, validation) parts of `dataset`, stratified by class and the same on every machine for a seed.

    `subset`, if given, first keeps that many images in all (as equal per class as possible),
    then the split applies to those. Both parts keep the dataset's order and classes.
    """
    if not 0 < val_fraction < 1:
        raise NasboxError(f"validation fraction must be between 0 and 1 (exclusive), got {val_fraction}; use e.g. 0.2")
    if subset is not None:
        low, high = 2 * dataset.num_classes, len(dataset)
        if isinstance(subset, bool) or not isinstance(subset, int) or not low <= subset <= high:
            raise NasboxError(f"--subset {subset!r}: must be an integer from {low} (2 per class) to {high} "
                              f"(all of dataset '{dataset.name}'); pick a size in that range or drop --subset")
    train, val = split_indices(dataset.labels, dataset.num_classes, val_fraction=val_fraction, seed=seed,
                               subset=subset)
    return dataset.select(train), dataset.select(val)
