"""CIFAR-10 as JPEG files (train/<class>/*.jpg, test/<class>/*.jpg), from a folder or read straight from a .zip."""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import torch

from nasbox.data.dataset import ImageDataset
from nasbox.errors import NasboxError

SPLITS = ("train", "test")
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")  # label order
SUFFIXES = (".jpg", ".jpeg")
ARCHIVE = "cifar10-jpeg.zip"  # the usual name of the zip
LAYOUT = f"train/<class>/*.jpg and test/<class>/*.jpg for the ten CIFAR-10 classes (as in {ARCHIVE})"
SIZE = 32


def _visible(name: str) -> bool:
    """False for hidden entries and the __MACOSX/ folder that macOS adds to the zips it makes."""
    return not name.startswith(".") and name != "__MACOSX"


def jpeg_tree(folder: Path) -> Path | None:
    """`folder` itself or its one visible subfolder (an extracted zip's top folder) holding train/ or test/."""
    if any((folder / split).is_dir() for split in SPLITS):
        return folder
    found = sorted(p for p in folder.iterdir() if p.is_dir() and _visible(p.name)
                   and any((p / split).is_dir() for split in SPLITS))
    if len(found) > 1:
        raise NasboxError(f"--data-dir {folder}: holds {len(found)} CIFAR-10 JPEG trees "
                          f"({', '.join(p.name for p in found)}); give one of them as --data-dir")
    return found[0] if found else None


def _folder_entries(root: Path) -> list[str]:
    """Every visible split/class/ folder and split/class/file under `root`, '/'-separated and relative to it."""
    entries = []
    for split in SPLITS:
        if not (root / split).is_dir():
            continue
        for folder in (p for p in (root / split).iterdir() if p.is_dir() and _visible(p.name)):
            entries.append(f"{split}/{folder.name}/")
            entries += [f"{split}/{folder.name}/{p.name}" for p in folder.iterdir() if p.is_file() and _visible(p.name)]
    return entries


def _zip_prefix(path: Path, names: list[str]) -> str:
    """The folder the zip's tree sits in: '' when train/ and test/ are at its top, else 'top/' (one level down)."""
    tops = {parts[0] for parts in (name.split("/") for name in names)
            if len(parts) >= 3 and parts[1] in SPLITS and _visible(parts[0])}
    if any(name.split("/")[0] in SPLITS for name in names) or not tops:
        return ""
    if len(tops) > 1:
        raise NasboxError(f"{path}: holds {len(tops)} CIFAR-10 JPEG trees ({', '.join(sorted(tops))}); "
                          "give a zip with one tree")
    return f"{tops.pop()}/"


def _layout(entries: Iterable[str], where: Callable[[str], str]) -> list[tuple[int, str]]:
    """(label, entry) of every JPEG: train then test, each in label order, a class's files sorted by name.

    Entries outside split/class/ are ignored, as are other files than .jpg/.jpeg; `where` names an entry in errors.
    """
    found: dict[tuple[str, str], list[str]] = {}
    for entry in entries:
        parts = entry.split("/")
        if len(parts) != 3 or parts[0] not in SPLITS or not all(_visible(part) for part in parts[1:] if part):
            continue
        split, name, file = parts
        if name not in CLASSES:
            raise NasboxError(f"{where(f'{split}/{name}/')}: not a CIFAR-10 class; rename or remove the folder "
                              f"(the classes are {', '.join(CLASSES)})")
        images = found.setdefault((split, name), [])
        if file.lower().endswith(SUFFIXES):
            images.append(entry)
    for split in SPLITS:
        if not any(key[0] == split for key in found):
            raise NasboxError(f"{where(f'{split}/')}: no class folders there; give CIFAR-10 JPEGs as {LAYOUT}")
        for name in CLASSES:
            if not found.get((split, name)):
                raise NasboxError(f"{where(f'{split}/{name}/')}: no .jpg images; every class needs its images, "
                                  f"as in {LAYOUT}")
    return [(label, entry) for split in SPLITS for label, name in enumerate(CLASSES)
            for entry in sorted(found[(split, name)])]


