"""Dataset registry: `--dataset NAME` -> the reader that turns native files into `RawData`.

Each reader is `load(data_dir=None, split="train", image_size=32, channels=None, limit=None) -> RawData`
(see `utils.data.base`). Readers are imported lazily so that a missing optional package
(lmdb, say) only matters for the dataset that needs it.

The bottom layer: may import only utils.data itself and utils.files.
"""

from __future__ import annotations

import importlib

from utils.data.base import RawData
from utils.errors import UsageError

# name -> "module:function"
READERS = {
    "mnist": "utils.data.idx:load_mnist",
    "fashion_mnist": "utils.data.idx:load_fashion_mnist",
    "cifar10": "utils.data.cifar10:load",
    "svhn": "utils.data.svhn:load",
    "celeba": "utils.data.celeba:load",
    "lsun_bedroom": "utils.data.lsun:load",
    "cats": "utils.data.folder:load_cats",
    "folder": "utils.data.folder:load",
}


def dataset_names() -> list[str]:
    return sorted(READERS)


def get_reader(name: str):
    """The reader for `name`; ValueError naming the choices for an unknown one."""
    if name not in READERS:
        raise UsageError(f"unknown dataset {name!r}; choose one of: {', '.join(dataset_names())}")
    module_name, function_name = READERS[name].split(":")
    return getattr(importlib.import_module(module_name), function_name)


SOURCES = ("native", "tfds")


def load_raw(name: str, source: str = "native", **kwargs) -> RawData:
    """Images of dataset `name` from its native files, or (source="tfds") through TensorFlow Datasets."""
    if source == "tfds":
        from utils.data.tfds_source import load_tfds

        return load_tfds(name, **kwargs)
    if source != "native":
        raise UsageError(f"unknown source {source!r}; choose one of: {', '.join(SOURCES)}")
    return get_reader(name)(**kwargs)
