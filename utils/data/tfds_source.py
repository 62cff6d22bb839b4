"""`--source tfds`: the same datasets read through TensorFlow Datasets instead of the native files.

Our names map to TFDS names (https://www.tensorflow.org/datasets/catalog/overview): mnist -> `mnist`,
fashion_mnist -> `fashion_mnist`, cifar10 -> `cifar10`, svhn -> `svhn_cropped`, celeba -> `celeb_a`,
lsun_bedroom -> `lsun/bedroom`. cats and folder have no TFDS counterpart. The result is the `RawData`
the native readers return (`utils.data.base`), so the pipeline cannot tell the sources apart:

- mnist, fashion_mnist, cifar10, svhn: uint8 (N, H, W, C) at their native size and int64 labels
  0-9 in memory (TFDS's svhn_cropped already stores the digit 0 as label 0, like our reader).
- celeba, lsun_bedroom: a stream of uint8 (image_size, image_size, channels) images. The JPEG bytes
  are taken undecoded (`tfds.decode.SkipDecoding`) and go through the native readers' decode,
  crop and resize (`utils.data.images.decoded_stream`, `celeba.centre_crop`,
  `images.resize_and_centre_crop`), the DCGAN preprocessing of Radford et al. (2016, section 4),
  so both sources give the same pixels for the same file. CelebA's 40 boolean attributes become
  int8 +1/-1 columns in the order of `list_attr_celeba.txt`.

Order: TFDS shuffles examples once when it prepares a dataset, so `limit` takes the first N in TFDS
order, not in file-name order, and the CelebA attribute rows follow the same TFDS order as the stream.
Nothing is downloaded here: a dataset TFDS has not prepared raises FileNotFoundError naming
`tfds build`.
"""

from __future__ import annotations

import numpy as np

from utils.data import base
from utils.data.celeba import centre_crop
from utils.data.fixtures import CELEBA_ATTRIBUTES
from utils.data.images import check_args, decoded_stream, resize_and_centre_crop
from utils.errors import MissingError, UsageError

TFDS_NAMES = {
    "mnist": "mnist",
    "fashion_mnist": "fashion_mnist",
    "cifar10": "cifar10",
    "svhn": "svhn_cropped",
    "celeba": "celeb_a",
    "lsun_bedroom": "lsun/bedroom",
}
# our split name -> TFDS split expression, per dataset (the same choices as the native readers)
SPLITS = {
    "mnist": {"train": "train", "test": "test"},
    "fashion_mnist": {"train": "train", "test": "test"},
    "cifar10": {"train": "train", "test": "test"},
    "svhn": {"train": "train", "test": "test", "extra": "extra"},
    "celeba": {"train": "train", "valid": "validation", "test": "test", "all": "train+validation+test"},
    "lsun_bedroom": {"train": "train"},
}
STREAMED = ("celeba", "lsun_bedroom")
COLLECT_BATCH = 4096


def _import_tfds():
    try:
        import tensorflow_datasets as tfds
    except ImportError as error:
        raise UsageError("--source tfds needs the tensorflow-datasets package: "
                         "`pip install tensorflow-datasets`, or use --source native") from error
    return tfds


def not_prepared_error(name: str, tfds_name: str, data_dir) -> MissingError:
    """The one error for a dataset TFDS has not built: it names both fixes."""
    where = f" --data_dir {data_dir}" if data_dir is not None else ""
    return MissingError(
        f"{name}: TFDS has not prepared {tfds_name} in {data_dir or 'its default data_dir'}; run "
        f"`tfds build {tfds_name}{where}` on a machine with internet (and copy the folder here), "
        f"or use --source native with `bash datasets/download_{name}.sh`")


def open_split(name: str, data_dir=None, split: str = "train", limit: int | None = None, decoders=None,
               as_supervised: bool = False):
    """(the TFDS builder, the split as a tf.data.Dataset in stored order, first `limit` examples)."""
    tfds = _import_tfds()
    tfds_name = TFDS_NAMES[name]
    builder = tfds.builder(tfds_name, data_dir=None if data_dir is None else str(data_dir))
    try:
        dataset = builder.as_dataset(split=SPLITS[name][split], shuffle_files=False, decoders=decoders,
                                     as_supervised=as_supervised)
    except AssertionError as error:
        # TFDS asserts that the prepared files exist; any other failure is not ours to reword.
        if builder.is_prepared():
            raise
        raise not_prepared_error(name, tfds_name, data_dir) from error
    if limit is not None:
        dataset = dataset.take(limit)
    return builder, dataset


def _count(dataset) -> int:
    """Examples in a TFDS split: prepared TFDS splits carry their cardinality; counting by reading is the fallback."""
    count = int(dataset.cardinality())
    if count < 0:
        count = sum(1 for _ in dataset)
    return count


