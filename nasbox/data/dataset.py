"""The in-memory image dataset every loader returns and the proxy trainer consumes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch


@dataclass(frozen=True, eq=False)
class ImageDataset:
    """Images in memory as one uint8 tensor, with integer labels.

    `images` is uint8 N×C×H×W (made contiguous), `labels` int64 of length N with values in
    [0, num_classes), `classes` the class names, indexed by label, and `files` the files the images were read
    from (a run records their content hashes). A malformed dataset is a programming error, so it raises ValueError
    rather than NasboxError.
    """

    name: str
    images: torch.Tensor
    labels: torch.Tensor
    classes: tuple[str, ...]
    files: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        if self.images.dtype != torch.uint8 or self.images.dim() != 4:
            raise ValueError(f"images must be a uint8 N×C×H×W tensor, "
                             f"got {self.images.dtype} {tuple(self.images.shape)}")
        if self.labels.dtype != torch.int64 or self.labels.shape != (self.images.shape[0],):
            raise ValueError(f"labels must be an int64 tensor of length {self.images.shape[0]}, "
                             f"got {self.labels.dtype} {tuple(self.labels.shape)}")
        if not self.classes:
            raise ValueError("a dataset needs at least one class")
        if len(self.labels) and (int(self.labels.min()) < 0 or int(self.labels.max()) >= len(self.classes)):
            raise ValueError(f"labels must lie in [0, {len(self.classes)})")
        object.__setattr__(self, "images", self.images.contiguous())
        object.__setattr__(self, "labels", self.labels.contiguous())
        object.__setattr__(self, "classes", tuple(self.classes))
        object.__setattr__(self, "files", tuple(Path(f) for f in self.files))

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def channels(self) -> int:
        return self.images.shape[1]

    @property
    def image_size(self) -> tuple[int, int]:
        """(height, width) of every image."""
        return self.images.shape[2], self.images.shape[3]

    def __len__(self) -> int:
        return self.images.shape[0]

    def select(self, indices: torch.Tensor) -> ImageDataset:
        """The images at `indices` (a 1-D integer tensor), in that order, with the same classes."""
        indices = torch.as_tensor(indices, dtype=torch.int64)
        return ImageDataset(self.name, self.images[indices], self.labels[indices], self.classes, self.files)


def digit_classes() -> tuple[str, ...]:
    """The class names "0".."9" of the digit datasets."""
    return tuple(str(digit) for digit in range(10))
