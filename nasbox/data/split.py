"""The fixed, seeded, stratified train / validation / test split: every candidate trains on the first, is
selected on the second, and only front members and baselines are ever scored on the third."""

from __future__ import annotations

from typing import Any, NamedTuple

import torch

from nasbox.data.dataset import ImageDataset
from nasbox.errors import NasboxError
from nasbox.shares import check_fractions


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


class Split(NamedTuple):
    """Sorted indices (or the images) of the three parts: trained on, scored for selection, held out."""

    train: Any
    val: Any
    test: Any


def split_indices(labels: torch.Tensor, num_classes: int, *, val_fraction: float, test_fraction: float = 0.0,
                  seed: int, subset: int | None) -> Split:
    """Sorted train, validation and test indices into `labels`: per class, a seeded permutation whose first
    `test_fraction` is the test part and next `val_fraction` the validation part (so the test part does not move
    when only the validation fraction changes)."""
    generator = torch.Generator().manual_seed(seed)
    members = [torch.nonzero(labels == k).flatten() for k in range(num_classes)]
    members = [m[torch.randperm(len(m), generator=generator)] for m in members]
    keep = _per_class_counts([len(m) for m in members], subset) if subset is not None else [len(m) for m in members]
    train, val, test = [], [], []
    for chosen, count in zip(members, keep, strict=True):
        n_test, n_val = _part_sizes(count, val_fraction, test_fraction)
        test.append(chosen[:n_test])
        val.append(chosen[n_test:n_test + n_val])
        train.append(chosen[n_test + n_val:count])
    return Split(*(torch.cat(part).sort().values for part in (train, val, test)))


def _part_sizes(count: int, val_fraction: float, test_fraction: float) -> tuple[int, int]:
    """Test and validation images of a class of `count`: rounded shares, with every part that has a share seeing
    the class when it has images enough (one for training first, then validation, then test)."""
    n_test, n_val = int(test_fraction * count + 0.5), int(val_fraction * count + 0.5)
    if count >= 2:
        n_val = min(max(n_val, 1), count - 1)
    if test_fraction > 0 and count >= 3:
        n_test = min(max(n_test, 1), count - 1 - n_val)
    else:
        n_test = min(n_test, max(count - 1 - n_val, 0))
    return n_test, n_val


def split_dataset(dataset: ImageDataset, *, val_fraction: float = 0.15, test_fraction: float = 0.15, seed: int = 0,
                  subset: int | None = None) -> Split:
    """The (train, validation, test) parts of `dataset`, stratified by class and the same on every machine for a
    seed (see `split_indices`).

    `subset`, if given, first keeps that many images in all (as equal per class as possible),
    then the split applies to those. Every part keeps the dataset's order and classes.
    """
    check_fractions(val_fraction, test_fraction)
    if subset is not None:
        per_class = 3 if test_fraction > 0 else 2
        low, high = per_class * dataset.num_classes, len(dataset)
        if isinstance(subset, bool) or not isinstance(subset, int) or not low <= subset <= high:
            raise NasboxError(f"--subset {subset!r}: must be an integer from {low} ({per_class} per class) to {high} "
                              f"(all of dataset '{dataset.name}'); pick a size in that range or drop --subset")
    parts = split_indices(dataset.labels, dataset.num_classes, val_fraction=val_fraction,
                          test_fraction=test_fraction, seed=seed, subset=subset)
    return Split(*(dataset.select(part) for part in parts))
