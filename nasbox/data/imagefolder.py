"""A folder of class subfolders of image files, decoded with Pillow (the torchvision ImageFolder layout)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import torch

from nasbox.data.dataset import ImageDataset
from nasbox.errors import NasboxError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"})
LAYOUT = "<data-dir>/<class name>/<image>.png|jpg|jpeg|bmp|gif|webp, with at least 2 class folders"


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


def _class_files(data_dir: Path) -> dict[str, list[Path]]:
    """Class name → its image files, both sorted by name; hidden entries and other files are skipped."""
    folders = sorted((p for p in data_dir.iterdir() if p.is_dir() and _visible(p)), key=lambda p: p.name)
    if len(folders) < 2:
        raise NasboxError(f"--data-dir {data_dir}: found {len(folders)} class folder(s), need at least 2; "
                          f"lay the images out as {LAYOUT}")
    classes = {}
    for folder in folders:
        files = sorted((p for p in folder.iterdir() if p.is_file() and _visible(p)
                        and p.suffix.lower() in IMAGE_SUFFIXES), key=lambda p: p.name)
        if not files:
            raise NasboxError(f"{folder}: class folder without images; add images or remove it ({LAYOUT})")
        classes[folder.name] = files
    return classes


def _pillow() -> ModuleType:
    """Pillow's Image module, imported only when an image folder is loaded."""
    try:
        from PIL import Image
    except ImportError:
        raise NasboxError("dataset 'imagefolder' needs Pillow; pip install pillow") from None
    return Image


def _decode(path: Path, size: int) -> np.ndarray:
    """The image at `path` as a size×size×3 uint8 RGB array, resized bilinearly."""
    Image = _pillow()
    try:
        with Image.open(path) as image:
            image.draft("RGB", (size, size))  # JPEG only: decode at a reduced scale that is still ≥ size
            if image.mode == "P" and "transparency" in image.info:
                image = image.convert("RGBA")
            rgb = image.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)
            return np.asarray(rgb, dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise NasboxError(f"{path}: cannot decode it as an image ({exc.__class__.__name__}); "
                          "replace or remove the file") from None


def load_image_folder(data_dir: Path, *, image_size: int = 64) -> ImageDataset:
    """Every image under `data_dir`/<class>/, as RGB image_size×image_size; classes sorted by folder name."""
    if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1:
        raise NasboxError(f"image size must be a positive integer, got {image_size!r}; use e.g. 32 or 64")
    _pillow()
    classes = _class_files(data_dir)
    paths = [(label, path) for label, files in enumerate(classes.values()) for path in files]
    pixels = np.empty((len(paths), image_size, image_size, 3), dtype=np.uint8)
    for row, (_, path) in enumerate(paths):
        pixels[row] = _decode(path, image_size)
    images = torch.from_numpy(pixels).permute(0, 3, 1, 2).contiguous()
    labels = torch.tensor([label for label, _ in paths], dtype=torch.int64)
    return ImageDataset("imagefolder", images, labels, tuple(classes), tuple(path for _, path in paths))
