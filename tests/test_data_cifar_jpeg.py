"""CIFAR-10 as JPEG files: a zip read without extracting, its extracted folder, and their errors, on real images
copied out of the shared cifar10-jpeg.zip."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from nasbox.cli.main import main
from nasbox.data import load_dataset
from nasbox.errors import NasboxError
from tests.test_data import CIFAR_NAMES, one_line_error

SOURCE = Path(__file__).resolve().parents[2] / "shared/data/cifar10/cifar10-jpeg.zip"
PER_CLASS = 3  # images per class and split, so the tiny copies hold 2 × 10 × 3 = 60


@pytest.fixture(scope="module")
def members() -> dict[str, bytes]:
    """The first PER_CLASS real JPEGs of each class and split, by member name, in the order the loader reads them."""
    if not SOURCE.is_file():
        pytest.skip(f"{SOURCE} is absent (CI keeps it there); nothing to copy the test images from")
    with zipfile.ZipFile(SOURCE) as archive:
        return {name: archive.read(name) for name in (f"{split}/{cls}/{k:04d}.jpg" for split in ("train", "test")
                                                      for cls in CIFAR_NAMES for k in range(PER_CLASS))}


def write_zip(path: Path, files: dict[str, bytes], top: str = "") -> Path:
    """A stored zip of `files` under the folder `top` (e.g. 'cifar10/'), with folder entries as the real one has."""
    with zipfile.ZipFile(path, "w") as archive:
        for folder in sorted({name.rsplit("/", 1)[0] for name in files}):
            archive.writestr(f"{top}{folder}/", b"")
        for name, data in files.items():
            archive.writestr(f"{top}{name}", data)
    return path


def write_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def pillow_pixels(files: dict[str, bytes]) -> torch.Tensor:
    """What Pillow's own `Image.open` makes of each file, as N×3×32×32."""
    arrays = [np.asarray(Image.open(io.BytesIO(data))).transpose(2, 0, 1) for data in files.values()]
    return torch.from_numpy(np.stack(arrays))


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=75)
    return buffer.getvalue()


# --- the layouts that load ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["zip", "zip-with-top-folder", "folder", "folder-one-level-up",
                                    "folder-holding-the-zip"])
def test_every_layout_gives_pillows_pixels_train_then_test_in_label_order(tmp_path: Path, members: dict[str, bytes],
                                                                         layout: str) -> None:
    if layout == "zip":
        path = write_zip(tmp_path / "tiny.zip", members)
    elif layout == "zip-with-top-folder":
        path = write_zip(tmp_path / "tiny.zip", members, top="CIFAR-10-images/")
    elif layout == "folder":
        path = write_folder(tmp_path / "tree", members)
    elif layout == "folder-one-level-up":
        write_folder(tmp_path / "extracted" / "CIFAR-10-images", members)
        path = tmp_path / "extracted"
    else:
        write_zip(tmp_path / "cifar10-jpeg.zip", members)
        path = tmp_path
    data = load_dataset("cifar10", path)
    assert data.name == "cifar10" and data.classes == tuple(CIFAR_NAMES)
    assert data.images.shape == (60, 3, 32, 32) and data.images.dtype == torch.uint8 and data.images.is_contiguous()
    assert data.labels.dtype == torch.int64
    assert data.labels.tolist() == [label for _ in ("train", "test") for label in range(10) for _ in range(PER_CLASS)]
    assert torch.equal(data.images, pillow_pixels(members))
    assert data.images.float().std() > 30  # real photographs, not a constant the two sides could agree on


def test_zip_and_extracted_folder_are_identical_and_record_their_files(tmp_path: Path,
                                                                       members: dict[str, bytes]) -> None:
    archive = write_zip(tmp_path / "tiny.zip", members)
    folder = write_folder(tmp_path / "tree", members)
    from_zip, from_folder = load_dataset("cifar10", archive), load_dataset("cifar10", folder)
    assert torch.equal(from_zip.images, from_folder.images) and torch.equal(from_zip.labels, from_folder.labels)
    assert from_zip.files == (archive,)  # a run hashes the one zip
    assert from_folder.files == tuple(folder / name for name in members)  # a run hashes every JPEG, in image order


