"""Image datasets for proxy training: built-in digit sets, CIFAR-10, MNIST IDX files and image folders."""

from __future__ import annotations

from nasbox.data.dataset import ImageDataset
from nasbox.data.registry import DEFAULT_DATASET, dataset_names, load_dataset
from nasbox.data.split import split_dataset
from nasbox.data.synthetic import synthetic_dataset

__all__ = ["DEFAULT_DATASET", "ImageDataset", "dataset_names", "load_dataset", "split_dataset", "synthetic_dataset"]
