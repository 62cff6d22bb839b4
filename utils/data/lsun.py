"""LSUN bedroom reader (Yu et al., 2015), the DCGAN scene dataset (Radford et al., 2016, section 4.1).

Reads the official LMDB export `bedroom_train_lmdb/` (data.mdb, lock.mdb; 3,033,042 entries whose
keys are 40-hex-char ids and whose values are encoded images, JPEG or WebP depending on the export,
see https://github.com/fyu/lsun), or the Kaggle 20% sample, a tree of JPEG files
(https://www.kaggle.com/datasets/jhoward/lsun_bedroom). The LMDB is opened read-only without a lock
file and streamed in key order by a generator; decoding (format sniffed from the magic bytes) runs
in a parallel tf.data map. Images are resized so the shorter side is image_size, then centre cropped.
Values that do not decode are skipped and counted.
"""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf

from utils.data import base
from utils.data.folder import image_files, stream_files
from utils.data.images import check_args, decoded_stream, resize_and_centre_crop

NAME = "lsun_bedroom"
LMDB_FOLDER = "bedroom_train_lmdb"


def _open(folder: Path):
    import lmdb

    return lmdb.open(str(folder), readonly=True, lock=False, readahead=False, meminit=False,
                     subdir=True, max_readers=64)


def count_entries(folder: Path) -> int:
    environment = _open(folder)
    try:
        return int(environment.stat()["entries"])
    finally:
        environment.close()


def lmdb_values(folder: Path, limit: int | None):
    """A callable generator of (value bytes, is_last) in key order, for `Dataset.from_generator`."""
    total = count_entries(folder) if limit is None else min(limit, count_entries(folder))

    def generate():
        environment = _open(folder)
        try:
            with environment.begin(buffers=False) as transaction:
                for index, (_, value) in enumerate(transaction.cursor()):
                    if index >= total:
                        break
                    yield value, index == total - 1
        finally:
            environment.close()

    return generate, total


def find_source(data_dir=None) -> tuple[Path, str, tuple[list[Path], int]]:
    """(path, kind, (image paths, other files)) of the first copy found: kind 'lmdb' (a folder
    holding data.mdb; no paths) or 'images' (a tree of image files, listed once)."""
    looked_in = base.search_dirs(NAME, data_dir)
    for folder in looked_in:
        for candidate in (folder / LMDB_FOLDER, folder):
            if (candidate / "data.mdb").is_file():
                return candidate, "lmdb", ([], 0)
        if folder.is_dir():
            listing = image_files(folder)
            if listing[0]:
                return folder, "images", listing
    raise base.missing_dataset_error(NAME, looked_in, f"{LMDB_FOLDER}/data.mdb or JPEG files")


def load(data_dir=None, split="train", image_size=32, channels=None, limit=None) -> base.RawData:
    """LSUN bedroom (train only) as a stream of uint8 (image_size, image_size, channels); limit: first N keys."""
    channels = check_args(NAME, split, image_size, channels, limit)
    source, kind, (paths, others) = find_source(data_dir)

    def preprocess(image):
        return resize_and_centre_crop(image, image_size)

    if kind == "images":
        return stream_files(NAME, source, paths, others, image_size, channels, limit, preprocess)
    generate, total = lmdb_values(source, limit)
    values = tf.data.Dataset.from_generator(
        generate, output_signature=(tf.TensorSpec((), tf.string), tf.TensorSpec((), tf.bool)))
    stream, counter, shard = decoded_stream(values, lambda value: value if isinstance(value, bytes) else bytes(value),
                                            preprocess, image_size, channels, f"{NAME} ({source})",
                                            label_items=False, total=total)
    return base.RawData(stream=stream, shard=shard, num_examples=total, source=str(source), unreadable=counter)
