"""CIFAR-10 reader on native-format fixtures: binary tar.gz and folder, python pickles, bad files."""

from pathlib import Path

import numpy as np
import pytest

from utils.data import base, cifar10, fixtures


@pytest.mark.parametrize("layout", ["tar", "extracted"])
def test_binary_round_trip(tmp_path, layout):
    written = fixtures.write_cifar10_binary(tmp_path, 12, layout=layout)
    for split in ("train", "test"):
        raw = cifar10.load(data_dir=tmp_path, split=split)
        images, labels = written[split]
        assert raw.images.dtype == np.uint8 and raw.images.shape == (len(images), 32, 32, 3)
        assert raw.labels.dtype == np.int64
        np.testing.assert_array_equal(raw.images, images)
        np.testing.assert_array_equal(raw.labels, labels)
        assert raw.num_examples == len(images) and raw.stream is None


def test_channel_planes_are_rgb(tmp_path):
    # The first 1024 bytes after the label are the red plane: a red-only record must read as red.
    record = np.zeros(3073, np.uint8)
    record[0], record[1:1025] = 7, 255
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    (folder / "test_batch.bin").write_bytes(record.tobytes())
    raw = cifar10.load(data_dir=tmp_path, split="test")
    assert raw.labels.tolist() == [7]
    assert (raw.images[0, ..., 0] == 255).all() and (raw.images[0, ..., 1:] == 0).all()


def test_limit_and_bad_split(tmp_path):
    written = fixtures.write_cifar10_binary(tmp_path, 12)
    raw = cifar10.load(data_dir=tmp_path, limit=5)
    np.testing.assert_array_equal(raw.images, written["train"][0][:5])
    with pytest.raises(ValueError, match="split"):
        cifar10.load(data_dir=tmp_path, split="valid")


def test_truncated_record_names_the_file(tmp_path):
    fixtures.write_cifar10_binary(tmp_path, 10, layout="extracted")
    path = tmp_path / "cifar-10-batches-bin" / "data_batch_3.bin"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match="data_batch_3.bin.*3073"):
        cifar10.load(data_dir=tmp_path, split="train")


def test_unverified_python_version_is_refused(tmp_path):
    fixtures.write_cifar10_python(tmp_path, 10)
    with pytest.raises(ValueError, match="cifar-10-binary.tar.gz"):
        cifar10.load(data_dir=tmp_path)


def test_verified_python_version_is_read(tmp_path, monkeypatch):
    written, md5 = fixtures.write_cifar10_python(tmp_path, 10)
    monkeypatch.setattr(cifar10, "PYTHON_MD5", md5)  # as if this were the published archive
    raw = cifar10.load(data_dir=tmp_path, split="test")
    np.testing.assert_array_equal(raw.images, written["test"][0])
    np.testing.assert_array_equal(raw.labels, written["test"][1])


def test_missing_dataset_names_the_download_script(tmp_path, monkeypatch):
    # Only look in data_dir, not in a real datasets/cifar10/ that a developer may have downloaded.
    monkeypatch.setattr(base, "search_dirs", lambda name, data_dir, extra=(): [Path(data_dir)])
    with pytest.raises(FileNotFoundError, match="download_cifar10.sh"):
        cifar10.load(data_dir=tmp_path / "nothing")
