"""Shared image helpers for the streaming readers: decode, crop, resize, and a fault-tolerant tf.data stream.

Decoding uses OpenCV (`cv2.imdecode` reads JPEG, PNG, BMP and WebP; GIF is read with Pillow, first
frame). A file that does not decode is skipped and counted, never raised mid-epoch: decoding runs in
`tf.numpy_function` returning an image and an ok-flag, and `Dataset.filter` drops the failures
(https://www.tensorflow.org/api_docs/python/tf/numpy_function). Resizing follows the DCGAN
preprocessing of Radford et al. (2016, section 4): shorter side to the target size, then a centre crop.
"""

from __future__ import annotations

import io
import threading
import warnings
from typing import TYPE_CHECKING

import cv2
import numpy as np

from utils.errors import UsageError

if TYPE_CHECKING:
    import tensorflow as tf

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif")


def sniff_format(data: bytes) -> str | None:
    """'jpeg', 'webp', 'png', 'gif', 'bmp' from the magic bytes, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:2] == b"BM":
        return "bmp"
    return None


def decode_rgb(data: bytes) -> np.ndarray | None:
    """Encoded image bytes -> uint8 RGB (H, W, 3), or None when the bytes are not a readable image."""
    kind = sniff_format(data)
    if kind is None:
        return None
    if kind == "gif":
        try:
            from PIL import Image
            with Image.open(io.BytesIO(data)) as picture:
                picture.seek(0)
                return np.asarray(picture.convert("RGB"), dtype=np.uint8)
        except Exception:  # any Pillow failure means a corrupt file here
            return None
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None or image.ndim != 3 or image.shape[0] == 0 or image.shape[1] == 0:
        return None
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Area interpolation when shrinking (no aliasing), bicubic when enlarging."""
    if image.shape[0] == height and image.shape[1] == width:
        return image
    shrinking = image.shape[0] >= height and image.shape[1] >= width
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)


def resize_and_centre_crop(image: np.ndarray, size: int) -> np.ndarray:
    """(H, W, C) -> (size, size, C): shorter side to `size`, then the central square."""
    height, width = image.shape[:2]
    scale = size / min(height, width)
    new_height, new_width = max(size, round(height * scale)), max(size, round(width * scale))
    image = resize(image, new_height, new_width)
    top, left = (new_height - size) // 2, (new_width - size) // 2
    return image[top:top + size, left:left + size]


def to_channels(image: np.ndarray, channels: int) -> np.ndarray:
    """RGB (H, W, 3) -> (H, W, channels) for channels 1 (ITU-R 601 luma) or 3."""
    if channels == 3:
        return image
    if channels == 1:
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[..., None]
    raise UsageError(f"channels must be 1 or 3, got {channels}")


def check_args(name: str, split: str, image_size: int, channels: int | None, limit: int | None,
               splits: tuple[str, ...] = ("train",)) -> int:
    """Validate the common reader arguments; returns the channel count (3 when None)."""
    if split not in splits:
        raise UsageError(f"{name}: unknown split {split!r}; choose one of: {', '.join(splits)}")
    if int(image_size) < 1:
        raise UsageError(f"{name}: image_size must be positive, got {image_size}")
    if limit is not None and int(limit) < 1:
        raise UsageError(f"{name}: limit must be positive, got {limit}")
    channels = 3 if channels is None else int(channels)
    if channels not in (1, 3):
        raise UsageError(f"{name}: channels must be 1 or 3, got {channels}")
    return channels


class SkipCounter:
    """Counts the items read (`seen`) and those that failed to decode (`count`, with up to three
    `examples`); warns once, at the end of the first full pass. `reset()` starts the counts again."""

    def __init__(self, source: str):
        self.source = source
        self.count = 0
        self.seen = 0
        self.examples: list[str] = []
        self.warned = False
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.count, self.seen, self.examples = 0, 0, []

    def tally(self, ok, last, item=b"") -> np.bool_:
        with self._lock:
            self.seen += 1
            if not ok:
                self.count += 1
                if len(self.examples) < 3:
                    self.examples.append(item.decode(errors="replace") if isinstance(item, bytes) else str(item))
            if last and self.count and not self.warned:
                self.warned = True
                warnings.warn(f"{self.source}: skipped {self.count} corrupt or unreadable image(s)",
                              stacklevel=2)
        return np.bool_(ok)


