"""CelebA reader on fixtures in the original, Kaggle and zip layouts: crop geometry, attributes, splits."""

from pathlib import Path

import numpy as np
import pytest

from utils.data import base, celeba, fixtures


def _images(raw):
    return np.stack(list(raw.stream.as_numpy_iterator()))


def _expected_colours(attributes):
    return np.array([fixtures.celeba_colour(row) for row in attributes])[:, None, None, :]


@pytest.mark.parametrize("layout", ["original", "kaggle", "zip"])
def test_layouts_crop_and_attributes(tmp_path, layout):
    written = fixtures.write_celeba(tmp_path, 8, layout=layout)
    raw = celeba.load(data_dir=tmp_path, split="all", image_size=108)
    images = _images(raw)
    assert images.dtype == np.uint8 and images.shape == (8, 108, 108, 3)
    assert raw.num_examples == 8 and raw.labels is None
    assert raw.attribute_names == fixtures.CELEBA_ATTRIBUTES
    assert raw.attributes.dtype == np.int8 and raw.attributes.shape == (8, 40)
    np.testing.assert_array_equal(raw.attributes, written["attributes"])
    # Every output pixel, edges included, lies inside rows 55-163 / columns 35-143 (the fixture paints
    # everything else CELEBA_OUTSIDE, 140 levels away), and its colour encodes the image's attributes.
    error = np.abs(images.astype(int) - _expected_colours(raw.attributes))
    assert error.max() <= 24, error.max()


def test_resized_output_and_grayscale(tmp_path):
    written = fixtures.write_celeba(tmp_path, 6)
    images = _images(celeba.load(data_dir=tmp_path, split="all", image_size=32))
    assert images.shape == (6, 32, 32, 3)
    assert np.abs(images.astype(int) - _expected_colours(written["attributes"])).max() <= 6
    gray = _images(celeba.load(data_dir=tmp_path, split="all", image_size=16, channels=1, limit=2))
    assert gray.shape == (2, 16, 16, 1)


def test_splits_limit_and_alignment(tmp_path):
    written = fixtures.write_celeba(tmp_path, 10, layout="kaggle")
    sizes = {}
    for split, code in (("train", 0), ("valid", 1), ("test", 2)):
        raw = celeba.load(data_dir=tmp_path, split=split, image_size=32)
        expected = written["attributes"][written["partition"] == code]
        np.testing.assert_array_equal(raw.attributes, expected)
        images = _images(raw)
        assert len(images) == raw.num_examples == len(expected)
        assert np.abs(images.astype(int) - _expected_colours(expected)).max() <= 6
        sizes[split] = len(images)
    assert sizes == {"train": 6, "valid": 2, "test": 2}
    raw = celeba.load(data_dir=tmp_path, split="test", image_size=32, limit=1)
    assert raw.num_examples == 1 and raw.attributes.shape == (1, 40)
    with pytest.raises(ValueError, match="split"):
        celeba.load(data_dir=tmp_path, split="validation")


def test_missing_partition_file(tmp_path):
    fixtures.write_celeba(tmp_path, 5)
    (tmp_path / "list_eval_partition.txt").unlink()
    assert celeba.load(data_dir=tmp_path, split="all").num_examples == 5
    with pytest.warns(UserWarning, match="list_eval_partition"):
        assert celeba.load(data_dir=tmp_path, split="train").num_examples == 5
    with pytest.raises(FileNotFoundError, match="list_eval_partition"):
        celeba.load(data_dir=tmp_path, split="test")


def test_corrupt_image_is_skipped_and_counted(tmp_path):
    fixtures.write_celeba(tmp_path, 5)
    (tmp_path / "img_align_celeba" / "000002.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut short")
    raw = celeba.load(data_dir=tmp_path, split="all", image_size=16)
    with pytest.warns(UserWarning, match="skipped 1"):
        assert len(_images(raw)) == 4


def test_missing_dataset_names_the_download_script(tmp_path, monkeypatch):
    monkeypatch.setattr(base, "search_dirs", lambda name, data_dir, extra=(): [Path(data_dir)])
    with pytest.raises(FileNotFoundError, match="download_celeba.sh"):
        celeba.load(data_dir=tmp_path)
