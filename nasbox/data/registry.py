"""Dataset names and `load_dataset`, which checks --dataset and --data-dir before handing over to a loader."""

from __future__ import annotations

import zipfile
from pathlib import Path

from nasbox.data.builtin import load_digits, load_mnist5k
from nasbox.data.cifar import load_cifar10
from nasbox.data.cifar_jpeg import ARCHIVE as CIFAR10_ZIP
from nasbox.data.dataset import ImageDataset
from nasbox.data.idx import load_mnist
from nasbox.data.imagefolder import load_image_folder
from nasbox.errors import NasboxError

DEFAULT_DATASET = "mnist5k"
BUILT_IN = {"mnist5k": load_mnist5k, "digits": load_digits}
FROM_FOLDER = {"cifar10": load_cifar10, "mnist": load_mnist}
NEEDS_FOLDER = (*FROM_FOLDER, "imagefolder")
FROM_ZIP = {"cifar10": CIFAR10_ZIP}  # datasets whose --data-dir may also be a zip file, and its usual name


def dataset_names() -> list[str]:
    """Every name `load_dataset` accepts: the built-in ones first, then those read from --data-dir."""
    return [*BUILT_IN, *NEEDS_FOLDER]


def _folder(name: str, data_dir: str | Path) -> Path:
    """`data_dir` once it is known to exist and to be a folder, or a zip file for the datasets of FROM_ZIP."""
    path = Path(data_dir).expanduser()
    if not path.exists():
        raise NasboxError(f"--data-dir {path}: no such folder; check the path given for dataset '{name}'")
    if path.is_file() and name in FROM_ZIP and (path.suffix.lower() == ".zip" or zipfile.is_zipfile(path)):
        return path  # a corrupt .zip is named by its loader
    if not path.is_dir():
        also = f", or its {FROM_ZIP[name]}" if name in FROM_ZIP else ""
        raise NasboxError(f"--data-dir {path}: is a file, not a folder; give the folder holding the '{name}' "
                          f"files{also}")
    return path


def load_dataset(name: str, data_dir: str | Path | None = None, *, image_size: int = 64) -> ImageDataset:
    """The dataset `name`, built in or read from `data_dir`; `image_size` applies only to 'imagefolder'."""
    if name in BUILT_IN:
        if data_dir is not None:
            raise NasboxError(f"dataset '{name}' is built in and takes no --data-dir; drop it or choose "
                              f"{', '.join(NEEDS_FOLDER[:-1])} or {NEEDS_FOLDER[-1]}")
        return BUILT_IN[name]()
    if name not in NEEDS_FOLDER:
        raise NasboxError(f"unknown dataset {name!r}; choose --dataset from {', '.join(dataset_names())}")
    if data_dir is None:
        raise NasboxError(f"dataset '{name}' is read from files; pass --data-dir with the folder holding them")
    folder = _folder(name, data_dir)
    if name == "imagefolder":
        return load_image_folder(folder, image_size=image_size)
    return FROM_FOLDER[name](folder)