def items_dataset(items: list[str]) -> "tf.data.Dataset":
    """(item, is_last) pairs for `decoded_stream` from a list of strings (paths, member names)."""
    import tensorflow as tf  # imported here so the in-memory readers do not pay for it

    last_flags = np.zeros(len(items), bool)
    if len(items):
        last_flags[-1] = True
    return tf.data.Dataset.from_tensor_slices((tf.constant(list(items), tf.string), last_flags))


def shard_items(source, count: int, index: int, total: int, limit: int | None = None):
    """Worker `index` of `count`'s part of an (item, is_last) source: items index, index + count, ... of
    the first `limit` (all if None), the last of them flagged as the end of its pass (the skip counter
    warns there). Sharded before decoding, so a worker decodes only its own files."""
    if limit:
        source, total = source.take(limit), min(total, limit)
    return source.enumerate().shard(count, index).map(lambda position, pair: (pair[0], position + count >= total))


def decoded_stream(source, load_bytes, preprocess, image_size: int, channels: int,
                   name: str, label_items: bool = True, *, total: int):
    """A tf.data.Dataset of uint8 (image_size, image_size, channels) images, its skip counter, and
    `shard(count, index, limit=None)`: the same stream of one worker's share of the items (`shard_items`),
    decoded through the same counter.

    source: (item, is_last) pairs; `load_bytes(item: bytes) -> bytes` returns the encoded image
        (a path's contents, a zip member, or the item itself for LMDB values).
    preprocess: uint8 RGB (H, W, 3) -> uint8 RGB (image_size, image_size, 3).
    Decoding runs in parallel (AUTOTUNE, order kept); failures are filtered out and counted.
    label_items: the items name themselves (paths, member names), so a failure's item is an example
        in the counter; False where items are the encoded bytes (LMDB, TFDS records).
    total: the number of items, which a shard needs to flag its last one.
    """
    import tensorflow as tf

    counter = SkipCounter(name)
    blank = np.zeros((image_size, image_size, channels), np.uint8)

    def decode(item):
        try:
            image = decode_rgb(load_bytes(item))
            if image is None:
                return blank, np.bool_(False)
            image = to_channels(preprocess(image), channels)
            if image.shape != blank.shape:
                return blank, np.bool_(False)
            return np.ascontiguousarray(image, np.uint8), np.bool_(True)
        except Exception:  # a bad file must not end the epoch; it is counted instead
            return blank, np.bool_(False)

    def decode_graph(item, last):
        image, ok = tf.numpy_function(decode, [item], [tf.uint8, tf.bool], stateful=False)
        image.set_shape((image_size, image_size, channels))
        ok.set_shape(())
        # The item names a failure: a path, a member name; LMDB values are the image bytes themselves.
        name = item if label_items else tf.constant(b"")
        return image, ok, last, name

    def tally_graph(image, ok, last, name):
        ok = tf.numpy_function(counter.tally, [ok, last, name], tf.bool, stateful=True)
        ok.set_shape(())
        return image, ok

    def decoded(items):
        dataset = items.map(decode_graph, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        dataset = dataset.map(tally_graph)  # sequential: sees every flag once, in order
        return dataset.filter(_is_ok).map(_image_only)

    def shard(count: int, index: int, limit: int | None = None):
        return decoded(shard_items(source, count, index, total, limit))

    return decoded(source), counter, shard


def _is_ok(image, ok):
    return ok


def _image_only(image, ok):
    return image


def read_path(item: bytes) -> bytes:
    """`load_bytes` for file paths."""
    with open(item.decode(), "rb") as handle:
        return handle.read()