def test_hidden_entries_and_other_files_are_skipped(tmp_path: Path, members: dict[str, bytes]) -> None:
    extra = {"__MACOSX/train/cat/._0000.jpg": b"resource fork", "train/cat/.DS_Store": b"junk",
             "train/cat/notes.txt": b"not an image", "README.md": b"# CIFAR-10"}
    data = load_dataset("cifar10", write_zip(tmp_path / "mac.zip", {**members, **extra}))
    assert len(data) == 60 and torch.equal(data.images, pillow_pixels(members))


# --- bad input: one line naming the path and the fix ----------------------------------------------------------------


DECODE_FIX = "replace it with the CIFAR-10 image or remove it"


def bad_tree(members: dict[str, bytes], damage: str) -> tuple[dict[str, bytes], str, tuple[str, ...]]:
    """The files of a damaged tree, the entry the error must name and fragments of the error (problem and fix)."""
    files = dict(members)
    cat = "train/cat/0001.jpg"
    real = Image.open(io.BytesIO(members[cat]))
    if damage == "garbage":
        files[cat] = b"GIF89a but not really"
        return files, cat, ("cannot decode it as a JPEG (UnidentifiedImageError)", DECODE_FIX)
    if damage == "truncated":
        files[cat] = members[cat][: len(members[cat]) // 2]
        return files, cat, ("cannot decode it as a JPEG (OSError)", DECODE_FIX)
    if damage == "too-big":
        files[cat] = jpeg(real.resize((64, 64)))
        return files, cat, ("a 64×64 RGB image, not 32×32 RGB", DECODE_FIX)
    if damage == "grey":
        files[cat] = jpeg(real.convert("L"))
        return files, cat, ("a 32×32 L image, not 32×32 RGB", DECODE_FIX)
    if damage == "unknown-class":
        files["test/kitten/0000.jpg"] = members[cat]
        return files, "test/kitten/", ("not a CIFAR-10 class; rename or remove the folder", "airplane, automobile")
    if damage == "missing-class":
        files = {name: data for name, data in files.items() if not name.startswith("test/dog/")}
        return files, "test/dog/", ("no .jpg images; every class needs its images, as in train/<class>/*.jpg",)
    assert damage == "no-test"
    files = {name: data for name, data in files.items() if name.startswith("train/")}
    return files, "test/", ("no class folders there; give CIFAR-10 JPEGs as train/<class>/*.jpg",)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "too-big", "grey", "unknown-class", "missing-class",
                                    "no-test"])
@pytest.mark.parametrize("kind", ["zip", "folder"])
def test_a_damaged_tree_is_named_in_one_line(tmp_path: Path, members: dict[str, bytes], kind: str,
                                             damage: str) -> None:
    files, culprit, fragments = bad_tree(members, damage)
    path = write_zip(tmp_path / "bad.zip", files) if kind == "zip" else write_folder(tmp_path / "bad", files)
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("cifar10", path)
    one_line_error(excinfo, f"{path} member {culprit}:" if kind == "zip" else f"{path / culprit}:", *fragments)


def test_an_empty_class_folder_is_named(tmp_path: Path, members: dict[str, bytes]) -> None:
    folder = write_folder(tmp_path / "tree", {n: d for n, d in members.items() if not n.startswith("train/frog/")})
    (folder / "train" / "frog").mkdir()
    (folder / "train" / "frog" / "thumbs.db").write_bytes(b"not a jpeg")
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("cifar10", folder)
    one_line_error(excinfo, str(folder / "train" / "frog"), "no .jpg images")


@pytest.mark.parametrize(("content", "name"), [(b"PK\x03\x04 but nothing after", "cut.zip"),
                                               (b"\x89PNG\r\n\x1a\n", "picture.zip")])
def test_a_file_that_is_not_a_zip_is_named(tmp_path: Path, content: bytes, name: str) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("cifar10", tmp_path / name)
    one_line_error(excinfo, f"--data-dir {tmp_path / name}: not a readable zip archive", "give cifar10-jpeg.zip")


