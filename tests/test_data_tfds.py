"""`--source tfds` on mocked TFDS (no download): shapes, labels, CelebA attributes, the same pixels as the
native readers, and the error for a dataset TFDS has not prepared."""

import functools
import io

import numpy as np
import pytest
import tensorflow as tf

tfds = pytest.importorskip("tensorflow_datasets")

from utils.data import celeba, fixtures, lsun, tfds_source  # noqa: E402
from utils.data.pipeline import TrainingData  # noqa: E402

# The pip package ships no TFDS metadata files, so the mock builds each dataset's features from its code.
mock_data = functools.partial(tfds.testing.mock_data, policy=tfds.testing.MockPolicy.USE_CODE)


def _images(raw):
    return np.stack(list(raw.stream.as_numpy_iterator()))


def _serve(examples):
    """An `as_dataset_fn` for mock_data that serves `examples` in order through TFDS's own
    serialise -> parse -> decode path, so SkipDecoding and PartialDecoding behave as on prepared data."""

    def as_dataset(builder, split, decoders=None, read_config=None, shuffle_files=False):
        features = builder.info.features
        serialized = [features.serialize_example(example) for example in examples]
        if isinstance(decoders, tfds.decode.PartialDecoding):
            features, decoders = decoders.extract_features(features), decoders.decoders
        return tf.data.Dataset.from_tensor_slices(serialized).map(
            functools.partial(features.deserialize_example, decoders=decoders))

    return as_dataset


@pytest.mark.parametrize("name, shape", [("mnist", (28, 28, 1)), ("fashion_mnist", (28, 28, 1)),
                                         ("cifar10", (32, 32, 3)), ("svhn", (32, 32, 3))])
def test_labelled_datasets_in_memory_at_native_size(name, shape):
    with mock_data(num_examples=6):
        raw = tfds_source.load_tfds(name, split="test")
        limited = tfds_source.load_tfds(name, limit=4)
    assert raw.images.dtype == np.uint8 and raw.images.shape == (6, *shape)
    assert raw.labels.dtype == np.int64 and raw.labels.shape == (6,)
    assert raw.labels.min() >= 0 and raw.labels.max() <= 9
    assert raw.stream is None and raw.num_examples == 6 and raw.source.startswith("tfds:")
    assert limited.images.shape == (4, *shape) and len(limited.labels) == 4
    np.testing.assert_array_equal(limited.images, raw.images[:4])  # limit: the first N


def test_mnist_goes_through_the_pipeline_padding():
    with mock_data(num_examples=4):
        raw = tfds_source.load_tfds("mnist")
    data = TrainingData(raw, image_size=32, channels=1, batch_size=2, seed=0)
    assert data.images.shape == (4, 32, 32, 1)
    np.testing.assert_array_equal(data.images[:, 2:30, 2:30], raw.images)


def test_celeba_stream_and_attributes():
    with mock_data(num_examples=5):
        raw = tfds_source.load_tfds("celeba", split="valid", image_size=64)
        images = _images(raw)
        limited = tfds_source.load_tfds("celeba", image_size=64, limit=2)
        assert len(_images(limited)) == 2
    assert images.dtype == np.uint8 and images.shape == (5, 64, 64, 3)
    assert raw.num_examples == 5 and raw.labels is None and raw.images is None
    assert raw.attributes.dtype == np.int8 and raw.attributes.shape == (5, 40)
    assert set(np.unique(raw.attributes)) <= {-1, 1}
    assert raw.attribute_names == fixtures.CELEBA_ATTRIBUTES
    assert limited.num_examples == 2 and limited.attributes.shape == (2, 40)


def test_celeba_matches_the_native_reader(tmp_path):
    written = fixtures.write_celeba(tmp_path, 4)
    native = celeba.load(data_dir=tmp_path, split="all", image_size=64)
    folder = tmp_path / celeba.IMAGE_FOLDER
    examples = [{"image": io.BytesIO((folder / name).read_bytes()),
                 "attributes": dict(zip(fixtures.CELEBA_ATTRIBUTES, (bool(value > 0) for value in row))),
                 "landmarks": {heading: 0 for heading in _landmark_headings()},
                 "identity": {"Identity_No": 0}}
                for name, row in zip(written["names"], written["attributes"])]
    with mock_data(as_dataset_fn=_serve(examples)):
        raw = tfds_source.load_tfds("celeba", split="all", image_size=64)
        images = _images(raw)
    np.testing.assert_array_equal(raw.attributes, written["attributes"])
    np.testing.assert_array_equal(images, _images(native))  # same decode, crop and resize


def test_lsun_matches_the_native_reader(tmp_path):
    pytest.importorskip("lmdb")
    fixtures.write_lsun_lmdb(tmp_path, 3)
    native = lsun.load(data_dir=tmp_path, image_size=16, channels=1)
    generate, _ = lsun.lmdb_values(tmp_path / lsun.LMDB_FOLDER, None)
    examples = [{"id": str(index), "image": io.BytesIO(value)} for index, (value, _) in enumerate(generate())]
    with mock_data(as_dataset_fn=_serve(examples)):
        raw = tfds_source.load_tfds("lsun_bedroom", image_size=16, channels=1)
        images = _images(raw)
    assert images.shape == (3, 16, 16, 1) and raw.num_examples == 3 and raw.attributes is None
    np.testing.assert_array_equal(images, _images(native))


def test_lsun_stream_limit():
    with mock_data(num_examples=3):
        raw = tfds_source.load_tfds("lsun_bedroom", image_size=32, limit=2)
        images = _images(raw)
    assert images.dtype == np.uint8 and images.shape == (2, 32, 32, 3) and raw.num_examples == 2


@pytest.mark.parametrize("name", ["cats", "folder"])
def test_datasets_tfds_lacks(name):
    with pytest.raises(ValueError, match="TFDS has no such dataset; use --source native"):
        tfds_source.load_tfds(name)


def test_bad_split():
    with pytest.raises(ValueError, match="split"):
        tfds_source.load_tfds("celeba", split="validation")   # ours is 'valid'


@pytest.mark.parametrize("name, tfds_name", [("mnist", "mnist"), ("celeba", "celeb_a")])
def test_not_prepared_names_the_fix(tmp_path, name, tfds_name):
    with pytest.raises(FileNotFoundError, match=f"tfds build {tfds_name} --data_dir") as caught:
        tfds_source.load_tfds(name, data_dir=tmp_path)
    assert f"datasets/download_{name}.sh" in str(caught.value)
    assert not any(tmp_path.iterdir())  # nothing downloaded or created


def _landmark_headings():
    return ("lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y "
            "rightmouth_x rightmouth_y").split()