def _load_in_memory(name: str, data_dir, split: str, limit: int | None) -> base.RawData:
    builder, dataset = open_split(name, data_dir, split, limit, as_supervised=True)
    image_chunks, label_chunks = [], []
    for images, labels in dataset.batch(COLLECT_BATCH).prefetch(1).as_numpy_iterator():
        image_chunks.append(images)
        label_chunks.append(labels)
    if not image_chunks:
        raise UsageError(f"{name}: TFDS split {SPLITS[name][split]!r} of {builder.name} is empty")
    images = np.concatenate(image_chunks).astype(np.uint8, copy=False)
    labels = np.concatenate(label_chunks).astype(np.int64)
    return base.RawData(images=images, labels=labels, source=f"tfds:{builder.name} ({builder.data_dir})")


def _celeba_attributes(data_dir, split: str, limit: int | None) -> np.ndarray:
    """int8 (N, 40) of +1/-1 in list_attr_celeba order, read without decoding the images."""
    tfds = _import_tfds()
    decoders = tfds.decode.PartialDecoding({"attributes": True})
    _, dataset = open_split("celeba", data_dir, split, limit, decoders=decoders)
    columns = {attribute: [] for attribute in CELEBA_ATTRIBUTES}
    for batch in dataset.batch(COLLECT_BATCH).as_numpy_iterator():
        for attribute in CELEBA_ATTRIBUTES:
            columns[attribute].append(batch["attributes"][attribute])
    if not columns[CELEBA_ATTRIBUTES[0]]:
        return np.zeros((0, len(CELEBA_ATTRIBUTES)), np.int8)
    present = np.stack([np.concatenate(columns[attribute]) for attribute in CELEBA_ATTRIBUTES], axis=1)
    return np.where(present, 1, -1).astype(np.int8)


def _load_stream(name: str, data_dir, split: str, image_size: int, channels: int,
                 limit: int | None) -> base.RawData:
    tfds = _import_tfds()
    builder, dataset = open_split(name, data_dir, split, limit,
                                  decoders={"image": tfds.decode.SkipDecoding()})
    total = _count(dataset)
    if total == 0:
        raise UsageError(f"{name}: TFDS split {SPLITS[name][split]!r} of {builder.name} is empty")
    # (encoded bytes, is_last) pairs, the input of the native readers' fault-tolerant decoder
    encoded = dataset.enumerate().map(lambda index, example: (example["image"], index == total - 1))

    if name == "celeba":
        def preprocess(image):
            return centre_crop(image, image_size)
        attributes = _celeba_attributes(data_dir, split, limit)
        if len(attributes) != total:
            raise UsageError(f"{name}: TFDS gave {len(attributes)} attribute rows for {total} images")
        attribute_names = list(CELEBA_ATTRIBUTES)
    else:
        def preprocess(image):
            return resize_and_centre_crop(image, image_size)
        attributes, attribute_names = None, None

    source = f"tfds:{builder.name} ({builder.data_dir})"
    stream, counter, shard = decoded_stream(encoded, lambda value: value if isinstance(value, bytes) else bytes(value),
                                            preprocess, image_size, channels, f"{name} ({source})",
                                            label_items=False, total=total)
    return base.RawData(stream=stream, shard=shard, attributes=attributes, attribute_names=attribute_names,
                        num_examples=total, source=source, unreadable=counter)


def load_tfds(name: str, data_dir=None, split: str = "train", image_size: int = 32, channels: int | None = None,
              limit: int | None = None) -> base.RawData:
    """Dataset `name` (our name, e.g. 'svhn') read through TFDS, as the native reader would return it.

    data_dir: TFDS's data_dir (None: TFDS's default, ~/tensorflow_datasets or $TFDS_DATA_DIR).
    split: the native reader's split names ('valid' is TFDS's 'validation'). limit: the first N.
    Small datasets: uint8 (N, H, W, C) at native size with int64 labels 0-9. celeba, lsun_bedroom:
    a stream of uint8 (image_size, image_size, channels); celeba also int8 (N, 40) +1/-1 attributes,
    read up front in one pass over the records that skips the images.
    """
    if name not in TFDS_NAMES:
        if name in ("cats", "folder"):
            raise UsageError(f"{name}: TFDS has no such dataset; use --source native")
        raise UsageError(f"unknown dataset {name!r}; --source tfds offers: {', '.join(sorted(TFDS_NAMES))}")
    channels = check_args(name, split, image_size, channels, limit, splits=tuple(SPLITS[name]))
    limit = None if limit is None else int(limit)
    if name in STREAMED:
        return _load_stream(name, data_dir, split, int(image_size), channels, limit)
    return _load_in_memory(name, data_dir, split, limit)
