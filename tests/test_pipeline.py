"""From uint8 images to shuffled, batched float32 in [-1, 1], with a reproducible order per epoch."""

import numpy as np
import pytest

from utils.data import load_raw
from utils.data.base import RawData
from utils.data.pipeline import TrainingData, fit_to_size, scale_images, unscale_images


def test_scaling_round_trip_and_range():
    values = np.arange(256, dtype=np.uint8).reshape(1, 16, 16, 1)
    scaled = scale_images(values).numpy()
    assert scaled.min() == -1.0 and scaled.max() == 1.0
    np.testing.assert_array_equal(unscale_images(scaled), values)


def test_mnist_is_padded_with_black_to_32():
    images = np.full((2, 28, 28, 1), 200, np.uint8)
    padded = fit_to_size(images, 32, 1)
    assert padded.shape == (2, 32, 32, 1)
    assert padded[:, :2].max() == 0 and padded[:, :, -2:].max() == 0 and padded[:, 2:30, 2:30].min() == 200


def test_resize_and_channel_conversion():
    images = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    assert fit_to_size(images, 64, 3).shape == (3, 64, 64, 3)
    gray = fit_to_size(images, 32, 1)
    assert gray.shape == (3, 32, 32, 1)
    expected = np.rint(images @ np.array([0.2989, 0.587, 0.114]))
    assert np.abs(gray[..., 0].astype(float) - expected).max() <= 1


def test_batches_have_static_shape_and_drop_the_remainder(mnist_dir):
    data = TrainingData(load_raw("mnist", data_dir=mnist_dir), 32, 1, batch_size=20, seed=0)
    batches = list(data.epoch_dataset(0))
    assert data.steps_per_epoch == 3 and len(batches) == 3
    assert all(batch.shape == (20, 32, 32, 1) and batch.dtype == "float32" for batch in batches)
    assert min(float(batch.numpy().min()) for batch in batches) >= -1.0


def test_order_is_reproducible_per_epoch_and_skip_resumes_it(mnist_dir):
    raw = load_raw("mnist", data_dir=mnist_dir)
    first = TrainingData(raw, 32, 1, batch_size=16, seed=3)
    again = TrainingData(raw, 32, 1, batch_size=16, seed=3)
    epoch0 = [batch.numpy() for batch in first.epoch_dataset(0)]
    np.testing.assert_array_equal(np.concatenate(epoch0), np.concatenate(list(again.epoch_dataset(0))))
    resumed = [batch.numpy() for batch in again.epoch_dataset(0, skip_batches=2)]
    np.testing.assert_array_equal(np.concatenate(epoch0[2:]), np.concatenate(resumed))
    epoch1 = np.concatenate(list(first.epoch_dataset(1)))
    assert not np.array_equal(np.concatenate(epoch0), epoch1)   # a new shuffle each epoch


def test_limit_and_classes(mnist_dir):
    raw = load_raw("mnist", data_dir=mnist_dir)
    assert TrainingData(raw, 32, 1, 8, 0, limit=24).num_examples == 24
    keep = (int(raw.labels[0]), int(raw.labels[1]))
    data = TrainingData(raw, 32, 1, 1, 0, classes=keep)
    assert data.num_examples == int(np.isin(raw.labels, keep).sum())
    with pytest.raises(ValueError, match="no image has these labels"):
        TrainingData(raw, 32, 1, 1, 0, classes=(42,))


def test_too_few_images_for_one_batch_is_a_clear_error():
    raw = RawData(images=np.zeros((5, 32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match="5 images make no full batch of 128"):
        TrainingData(raw, 32, 3, 128, 0)


def test_load_scaled_reads_fits_and_scales_and_can_refuse_streams(tmp_path):
    from utils.data.pipeline import load_scaled
    from utils.notebook import smoke_data_dir

    images, raw = load_scaled("mnist", 32, 1, smoke_data_dir("mnist", tmp_path / "mnist"), limit=10)
    assert images.shape == (10, 32, 32, 1) and images.dtype == np.float32
    assert images.min() >= -1.0 and images.max() <= 1.0 and images.max() > images.min()
    assert np.all(images[:, :2] == -1.0)   # 28 -> 32: the 2-pixel black border
    assert len(raw.labels) == 10
    celeba = smoke_data_dir("celeba", tmp_path / "celeba")
    streamed, _ = load_scaled("celeba", 32, 3, celeba, limit=3)
    assert streamed.shape == (3, 32, 32, 3)
    with pytest.raises(ValueError, match="in-memory labelled dataset"):
        load_scaled("celeba", 32, 3, celeba, limit=3, streams=False)


def test_a_stream_is_split_by_file_between_workers(tmp_path, mnist_dir):
    """Streams on a cluster: worker k of 2 decodes files k, k + 2, ... only (its skip counter sees half of
    them), the two shares are together every image once, and each worker's epoch is exactly
    `steps_per_epoch` batches of its part of the global batch, also when its share runs short (a
    corrupt file) and when a resume skips batches."""
    from utils.data.fixtures import write_image_folder

    write_image_folder(tmp_path, 40, size=32, corrupt=2)   # sorted: 40 images, then corrupt_0, corrupt_1
    raw = load_raw("folder", data_dir=tmp_path, image_size=32, channels=3)
    every = sorted(image.tobytes() for image in raw.stream.as_numpy_iterator())
    assert len(every) == 40
    shares = []
    for index in (0, 1):
        raw.unreadable.reset()
        shares.append([image.tobytes() for image in raw.shard(2, index).as_numpy_iterator()])
        assert (raw.unreadable.seen, raw.unreadable.count) == (21, 1)
    assert sorted(shares[0] + shares[1]) == every and not set(shares[0]) & set(shares[1])
    assert len(list(raw.shard(2, 1, limit=10))) == 5   # --limit: a share of the first 10 files

    data = TrainingData(raw, 32, 3, batch_size=8, seed=0)
    assert data.shards_by_file and data.steps_per_epoch == 5
    raw.unreadable.reset()
    batches = [batch.numpy() for batch in data.worker_epoch_dataset(0, 0, workers=2, index=1, batch_size=4)]
    assert raw.unreadable.seen == 21   # its share read once, not again to fill a shuffle buffer
    assert [batch.shape for batch in batches] == [(4, 32, 32, 3)] * 5   # 20 images from a share of 20
    two_replicas = list(data.worker_epoch_dataset(0, 0, workers=2, index=1, batch_size=2, batches_per_step=2))
    assert len(two_replicas) == 10
    resumed = [batch.numpy() for batch in data.worker_epoch_dataset(0, 2, workers=2, index=1, batch_size=4)]
    np.testing.assert_array_equal(np.stack(resumed), np.stack(batches[2:]))
    # 42 files make 3 global batches of 14, i.e. 21 images a worker, and a share has 20 that decode
    short = TrainingData(raw, 32, 3, batch_size=14, seed=0)
    assert len(list(short.worker_epoch_dataset(0, 0, workers=2, index=0, batch_size=7))) == 3
    assert not TrainingData(load_raw("mnist", data_dir=mnist_dir), 32, 1, 8, 0).shards_by_file