def _decode(data: bytes, where: str) -> np.ndarray:
    """The JPEG `data` as a 3×32×32 uint8 array; a NasboxError naming `where` unless it is a 32×32 RGB JPEG.

    Fast path: the bytes go straight to Pillow's JPEG decoder, at half the cost of `Image.open` (which parses the
    headers in Python). That decoder refuses any other size and, told to expect YCbCr, grey and CMYK files; whatever
    it refuses goes to `Image.open`, which accepts it or says precisely what is wrong.
    """
    from PIL import Image

    try:
        return np.asarray(Image.frombytes("RGB", (SIZE, SIZE), data, "jpeg", ("RGB", "YCbCr"))).transpose(2, 0, 1)
    except Exception:  # any refusal, even a changed decoder signature: Image.open below judges the file
        pass
    try:
        with Image.open(io.BytesIO(data), formats=("JPEG",)) as image:
            if image.size != (SIZE, SIZE) or image.mode != "RGB":
                raise NasboxError(f"{where}: a {image.width}×{image.height} {image.mode} image, not {SIZE}×{SIZE} "
                                  "RGB; replace it with the CIFAR-10 image or remove it")
            image.load()
            return np.asarray(image).transpose(2, 0, 1)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise NasboxError(f"{where}: cannot decode it as a JPEG ({exc.__class__.__name__}); replace it with the "
                          "CIFAR-10 image or remove it") from None


def _dataset(images: list[tuple[int, str]], read: Callable[[str], bytes], where: Callable[[str], str],
             files: tuple[Path, ...]) -> ImageDataset:
    """The images `read` returns for each (label, entry), decoded into one uint8 N×3×32×32 tensor."""
    pixels = np.empty((len(images), 3, SIZE, SIZE), dtype=np.uint8)
    for row, (_, entry) in enumerate(images):
        pixels[row] = _decode(read(entry), where(entry))
    labels = torch.tensor([label for label, _ in images], dtype=torch.int64)
    return ImageDataset("cifar10", torch.from_numpy(pixels), labels, CLASSES, files)


def _load_zip(path: Path) -> ImageDataset:
    """The images of the zip at `path`, read without extracting it; the zip itself is the dataset's one file."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise NasboxError(f"--data-dir {path}: not a readable zip archive ({exc.__class__.__name__}); give "
                          f"{ARCHIVE} as downloaded, or the folder holding its train/ and test/") from None
    with archive:
        names = archive.namelist()
        prefix = _zip_prefix(path, names)
        entries = [name[len(prefix):] for name in names if name.startswith(prefix)]

        def where(entry: str) -> str:
            return f"{path} member {prefix}{entry}"

        def read(entry: str) -> bytes:
            try:
                return archive.read(prefix + entry)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
                raise NasboxError(f"{where(entry)}: cannot read it from the zip ({exc.__class__.__name__}); "
                                  "download the zip again") from None

        return _dataset(_layout(entries, where), read, where, (path,))


def _load_folder(root: Path) -> ImageDataset:
    """The images under the folder `root`; every JPEG is one of the dataset's files."""
    def where(entry: str) -> str:
        return str(root / entry)

    def read(entry: str) -> bytes:
        try:
            return (root / entry).read_bytes()
        except OSError as exc:
            raise NasboxError(f"{root / entry}: cannot read it ({exc.__class__.__name__}); check its "
                              "permissions or replace it") from None

    images = _layout(_folder_entries(root), where)
    return _dataset(images, read, where, tuple(root / entry for _, entry in images))


def load_cifar10_jpeg(path: Path) -> ImageDataset:
    """All CIFAR-10 JPEGs of the zip file or folder `path` (or of the one tree one level down in it), train then
    test, as uint8 3×32×32 with CIFAR's labels (classes alphabetical, as in the python-format release)."""
    if path.is_file():
        return _load_zip(path)
    root = jpeg_tree(path)
    if root is None:
        raise NasboxError(f"--data-dir {path}: no train/ or test/ folder; give CIFAR-10 JPEGs as {LAYOUT}")
    return _load_folder(root)
