"""The IDX reader of MNIST and Fashion-MNIST, on files written in the native format."""

import gzip

import numpy as np
import pytest

from utils.data import get_reader, load_raw
from utils.data.idx import read_idx, write_idx, write_mnist_fixture


@pytest.mark.parametrize("name", ["images.idx", "images.idx.gz"])
def test_idx_round_trip(tmp_path, name):
    array = np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    path = write_idx(tmp_path / name, array)
    raw_bytes = gzip.open(path).read() if name.endswith(".gz") else path.read_bytes()
    assert raw_bytes[:4] == bytes([0, 0, 8, 3]) and raw_bytes[4:8] == (5).to_bytes(4, "big")
    np.testing.assert_array_equal(read_idx(path), array)


def test_reader_returns_images_and_labels(mnist_dir):
    raw = load_raw("mnist", data_dir=mnist_dir)
    assert raw.images.shape == (64, 28, 28, 1) and raw.images.dtype == np.uint8
    assert raw.labels.shape == (64,) and raw.labels.max() < 10
    assert load_raw("mnist", data_dir=mnist_dir, split="test", limit=10).images.shape == (10, 28, 28, 1)


def test_raw_files_without_gz_are_read(tmp_path):
    write_mnist_fixture(tmp_path, num_images=8, gzip_files=False)
    assert load_raw("fashion_mnist", data_dir=tmp_path).num_examples == 8


def test_bad_magic_names_the_file(tmp_path):
    write_mnist_fixture(tmp_path, num_images=8)
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\x89PNG" + bytes(100)))
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz: bad IDX magic"):
        load_raw("mnist", data_dir=tmp_path)


def test_truncated_file_is_reported(tmp_path):
    write_mnist_fixture(tmp_path, num_images=8, gzip_files=False)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_raw("mnist", data_dir=tmp_path)


def test_truncated_gzip_is_reported(tmp_path):
    write_mnist_fixture(tmp_path, num_images=8)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(ValueError, match="cannot read"):
        load_raw("mnist", data_dir=tmp_path)


def test_mismatched_image_and_label_counts(tmp_path):
    write_mnist_fixture(tmp_path, num_images=8)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.zeros(7, np.uint8))
    with pytest.raises(ValueError, match="8 images but .* 7 labels"):
        load_raw("mnist", data_dir=tmp_path)


def test_missing_dataset_names_the_download_script(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"bash datasets/download_mnist.sh"):
        load_raw("mnist", data_dir=tmp_path)


def test_unknown_dataset_and_split():
    with pytest.raises(ValueError, match="unknown dataset 'imagenet'"):
        get_reader("imagenet")
    with pytest.raises(ValueError, match="unknown split 'extra'"):
        load_raw("mnist", split="extra")


def test_data_dir_comes_before_system_copies(tmp_path):
    """--data-dir wins over Debian's copy of Fashion-MNIST, which CI has."""
    write_mnist_fixture(tmp_path, num_images=8)
    raw = load_raw("fashion_mnist", data_dir=tmp_path)
    assert raw.num_examples == 8 and raw.source == str(tmp_path)
