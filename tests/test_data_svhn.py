"""SVHN reader on format-2 MAT fixtures: pixels, the 10 -> 0 label mapping, splits and bad files."""

from pathlib import Path

import numpy as np
import pytest
import scipy.io

from utils.data import base, fixtures, svhn


def test_round_trip_and_zero_label(tmp_path):
    written = fixtures.write_svhn_mat(tmp_path, 12, splits=("train", "test", "extra"))
    for split in ("train", "test", "extra"):
        raw = svhn.load(data_dir=tmp_path, split=split)
        assert raw.images.dtype == np.uint8 and raw.images.shape == (12, 32, 32, 3)
        assert raw.labels.dtype == np.int64
        np.testing.assert_array_equal(raw.images, written[split][0])
        np.testing.assert_array_equal(raw.labels, written[split][1])
    stored = scipy.io.loadmat(tmp_path / "train_32x32.mat")["y"].ravel()
    assert 10 in stored and 0 not in stored  # the file uses 10 for zero ...
    assert 0 in raw.labels and raw.labels.max() <= 9  # ... the reader returns 0


def test_limit(tmp_path):
    written = fixtures.write_svhn_mat(tmp_path, 12)
    raw = svhn.load(data_dir=tmp_path, split="test", limit=4)
    np.testing.assert_array_equal(raw.images, written["test"][0][:4])


def test_mat_without_x_names_the_file(tmp_path):
    scipy.io.savemat(tmp_path / "train_32x32.mat", {"y": np.ones((3, 1), np.uint8)})
    with pytest.raises(ValueError, match="train_32x32.mat.*X"):
        svhn.load(data_dir=tmp_path)


def test_wrong_shape_and_garbage(tmp_path):
    scipy.io.savemat(tmp_path / "train_32x32.mat", {"X": np.zeros((28, 28, 3, 2), np.uint8),
                                                    "y": np.ones((2, 1), np.uint8)})
    with pytest.raises(ValueError, match="shape"):
        svhn.load(data_dir=tmp_path)
    (tmp_path / "test_32x32.mat").write_bytes(b"<html>not found</html>")
    with pytest.raises(ValueError, match="test_32x32.mat"):
        svhn.load(data_dir=tmp_path, split="test")


def test_missing_and_bad_split(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "search_dirs", lambda name, data_dir, extra=(): [Path(data_dir)])
    fixtures.write_svhn_mat(tmp_path, 3, splits=("train",))
    with pytest.raises(ValueError, match="split"):
        svhn.load(data_dir=tmp_path, split="valid")
    with pytest.raises(FileNotFoundError, match="download_svhn.sh"):
        svhn.load(data_dir=tmp_path / "empty", split="extra")
