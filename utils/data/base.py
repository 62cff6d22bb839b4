"""The contract between dataset readers and the training pipeline.

Every reader turns a dataset's native files into a `RawData`: either an in-memory
uint8 array (small datasets: the MNIST family, CIFAR-10, SVHN) or a streaming
`tf.data.Dataset` of uint8 images (large folders and LMDB exports), already at the
requested size and channel count. `utils.data.pipeline` turns either into batches
of float32 images in [-1, 1].
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from utils.errors import MissingError, UsageError


@dataclasses.dataclass
class RawData:
    """Images of one split, before scaling.

    images: uint8 array (N, H, W, C), or None when the data is streamed.
    labels: int64 array (N,) where the dataset has class labels, else None.
    attributes: int8 array (N, A) of +1/-1 attributes (CelebA), else None.
    attribute_names: the A attribute names, in column order.
    stream: a tf.data.Dataset of uint8 (H, W, C) images (and nothing else), or None.
    shard: streams: `shard(count, index, limit=None)`, the stream of worker `index` of `count`, which
        decodes only its own share of the files (`utils.data.images.shard_items`).
    num_examples: the number of images (for streams: counted or estimated from the file list).
    source: the file or folder the images came from, for messages and run configs.
    """

    images: np.ndarray | None = None
    labels: np.ndarray | None = None
    attributes: np.ndarray | None = None
    attribute_names: list[str] | None = None
    stream: object | None = None
    shard: object | None = None
    num_examples: int = 0
    source: str = ""
    skipped: int = 0
    unreadable: object | None = None   # streams: utils.data.images.SkipCounter of the files that did not decode

    def __post_init__(self):
        if self.images is not None:
            if self.images.dtype != np.uint8 or self.images.ndim != 4:
                raise UsageError(
                    f"internal: images must be uint8 (N, H, W, C), got {self.images.dtype} {self.images.shape}")
            self.num_examples = len(self.images)


def search_dirs(name: str, data_dir: str | Path | None, extra: tuple[str | Path, ...] = ()) -> list[Path]:
    """Folders to look in, in order: --data-dir, datasets/<name>/, then `extra` (system copies)."""
    repo_root = Path(__file__).resolve().parents[2]
    dirs = []
    if data_dir is not None:
        dirs.append(Path(data_dir).expanduser())
    dirs.append(repo_root / "datasets" / name)
    dirs.extend(Path(p) for p in extra)
    return dirs


def missing_dataset_error(name: str, looked_in: list[Path], wanted: str) -> MissingError:
    """The one error every reader raises when nothing was found: it names the download script."""
    places = ", ".join(str(p) for p in looked_in)
    return MissingError(
        f"{name}: no {wanted} found in {places}; run `bash datasets/download_{name}.sh` "
        f"or pass --data-dir pointing at the folder that holds them")
