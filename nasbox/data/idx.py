"""MNIST-style IDX files (MNIST, Fashion-MNIST, KMNIST), plain or gzipped."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import torch

from nasbox.data.dataset import ImageDataset
from nasbox.errors import NasboxError

IMAGES_MAGIC = 2051  # unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # unsigned bytes, 1 dimension
PARTS = ("train", "t10k")
EXPECTED = ("train-images-idx3-ubyte and train-labels-idx1-ubyte, optionally t10k-images-idx3-ubyte and "
            "t10k-labels-idx1-ubyte, each possibly .gz")


def _find(data_dir: Path, stem: str) -> Path | None:
    """`stem` in `data_dir`, plain or .gz, also under the dotted name some mirrors use (train-images.idx3-ubyte)."""
    for name in (stem, stem.replace("-idx", ".idx")):
        for suffix in ("", ".gz"):
            path = data_dir / f"{name}{suffix}"
            if path.is_file():
                return path
    return None


def read_idx(path: Path, magic: int) -> np.ndarray:
    """The uint8 array in the IDX file `path`, after checking its magic number and that its size matches."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        raise NasboxError(f"{path}: cannot read it ({exc.__class__.__name__}); download the file again") from None
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    found = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
    if found != magic:
        raise NasboxError(f"{path}: magic number {found}, expected {magic}; give an uncorrupted MNIST IDX file")
    if len(raw) < header:
        raise NasboxError(f"{path}: truncated header; download the file again")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    if len(raw) - header != int(np.prod(shape)):
        raise NasboxError(f"{path}: {len(raw) - header} data bytes for shape {'×'.join(map(str, shape))} "
                          f"(expected {int(np.prod(shape))}); the file is truncated or corrupt, download it again")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _read_part(data_dir: Path, part: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The images and labels of `part` ("train" or "t10k"), or None when neither file is there."""
    images_path = _find(data_dir, f"{part}-images-idx3-ubyte")
    labels_path = _find(data_dir, f"{part}-labels-idx1-ubyte")
    if images_path is None and labels_path is None:
        return None
    if images_path is None or labels_path is None:
        missing = f"{part}-images-idx3-ubyte" if images_path is None else f"{part}-labels-idx1-ubyte"
        raise NasboxError(f"--data-dir {data_dir}: has {part} {'labels' if images_path is None else 'images'} "
                          f"but no {missing}[.gz]; add it or remove its partner")
    images, labels = read_idx(images_path, IMAGES_MAGIC), read_idx(labels_path, LABELS_MAGIC)
    if len(images) != len(labels):
        raise NasboxError(f"{images_path}: {len(images)} images but {labels_path.name} has {len(labels)} labels; "
                          "use files from the same download")
    return images, labels


def load_mnist(data_dir: Path) -> ImageDataset:
    """The train and (if present) t10k IDX files of `data_dir`, concatenated, as 1×H×W images."""
    parts = [part for part in (_read_part(data_dir, name) for name in PARTS) if part is not None]
    if not parts or _find(data_dir, "train-images-idx3-ubyte") is None:
        raise NasboxError(f"--data-dir {data_dir}: no MNIST training files; give the folder holding {EXPECTED}")
    if len({images.shape[1:] for images, _ in parts}) > 1:
        raise NasboxError(f"--data-dir {data_dir}: train and t10k images differ in size; use files from one dataset")
    images = np.concatenate([images for images, _ in parts])[:, None]
    labels = np.concatenate([labels for _, labels in parts]).astype(np.int64)
    classes = tuple(str(k) for k in range(max(10, int(labels.max(initial=0)) + 1)))
    files = [path for part in PARTS for kind in ("images-idx3", "labels-idx1")
             if (path := _find(data_dir, f"{part}-{kind}-ubyte")) is not None]
    return ImageDataset("mnist", torch.from_numpy(images), torch.from_numpy(labels), classes, tuple(files))
