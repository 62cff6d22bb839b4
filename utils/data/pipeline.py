"""From `RawData` to `tf.data` batches of float32 images in [-1, 1] (the range of G's tanh, Sec. 4).

Small datasets are brought to the training size once (MNIST family: padded from 28 to 32 with
black, as the 2021 E4040 report and most 32-px DCGANs do; others resized) and cached in memory
as uint8; large ones are streamed. Each epoch shuffles with a seed derived from (seed, epoch), so
a resumed run sees the same data order as one that ran straight through.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from utils.data.base import RawData
from utils.errors import UsageError

SHUFFLE_BUFFER = 10_000
RESIZE_CHUNK = 4096


def scale_images(images):
    """uint8 [0, 255] -> float32 [-1, 1]."""
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def unscale_images(images) -> np.ndarray:
    """float [-1, 1] -> uint8 [0, 255] (rounded, clipped)."""
    images = np.asarray(images, dtype=np.float32)
    return np.clip(np.rint((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def convert_channels(images, channels: int):
    """Grayscale <-> RGB for a batch (…, H, W, C) tensor or array."""
    have = images.shape[-1]
    if have == channels:
        return images
    if have == 1 and channels == 3:
        return tf.image.grayscale_to_rgb(tf.convert_to_tensor(images))
    if have == 3 and channels == 1:
        return tf.cast(tf.round(tf.image.rgb_to_grayscale(tf.cast(images, tf.float32))), images.dtype)
    raise ValueError(f"cannot convert {have}-channel images to {channels} channels")


def fit_to_size(images: np.ndarray, image_size: int, channels: int) -> np.ndarray:
    """uint8 (N, h, w, c) -> uint8 (N, image_size, image_size, channels).

    28 -> 32 pads with black (2 pixels a side); other sizes resize with area averaging (downscale)
    or bilinear (upscale). Done once, in chunks, so the cached copy is already the training size.
    """
    height, width = images.shape[1:3]
    if height == width == 28 and image_size == 32:
        images = np.pad(images, ((0, 0), (2, 2), (2, 2), (0, 0)))
    elif (height, width) != (image_size, image_size):
        method = "area" if image_size < height else "bilinear"
        chunks = [tf.image.resize(images[start:start + RESIZE_CHUNK], (image_size, image_size), method=method)
                  for start in range(0, len(images), RESIZE_CHUNK)]
        images = np.clip(np.rint(np.concatenate([chunk.numpy() for chunk in chunks])), 0, 255).astype(np.uint8)
    return np.asarray(convert_channels(images, channels))


def load_scaled(dataset: str, image_size: int, channels: int, data_dir=None, split: str = "train",
                limit: int | None = None, source: str = "native", streams: bool = True):
    """The first `limit` images of a split as float32 (N, S, S, C) in [-1, 1], and the RawData they came from.

    In-memory readers (MNIST family, CIFAR-10, SVHN) are cut and resized; streamed ones (CelebA,
    LSUN, folders) have their first `limit` images read into memory (keep `limit` modest), or, with
    `streams=False`, are refused with a ValueError.
    """
    from utils.data import load_raw

    raw = load_raw(dataset, source=source, data_dir=data_dir, split=split, image_size=image_size,
                   channels=channels, limit=limit or None)
    if raw.images is not None:
        images = raw.images[:limit or None]
    elif not streams:
        raise UsageError(f"{dataset}: this needs an in-memory labelled dataset (mnist, fashion_mnist, cifar10, svhn)")
    else:
        stream = raw.stream.take(limit) if limit else raw.stream
        images = np.stack([np.asarray(image) for image in stream.as_numpy_iterator()])
    return fit_to_size(images, image_size, channels).astype(np.float32) / 127.5 - 1.0, raw


def select(raw: RawData, limit: int = 0, classes: tuple[int, ...] = ()) -> RawData:
    """Keep the images of `classes` (if given), then the first `limit` (if given)."""
    images, labels = raw.images, raw.labels
    if classes:
        if labels is None:
            raise UsageError(f"--classes needs labelled data, and {raw.source} has no labels")
        keep = np.isin(labels, np.asarray(classes))
        if not keep.any():
            raise UsageError(f"--classes {','.join(map(str, classes))}: no image has these labels "
                             f"(labels present: {sorted(set(labels.tolist()))})")
        images, labels = images[keep], labels[keep]
    if limit:
        images = images[:limit]
        labels = None if labels is None else labels[:limit]
    return RawData(images=images, labels=labels, attributes=raw.attributes, attribute_names=raw.attribute_names,
                   source=raw.source)


class TrainingData:
    """Batches for training: `epoch_dataset(epoch, skip_batches)` yields (B, S, S, C) float32 in [-1, 1]."""

    def __init__(self, raw: RawData, image_size: int, channels: int, batch_size: int, seed: int,
                 limit: int = 0, classes: tuple[int, ...] = ()):
        self.batch_size, self.seed = batch_size, seed
        self.unreadable = None   # streams: the SkipCounter of files that did not decode
        self.max_bad_share = 0.1   # the share of unreadable files a run accepts (check_readable sets it)
        self.source = raw.source
        self._shard = None   # streams: one worker's share of the files (`shards_by_file`)
        if raw.images is not None:
            raw = select(raw, limit, classes)
            self.images = fit_to_size(raw.images, image_size, channels)
            self.num_examples = len(self.images)
            self._base = tf.data.Dataset.from_tensor_slices(self.images)
            self._shuffle_buffer = self.num_examples   # in memory: a full shuffle is cheap
        else:
            if classes:
                raise UsageError("--classes needs a labelled dataset (mnist, fashion_mnist, cifar10, svhn)")
            self.images = None
            self.unreadable = raw.unreadable
            stream = raw.stream.take(limit) if limit else raw.stream
            self.num_examples = min(limit, raw.num_examples) if limit else raw.num_examples

            def to_channels(images):
                return images.map(lambda image: convert_channels(image, channels), num_parallel_calls=tf.data.AUTOTUNE)

            self._base = to_channels(stream)
            if raw.shard is not None:
                self._shard = lambda count, index: to_channels(raw.shard(count, index, limit or None))
            self._shuffle_buffer = SHUFFLE_BUFFER
        self.steps_per_epoch = self.num_examples // batch_size
        if self.steps_per_epoch == 0:
            raise UsageError(f"{self.num_examples} images make no full batch of {batch_size}; "
                             "lower --batch-size or raise --limit")

    def check_readable(self, max_bad_share: float = 0.1, probe: int = 256) -> None:
        """Before training: read up to `probe` images of a stream, and raise UsageError when more than
        `max_bad_share` of the files read did not decode (naming the count and three examples), or when
        none did. In-memory datasets were checked whole when they were read."""
        if self.unreadable is None:
            return
        self.max_bad_share = max_bad_share   # the trainer holds every epoch to it too
        counter = self.unreadable
        counter.reset()
        for _ in self._base.take(probe):
            pass
        bad, seen, named = counter.count, counter.seen, counter.examples
        counter.reset()
        if seen and bad / seen > max_bad_share:
            examples = f": e.g. {', '.join(named)}" if named else ""
            raise UsageError(f"{bad} of the first {seen} files of {counter.source} do not decode as images "
                             f"({bad / seen:.0%}, more than --max-bad-files {max_bad_share:g}){examples}. Remove or "
                             "replace them (or raise --max-bad-files)")

    @property
    def shards_by_file(self) -> bool:
        """A stream whose workers can each decode only their own files (`worker_epoch_dataset`)."""
        return self._shard is not None

    def worker_epoch_dataset(self, epoch: int, skip_batches: int, workers: int, index: int, batch_size: int,
                             batches_per_step: int = 1) -> tf.data.Dataset:
        """Epoch `epoch` of a stream as worker `index` of `workers` reads it: files index, index + workers, ...
        decoded and shuffled on this worker only, in batches of `batch_size` (its replicas' share of the
        global batch), `batches_per_step` of them a step (one per local replica). Every worker yields
        exactly `steps_per_epoch` steps: the collectives of a step need all of them, so a worker whose
        share ran short (files that did not decode) starts its share again rather than end the epoch early."""
        dataset = self._shard(workers, index).shuffle(self._shuffle_buffer, seed=self.seed * 100_003 + epoch,
                                                      reshuffle_each_iteration=False)
        dataset = dataset.repeat().take(self.steps_per_epoch * batches_per_step * batch_size).batch(batch_size)
        if skip_batches:
            dataset = dataset.skip(skip_batches * batches_per_step)
        # tf.data would fuse the shuffle and the repeat into one op that fills its buffer across passes:
        # every worker would decode its share about three times an epoch (measured: 102 files read for 33).
        options = tf.data.Options()
        options.experimental_optimization.shuffle_and_repeat_fusion = False
        return dataset.map(scale_images, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE).with_options(
            options)

    def epoch_dataset(self, epoch: int, skip_batches: int = 0) -> tf.data.Dataset:
        dataset = self._base.shuffle(self._shuffle_buffer, seed=self.seed * 100_003 + epoch,
                                     reshuffle_each_iteration=False)
        dataset = dataset.batch(self.batch_size, drop_remainder=True)   # static shapes for the compiled step
        if skip_batches:
            dataset = dataset.skip(skip_batches)
        return dataset.map(scale_images, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
