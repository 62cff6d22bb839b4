"""LSUN bedroom reader on a fixture LMDB (JPEG and WebP values) and on a Kaggle-style JPEG tree."""

import warnings
from pathlib import Path

import numpy as np
import pytest

from utils.data import base, fixtures, lsun
from utils.data.images import sniff_format


def _images(raw):
    return np.stack(list(raw.stream.as_numpy_iterator()))


def test_lmdb_jpeg_and_webp_values(tmp_path):
    import lmdb

    written = fixtures.write_lsun_lmdb(tmp_path, 6)
    environment = lmdb.open(str(tmp_path / "bedroom_train_lmdb"), readonly=True, lock=False)
    with environment.begin() as transaction:
        stored = [(key.decode(), sniff_format(value)) for key, value in transaction.cursor()]
    environment.close()
    assert [key for key, _ in stored] == written["keys"] and all(len(key) == 40 for key, _ in stored)
    assert {kind for _, kind in stored} == {"jpeg", "webp"}

    # 48x64 images at image_size 48: no resize, only the centre crop (columns 8-55).
    raw = lsun.load(data_dir=tmp_path, image_size=48)
    images = _images(raw)
    assert raw.num_examples == 6 and images.shape == (6, 48, 48, 3) and images.dtype == np.uint8
    for image, kind, original in zip(images, written["formats"], written["images"]):
        error = np.abs(image.astype(int) - original[:, 8:56].astype(int))
        if kind == "webp":  # lossless
            assert error.max() == 0
        else:
            assert error.mean() < 3


def test_resize_limit_and_grayscale(tmp_path):
    fixtures.write_lsun_lmdb(tmp_path, 6)
    raw = lsun.load(data_dir=tmp_path, image_size=16, channels=1, limit=3)
    images = _images(raw)
    assert raw.num_examples == 3 and images.shape == (3, 16, 16, 1)


def test_corrupt_value_is_skipped_and_counted(tmp_path):
    written = fixtures.write_lsun_lmdb(tmp_path, 4, corrupt=1)
    raw = lsun.load(data_dir=tmp_path, image_size=16)
    assert raw.num_examples == 5  # counted from the LMDB entries
    with pytest.warns(UserWarning, match="skipped 1"):
        images = _images(raw)
    assert len(images) == 4 and "corrupt" in written["formats"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second pass works, and does not warn again
        assert len(_images(raw)) == 4


def test_kaggle_jpeg_sample(tmp_path):
    fixtures.write_image_folder(tmp_path / "sample" / "data0" / "lsun" / "bedroom", 4, size=40)
    raw = lsun.load(data_dir=tmp_path, image_size=32)
    assert raw.num_examples == 4 and _images(raw).shape == (4, 32, 32, 3)


def test_bad_split_and_missing(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="split"):
        lsun.load(data_dir=tmp_path, split="test")
    monkeypatch.setattr(base, "search_dirs", lambda name, data_dir, extra=(): [Path(data_dir)])
    with pytest.raises(FileNotFoundError, match="download_lsun_bedroom.sh"):
        lsun.load(data_dir=tmp_path)