def test_a_truncated_zip_is_named(tmp_path: Path, members: dict[str, bytes]) -> None:
    raw = write_zip(tmp_path / "full.zip", members).read_bytes()
    (tmp_path / "half.zip").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("cifar10", tmp_path / "half.zip")
    one_line_error(excinfo, str(tmp_path / "half.zip"), "not a readable zip archive (BadZipFile)")


def test_a_damaged_zip_member_is_named(tmp_path: Path, members: dict[str, bytes]) -> None:
    path = write_zip(tmp_path / "flipped.zip", members)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("test/ship/0002.jpg")
    raw = bytearray(path.read_bytes())
    start = info.header_offset + 30 + int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little")
    start += int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
    raw[start + 200] ^= 0xFF  # inside the stored JPEG: its CRC no longer matches
    path.write_bytes(bytes(raw))
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("cifar10", path)
    one_line_error(excinfo, f"{path} member test/ship/0002.jpg", "cannot read it from the zip (BadZipFile)",
                   "download the zip again")


def test_a_zip_or_folder_without_the_layout_is_named(tmp_path: Path, members: dict[str, bytes]) -> None:
    archive = write_zip(tmp_path / "other.zip", {"photos/cat.jpg": members["train/cat/0000.jpg"]})
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("cifar10", archive)
    one_line_error(excinfo, f"{archive} member train/", "no class folders there", "train/<class>/*.jpg")
    folder = write_folder(tmp_path / "photos", {"holiday/cat.jpg": members["train/cat/0000.jpg"]})
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("cifar10", folder)
    one_line_error(excinfo, f"--data-dir {folder}: no CIFAR-10 files", "data_batch_1", "train/<class>/*.jpg")


def test_two_trees_one_level_down_are_refused(tmp_path: Path, members: dict[str, bytes]) -> None:
    write_folder(tmp_path / "a", members)
    write_folder(tmp_path / "b", members)
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("cifar10", tmp_path)
    one_line_error(excinfo, f"--data-dir {tmp_path}: holds 2 CIFAR-10 JPEG trees (a, b)", "give one of them")
    archive = write_zip(tmp_path / "two.zip", {**{f"a/{n}": d for n, d in members.items()},
                                               **{f"b/{n}": d for n, d in members.items()}})
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("cifar10", archive)
    one_line_error(excinfo, f"{archive}: holds 2 CIFAR-10 JPEG trees (a, b)", "give a zip with one tree")


def test_only_cifar10_takes_a_zip(tmp_path: Path, members: dict[str, bytes]) -> None:
    archive = write_zip(tmp_path / "tiny.zip", members)
    for name in ("mnist", "imagefolder"):
        with pytest.raises(NasboxError) as excinfo:
            load_dataset(name, archive)
        message = one_line_error(excinfo, f"--data-dir {archive}: is a file, not a folder")
        assert "cifar10-jpeg.zip" not in message
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("cifar10", tmp_path)  # a folder holding a zip is read only when the zip is cifar10-jpeg.zip
    one_line_error(excinfo, "no CIFAR-10 files")
    notes = tmp_path / "notes.txt"
    notes.write_text("not data")
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("cifar10", notes)
    one_line_error(excinfo, "is a file, not a folder", "or its cifar10-jpeg.zip")


# --- through the command line --------------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["not-a-zip", "grey"])
def test_the_cli_prints_one_line_and_exits_2(tmp_path: Path, members: dict[str, bytes],
                                             capsys: pytest.CaptureFixture[str], damage: str) -> None:
    if damage == "not-a-zip":
        path = tmp_path / "cifar10-jpeg.zip"
        shutil.copyfile(Path(__file__), path)
        expected = f"--data-dir {path}: not a readable zip archive"
    else:
        files, culprit, fragments = bad_tree(members, damage)
        path = write_zip(tmp_path / "grey.zip", files)
        expected = f"{path} member {culprit}: {fragments[0]}"
    run_dir = tmp_path / "run"
    status = main(["search", "--space", "inception_resnet", "--budget-macs", "600M", "--dataset", "cifar10",
                   "--data-dir", str(path), "--run-dir", str(run_dir), "--quiet"])
    captured = capsys.readouterr()
    assert status == 2 and captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("nasbox search: error: "), captured.err
    assert expected in captured.err, captured.err
    assert not run_dir.exists()
