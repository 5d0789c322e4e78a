"""CIFAR-10 from its standard python-format folder, unpickled with only the classes those files need, or (handed
over to cifar_jpeg) from its JPEG files in a folder or a .zip."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nasbox.data.cifar_jpeg import ARCHIVE, LAYOUT, jpeg_tree, load_cifar10_jpeg
from nasbox.data.dataset import ImageDataset
from nasbox.errors import NasboxError

try:
    from numpy._core.multiarray import _reconstruct
except ImportError:  # numpy < 2
    from numpy.core.multiarray import _reconstruct

FOLDER = "cifar-10-batches-py"
BATCHES = (*(f"data_batch_{k}" for k in range(1, 6)), "test_batch")
META = "batches.meta"
EXPECTED = f"{FOLDER}/ with data_batch_1..data_batch_5, test_batch and {META} (extract cifar-10-python.tar.gz)"

# Everything the real files reference: a numpy uint8 array rebuilt from its bytes (Python 2, protocol 2).
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class _CifarUnpickler(pickle.Unpickler):
    """Unpickles a CIFAR batch, refusing every global other than numpy array reconstruction."""

    def __init__(self, stream: Any, path: Path) -> None:
        super().__init__(stream, encoding="bytes")
        self.path = path

    def find_class(self, module: str, name: str) -> Any:
        allowed = _ALLOWED.get((module, name))
        if allowed is None:
            raise NasboxError(f"{self.path}: refusing to unpickle {module}.{name}, which CIFAR-10 files never contain; "
                              "use an untampered cifar-10-python.tar.gz")
        return allowed


def _unpickle(path: Path) -> dict:
    """The dict pickled in `path`, with a NasboxError naming the file when it is not a CIFAR pickle."""
    try:
        with path.open("rb") as stream:
            content = _CifarUnpickler(stream, path).load()
    except NasboxError:
        raise
    except Exception as exc:  # any failure of a corrupt pickle: UnpicklingError, EOFError, ValueError, ...
        raise NasboxError(f"{path}: not a readable CIFAR-10 python batch ({exc.__class__.__name__}); "
                          "re-extract cifar-10-python.tar.gz") from None
    if not isinstance(content, dict):
        raise NasboxError(f"{path}: holds a {type(content).__name__}, not a CIFAR-10 batch dict; "
                          "re-extract cifar-10-python.tar.gz")
    return content


def _field(content: dict, key: str, path: Path) -> Any:
    """`content[key]`, as bytes (the Python 2 files) or str, or a NasboxError naming the missing key."""
    for candidate in (key.encode(), key):
        if candidate in content:
            return content[candidate]
    raise NasboxError(f"{path}: has no '{key}' entry, so it is not a CIFAR-10 python batch; "
                      "re-extract cifar-10-python.tar.gz")


def _read_batch(path: Path, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """The N×3072 uint8 pixels and the N labels of one batch file."""
    content = _unpickle(path)
    data = _field(content, "data", path)
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise NasboxError(f"{path}: 'data' is not an N×3072 uint8 array; re-extract cifar-10-python.tar.gz")
    try:
        labels = np.asarray(_field(content, "labels", path), dtype=np.int64)
    except (TypeError, ValueError):
        labels = np.empty(0)
    if labels.shape != (data.shape[0],) or (labels.size and (labels.min() < 0 or labels.max() >= num_classes)):
        raise NasboxError(f"{path}: 'labels' is not a list of {data.shape[0]} integers in [0, {num_classes}); "
                          "re-extract cifar-10-python.tar.gz")
    return data, labels


def _read_classes(path: Path) -> tuple[str, ...]:
    names = _field(_unpickle(path), "label_names", path)
    if not isinstance(names, list) or not names or not all(isinstance(n, (bytes, str)) for n in names):
        raise NasboxError(f"{path}: 'label_names' is not a list of names; re-extract cifar-10-python.tar.gz")
    return tuple(n.decode("utf-8", "replace") if isinstance(n, bytes) else n for n in names)


def _batches_folder(data_dir: Path) -> Path | None:
    """`data_dir` itself or its cifar-10-batches-py subfolder, whichever holds the batch files; None when neither
    holds any."""
    folder = data_dir / FOLDER if (data_dir / FOLDER).is_dir() else data_dir
    missing = [name for name in (*BATCHES, META) if not (folder / name).is_file()]
    if len(missing) == len(BATCHES) + 1:
        return None
    if missing:
        raise NasboxError(f"--data-dir {folder}: missing {', '.join(missing)}; give the folder holding {EXPECTED}")
    return folder


def _jpeg_source(data_dir: Path) -> Path | None:
    """What cifar_jpeg reads for `data_dir`: the zip itself, the folder with (or just above) the JPEG tree, or the
    folder's cifar10-jpeg.zip; None when it holds none of them."""
    if data_dir.is_file() or jpeg_tree(data_dir) is not None:
        return data_dir
    return data_dir / ARCHIVE if (data_dir / ARCHIVE).is_file() else None


def load_cifar10(data_dir: Path) -> ImageDataset:
    """All 60,000 CIFAR-10 images (the five training batches, then the test batch), 3×32×32 RGB; `data_dir` may
    also be a folder or .zip of JPEGs (see `_jpeg_source`), read when there are no python-format files."""
    folder = None if data_dir.is_file() else _batches_folder(data_dir)
    if folder is None:
        source = _jpeg_source(data_dir)
        if source is None:
            raise NasboxError(f"--data-dir {data_dir}: no CIFAR-10 files; give the folder holding {EXPECTED}, "
                              f"or a folder or .zip with {LAYOUT}")
        return load_cifar10_jpeg(source)
    classes = _read_classes(folder / META)
    batches = [_read_batch(folder / name, len(classes)) for name in BATCHES]
    pixels = np.concatenate([data for data, _ in batches])
    labels = np.concatenate([batch_labels for _, batch_labels in batches])
    images = torch.from_numpy(pixels.reshape(-1, 3, 32, 32))
    return ImageDataset("cifar10", images, torch.from_numpy(labels), classes,
                        tuple(folder / name for name in (META, *BATCHES)))
