"""Reader for the IDX files of MNIST and Fashion-MNIST (LeCun et al.; Xiao et al. 2017).

IDX layout: a big-endian magic number whose third byte is the element type (0x08 = uint8)
and fourth byte the number of dimensions, then one big-endian uint32 per dimension, then the
data. Images are `idx3` (N, 28, 28), labels `idx1` (N,). Files may be gzip-compressed.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

from utils.data.base import RawData, missing_dataset_error, search_dirs
from utils.errors import UsageError

UINT8 = 0x08
DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist"   # Debian's dataset-fashion-mnist package
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
MNIST_CLASSES = tuple(str(digit) for digit in range(10))
MNIST_FAMILY = ("mnist", "fashion_mnist")   # the datasets read from IDX files
CLASS_NAMES = {"fashion_mnist": FASHION_MNIST_CLASSES, "mnist": MNIST_CLASSES}


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (raw or .gz) into a uint8 array; ValueError naming the file if it is not valid IDX."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            data = handle.read()
    except (OSError, EOFError) as error:   # gzip raises these for truncated or non-gzip files
        raise UsageError(f"{path}: cannot read ({error}); delete it and download it again") from None
    if len(data) < 4:
        raise UsageError(f"{path}: {len(data)} bytes is too short for an IDX header; delete it and download it again")
    zero, zero2, element_type, num_dims = data[0], data[1], data[2], data[3]
    if zero or zero2 or element_type != UINT8 or not 1 <= num_dims <= 4:
        raise UsageError(f"{path}: bad IDX magic number 0x{data[:4].hex()} (expected 0x000008NN, unsigned bytes); "
                         "is this an MNIST-format file?")
    header_size = 4 + 4 * num_dims
    if len(data) < header_size:
        raise UsageError(f"{path}: truncated IDX header; delete it and download it again")
    shape = struct.unpack(f">{num_dims}I", data[4:header_size])
    expected = int(np.prod(shape))
    actual = len(data) - header_size
    if actual != expected:
        raise UsageError(f"{path}: IDX header says shape {shape} ({expected} bytes) but the file holds {actual} "
                         "bytes of data; it is truncated or corrupt: delete it and download it again")
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


def write_idx(path: str | Path, array: np.ndarray) -> Path:
    """Write a uint8 array as IDX (gzip-compressed if the name ends in .gz): the fixture writer for tests."""
    path = Path(path)
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, UINT8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    opener = gzip.open if path.suffix == ".gz" else open
    path.parent.mkdir(parents=True, exist_ok=True)
    with opener(path, "wb") as handle:
        handle.write(header + array.tobytes())
    return path


def _find(stem: str, folders: list[Path]) -> Path | None:
    for folder in folders:
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    return None


def load_idx_pair(name: str, data_dir=None, split: str = "train", limit: int | None = None,
                  extra_dirs: tuple = ()) -> RawData:
    """Images (N, 28, 28, 1) uint8 and labels (N,) of one split of an MNIST-format dataset."""
    if split not in FILES:
        raise UsageError(f"{name}: unknown split {split!r}; choose train or test")
    folders = search_dirs(name, data_dir, extra_dirs)
    image_stem, label_stem = FILES[split]
    image_path, label_path = _find(image_stem, folders), _find(label_stem, folders)
    if image_path is None or label_path is None:
        missing = image_stem if image_path is None else label_stem
        raise missing_dataset_error(name, folders, f"{missing}[.gz]")
    images, labels = read_idx(image_path), read_idx(label_path)
    if images.ndim != 3 or labels.ndim != 1:
        raise UsageError(f"{image_path}: expected an idx3 image file and an idx1 label file, "
                         f"got {images.ndim} and {labels.ndim} dimensions")
    if len(images) != len(labels):
        raise UsageError(f"{image_path} holds {len(images)} images but {label_path} holds {len(labels)} labels; "
                         "they come from different downloads: fetch both again")
    if limit:
        images, labels = images[:limit], labels[:limit]
    return RawData(images=images[..., None], labels=labels.astype(np.int64), source=str(image_path.parent))


def load_mnist(data_dir=None, split="train", image_size=32, channels=None, limit=None) -> RawData:
    return load_idx_pair("mnist", data_dir, split, limit)


def load_fashion_mnist(data_dir=None, split="train", image_size=32, channels=None, limit=None) -> RawData:
    return load_idx_pair("fashion_mnist", data_dir, split, limit, extra_dirs=(DEBIAN_FASHION_MNIST,))


def write_mnist_fixture(folder: str | Path, num_images: int = 64, seed: int = 0, gzip_files: bool = True) -> Path:
    """Write a tiny MNIST-format dataset (both splits) whose images depend on their label."""
    folder = Path(folder)
    rng = np.random.default_rng(seed)
    suffix = ".gz" if gzip_files else ""
    for split, (image_stem, label_stem) in FILES.items():
        labels = rng.integers(0, 10, size=num_images).astype(np.uint8)
        images = np.zeros((num_images, 28, 28), np.uint8)
        for index, label in enumerate(labels):
            # A bar whose position and length encode the label, plus noise: learnable, not constant.
            row = 4 + 2 * int(label)
            images[index, row:row + 3, 4:4 + 2 * int(label) + 4] = 255
            images[index] = np.maximum(images[index], rng.integers(0, 40, size=(28, 28), dtype=np.uint8))
        write_idx(folder / (image_stem + suffix), images)
        write_idx(folder / (label_stem + suffix), labels)
    return folder
