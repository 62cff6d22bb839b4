"""SVHN reader (Netzer et al., 2011): Street View House Numbers, cropped digits (format 2).

Reads `train_32x32.mat` (73,257), `test_32x32.mat` (26,032) and `extra_32x32.mat` (531,131):
MATLAB v5 files with X, uint8 (32, 32, 3, N), and y, (N, 1) labels 1-10 where 10 is the digit 0
(http://ufldl.stanford.edu/housenumbers/). Read with `scipy.io.loadmat`; labels come back as the
digit 0-9.
"""

from __future__ import annotations

import numpy as np

from utils.data import base
from utils.data.images import check_args
from utils.errors import UsageError

NAME = "svhn"
SPLITS = ("train", "test", "extra")


def read_mat(path) -> tuple[np.ndarray, np.ndarray]:
    """A format-2 MAT file -> (uint8 images (N, 32, 32, 3), int64 digits 0-9); ValueError if malformed."""
    import scipy.io

    try:
        contents = scipy.io.loadmat(path, variable_names=("X", "y"))
    except NotImplementedError as error:  # MATLAB v7.3 (HDF5) files
        raise UsageError(f"{path}: MATLAB v7.3 file, expected the v5 format SVHN publishes ({error})") from error
    except Exception as error:  # scipy raises MatReadError, IndexError, ... on non-MAT bytes
        raise UsageError(f"{path}: not a readable MAT file ({error}); delete it and run "
                         "`bash datasets/download_svhn.sh`") from error
    if "X" not in contents or "y" not in contents:
        raise UsageError(f"{path}: no X and y variables; not an SVHN cropped-digits (format 2) file")
    images, labels = contents["X"], np.asarray(contents["y"]).reshape(-1)
    if images.ndim != 4 or images.shape[:3] != (32, 32, 3) or images.shape[3] != len(labels):
        raise UsageError(f"{path}: X has shape {images.shape} and y {len(labels)} labels; "
                         "expected X (32, 32, 3, N) and y (N, 1)")
    if len(labels) and (labels.min() < 1 or labels.max() > 10):
        raise UsageError(f"{path}: labels outside 1-10 ({labels.min()}..{labels.max()})")
    images = np.ascontiguousarray(np.asarray(images, np.uint8).transpose(3, 0, 1, 2))
    digits = np.where(labels == 10, 0, labels).astype(np.int64)
    return images, digits


def load(data_dir=None, split="train", image_size=32, channels=None, limit=None) -> base.RawData:
    """SVHN `split` ('train', 'test' or 'extra') as uint8 (N, 32, 32, 3) and int64 digit labels 0-9.

    Images stay at 32x32 RGB; the pipeline resizes and converts channels. limit: the first N.
    """
    check_args(NAME, split, image_size, channels, limit, splits=SPLITS)
    file_name = f"{split}_32x32.mat"
    looked_in = base.search_dirs(NAME, data_dir)
    for folder in looked_in:
        path = folder / file_name
        if path.is_file():
            images, labels = read_mat(path)
            if limit is not None:
                images, labels = images[:limit], labels[:limit]
            return base.RawData(images=images, labels=labels, source=str(path))
    raise base.missing_dataset_error(NAME, looked_in, file_name)
