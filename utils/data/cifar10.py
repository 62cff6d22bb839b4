"""CIFAR-10 reader (Krizhevsky, 2009): 60,000 32x32 colour images in 10 classes.

Reads the binary version, `cifar-10-binary.tar.gz` (straight from the archive, nothing extracted)
or its extracted `cifar-10-batches-bin/`: data_batch_1..5.bin (train) and test_batch.bin, each a
run of 3073-byte records, 1 label byte then 1024 red, 1024 green and 1024 blue bytes in row-major
order (https://www.cs.toronto.edu/~kriz/cifar.html). The python version is pickled, and unpickling
runs arbitrary code, so `cifar-10-python.tar.gz` is read only when its MD5 matches the published one.
"""

from __future__ import annotations

import hashlib
import pickle
import tarfile
from pathlib import Path

import numpy as np

from utils.data import base
from utils.data.images import check_args
from utils.errors import MissingError, UsageError

NAME = "cifar10"
RECORD_BYTES = 1 + 32 * 32 * 3
SPLIT_FILES = {"train": [f"data_batch_{i}.bin" for i in range(1, 6)], "test": ["test_batch.bin"]}
BINARY_ARCHIVE, BINARY_FOLDER = "cifar-10-binary.tar.gz", "cifar-10-batches-bin"
PYTHON_ARCHIVE, PYTHON_MD5 = "cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a"
BINARY_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"


def parse_records(data: bytes, source: str) -> tuple[np.ndarray, np.ndarray]:
    """3073-byte records -> (uint8 images (N, 32, 32, 3), int64 labels (N,)); ValueError if malformed."""
    if len(data) == 0 or len(data) % RECORD_BYTES:
        raise UsageError(
            f"{source}: {len(data)} bytes is not a whole number of {RECORD_BYTES}-byte CIFAR-10 records "
            f"(truncated or not the binary version); delete it and run `bash datasets/download_cifar10.sh`")
    records = np.frombuffer(data, np.uint8).reshape(-1, RECORD_BYTES)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise UsageError(f"{source}: label byte {labels.max()} is outside 0-9; not a CIFAR-10 binary file")
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_binary_archive(path: Path, names: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
    parts = []
    try:
        with tarfile.open(path, "r:gz") as bundle:
            members = {Path(m.name).name: m for m in bundle.getmembers() if m.isfile()}
            for name in names:
                if name not in members:
                    raise UsageError(f"{path}: no {name} inside; the archive is incomplete, download it again")
                parts.append(parse_records(bundle.extractfile(members[name]).read(), f"{path}:{name}"))
    except (tarfile.TarError, EOFError, OSError) as error:
        raise UsageError(f"{path}: damaged archive ({error}); delete it and run "
                         "`bash datasets/download_cifar10.sh`") from error
    return parts


def _read_python_archive(path: Path, split: str) -> list[tuple[np.ndarray, np.ndarray]]:
    digest = _md5(path)
    if digest != PYTHON_MD5:
        raise UsageError(
            f"{path}: MD5 {digest} is not the published {PYTHON_MD5}; refusing to unpickle an unverified "
            f"file (unpickling can run arbitrary code). Use the binary version {BINARY_ARCHIVE}: "
            "run `bash datasets/download_cifar10.sh`")
    names = [name[:-4] for name in SPLIT_FILES[split]]
    parts = []
    with tarfile.open(path, "r:gz") as bundle:
        members = {Path(m.name).name: m for m in bundle.getmembers() if m.isfile()}
        for name in names:
            batch = pickle.load(bundle.extractfile(members[name]), encoding="bytes")  # verified above
            images = np.asarray(batch[b"data"], np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
            parts.append((np.ascontiguousarray(images), np.asarray(batch[b"labels"], np.int64)))
    return parts


def find_source(data_dir=None) -> tuple[Path, str]:
    """(path, kind) of the first CIFAR-10 copy found: kind is 'folder', 'archive' or 'python'."""
    looked_in = base.search_dirs(NAME, data_dir)
    for folder in looked_in:
        for candidate in (folder / BINARY_FOLDER, folder):
            if (candidate / "test_batch.bin").is_file() or (candidate / "data_batch_1.bin").is_file():
                return candidate, "folder"
        if (folder / BINARY_ARCHIVE).is_file():
            return folder / BINARY_ARCHIVE, "archive"
        if (folder / PYTHON_ARCHIVE).is_file():
            return folder / PYTHON_ARCHIVE, "python"
    raise base.missing_dataset_error(NAME, looked_in, f"{BINARY_ARCHIVE} or {BINARY_FOLDER}/")


def load(data_dir=None, split="train", image_size=32, channels=None, limit=None) -> base.RawData:
    """CIFAR-10 `split` ('train' 50,000 or 'test' 10,000) as uint8 (N, 32, 32, 3) and int64 labels 0-9.

    Images stay at 32x32 RGB; the pipeline resizes and converts channels. limit: the first N.
    """
    check_args(NAME, split, image_size, channels, limit, splits=("train", "test"))
    source, kind = find_source(data_dir)
    if kind == "folder":
        parts = []
        for name in SPLIT_FILES[split]:
            path = source / name
            if not path.is_file():
                raise MissingError(f"{path} is missing; the CIFAR-10 folder is incomplete, "
                                        "run `bash datasets/download_cifar10.sh`")
            parts.append(parse_records(path.read_bytes(), str(path)))
    elif kind == "archive":
        parts = _read_binary_archive(source, SPLIT_FILES[split])
    else:
        parts = _read_python_archive(source, split)
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return base.RawData(images=images, labels=labels, source=str(source))
