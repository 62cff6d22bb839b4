"""Image-folder readers (`folder`, `cats`): formats, resize + centre crop, corrupt files, errors."""

from pathlib import Path

import numpy as np
import pytest

from utils.data import base, fixtures, folder
from utils.data.images import resize_and_centre_crop


def _images(raw):
    return np.stack(list(raw.stream.as_numpy_iterator()))


def test_nested_mixed_formats_in_sorted_order(tmp_path):
    paths = fixtures.write_image_folder(tmp_path, 10, size=32)  # png, jpg, bmp, webp, gif
    raw = folder.load(data_dir=tmp_path, image_size=32)
    images = _images(raw)
    assert raw.num_examples == 10 and images.shape == (10, 32, 32, 3) and images.dtype == np.uint8
    order = sorted(paths)  # class_a/ before class_b/
    for image, path in zip(images, order):
        label = int(path.stem.split("_")[1])
        original = fixtures.pattern(label, 32, 32)
        tolerance = 0 if path.suffix in (".png", ".bmp", ".webp") else 12
        assert np.abs(image.astype(int) - original.astype(int)).mean() <= tolerance, path.name


def test_shorter_side_resize_then_centre_crop(tmp_path):
    image = np.zeros((40, 80, 3), np.uint8)
    image[:, :20] = (255, 0, 0)
    image[:, 20:60] = (0, 255, 0)
    image[:, 60:] = (0, 0, 255)
    (tmp_path / "wide.png").write_bytes(fixtures.encode(image, ".png"))
    out = _images(folder.load(data_dir=tmp_path, image_size=20))
    assert out.shape == (1, 20, 20, 3)
    np.testing.assert_array_equal(out[0], np.broadcast_to([0, 255, 0], (20, 20, 3)))
    assert resize_and_centre_crop(image, 20).shape == (20, 20, 3)


def test_corrupt_and_non_image_files_are_skipped_and_counted(tmp_path):
    fixtures.write_image_folder(tmp_path, 4, size=24, corrupt=1, non_image=2)
    with pytest.warns(UserWarning, match="2 non-image"):
        raw = folder.load(data_dir=tmp_path, image_size=24)
    assert raw.skipped == 2 and raw.num_examples == 5  # 4 images + 1 corrupt .jpg, listed
    with pytest.warns(UserWarning, match="skipped 1 corrupt"):
        assert len(_images(raw)) == 4


def test_file_vanishing_before_the_epoch_is_skipped(tmp_path):
    paths = fixtures.write_image_folder(tmp_path, 4, size=24)
    raw = folder.load(data_dir=tmp_path, image_size=24)
    paths[1].unlink()
    with pytest.warns(UserWarning, match="skipped 1"):
        assert len(_images(raw)) == 3


def test_limit_and_grayscale(tmp_path):
    fixtures.write_image_folder(tmp_path, 6, size=24, nested=False)
    images = _images(folder.load(data_dir=tmp_path, image_size=12, channels=1, limit=3))
    assert images.shape == (3, 12, 12, 1)


def test_folder_errors(tmp_path):
    with pytest.raises(ValueError, match="data-dir"):
        folder.load()
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no images here")
    with pytest.raises(ValueError, match="empty"):
        folder.load(data_dir=tmp_path / "empty")
    with pytest.raises(ValueError, match="split"):
        folder.load(data_dir=tmp_path, split="test")


def test_cats(tmp_path, monkeypatch):
    fixtures.write_fixture("cats", tmp_path, 5)
    raw = folder.load_cats(data_dir=tmp_path, image_size=64)
    assert raw.num_examples == 5 and _images(raw).shape == (5, 64, 64, 3)
    monkeypatch.setattr(base, "search_dirs", lambda name, data_dir, extra=(): [Path(data_dir)])
    with pytest.raises(FileNotFoundError, match="download_cats.sh"):
        folder.load_cats(data_dir=tmp_path / "missing")


@pytest.mark.parametrize("name", ["cifar10", "svhn", "celeba", "lsun_bedroom", "cats", "folder"])
def test_write_fixture_feeds_every_registered_reader(tmp_path, name):
    from utils.data import load_raw

    fixtures.write_fixture(name, tmp_path, 6)
    raw = load_raw(name, data_dir=tmp_path, split="train", image_size=16, limit=4)
    images = raw.images if raw.images is not None else _images(raw)
    assert len(images) == raw.num_examples == 4 and images.dtype == np.uint8
    if raw.stream is not None:
        assert images.shape == (4, 16, 16, 3)
    else:
        assert images.shape == (4, 32, 32, 3)  # in-memory datasets stay native; the pipeline resizes
    with pytest.raises(ValueError, match="no fixture writer"):
        fixtures.write_fixture("imagenet", tmp_path, 1)
