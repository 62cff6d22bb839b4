"""utils.analysis.views: smoke configs, images in memory, concept labels, box masks, image rows."""

import numpy as np
import pytest

from utils.analysis import views


def test_dataset_shapes_and_smoke_config():
    assert views.dataset_shape("fashion_mnist") == (32, 1)
    assert views.dataset_shape("lsun_bedroom") == (64, 3)
    with pytest.raises(ValueError, match="choose one of"):
        views.dataset_shape("imagenet")
    config = views.smoke_config("celeba", seed=3)
    assert (config.image_size, config.channels, config.width, config.epochs, config.limit, config.seed) == \
        (64, 3, 8, 1, 64, 3)


def test_load_images_in_memory_and_streamed(mnist_dir, tmp_path):
    images, labels, attributes, _ = views.load_images("mnist", mnist_dir, "train", limit=10)
    assert images.shape == (10, 32, 32, 1) and images.dtype == np.float32
    assert -1.0 <= images.min() and images.max() <= 1.0 and labels.shape == (10,) and attributes is None

    from utils.data.fixtures import write_fixture

    write_fixture("celeba", tmp_path, 16)
    images, labels, attributes, names = views.load_images("celeba", tmp_path, "train", limit=5)
    assert images.shape == (5, 64, 64, 3) and labels is None
    assert attributes.shape == (5, len(names)) and "Smiling" in names


def test_concept_labels_from_classes_and_attributes():
    labels, names = views.concept_labels(np.array([0, 2, 1]), ["a", "b", "c"])
    assert labels.tolist() == [0, 2, 1] and names == ["a", "b", "c"]
    attributes = np.array([[1, -1, 1], [-1, -1, -1], [-1, 1, 1]])        # Male, Young, Smiling
    codes, names = views.concept_labels(attributes=attributes, attribute_names=["Male", "Young", "Smiling"],
                                                 concept_attributes=("Male", "Smiling"))
    assert names == ["not Male, not Smiling", "not Male, Smiling", "Male, not Smiling", "Male, Smiling"]
    assert [names[code] for code in codes] == ["Male, Smiling", "not Male, not Smiling", "not Male, Smiling"]
    with pytest.raises(ValueError, match="not among"):
        views.concept_labels(attributes=attributes, attribute_names=["Male", "Young", "Smiling"],
                                      concept_attributes=("Eyeglasses",))


def test_box_mask():
    masks = views.box_mask(32, [(0.0, 0.0, 0.5, 1.0)], count=3)
    assert masks.shape == (3, 32, 32) and masks.dtype == bool
    assert masks[:, :16].all() and not masks[:, 16:].any()
    sleeves = views.box_mask(32, [(0.25, 0.0, 0.5, 0.25), (0.25, 0.75, 0.5, 0.25)])[0]
    assert sleeves[8:24, :8].all() and sleeves[8:24, 24:].all() and not sleeves[:, 8:24].any()
    for boxes in ([(0.0, 0.0, 1.0, 1.0)], [(0.5, 0.0, 0.6, 1.0)], [(0.0, 0.0, 0.0, 0.0)]):
        with pytest.raises(ValueError):
            views.box_mask(32, boxes)


def test_image_rows_and_to_signed():
    from matplotlib import pyplot

    grey = np.zeros((4, 32, 32, 1), np.float32)
    colour = np.zeros((2, 32, 32, 3), np.uint8)
    figure = views.image_rows([grey, colour], ["grey", "colour"], title="t")
    assert len(figure.axes) == 2 and figure.axes[0].get_ylabel() == "grey"
    pyplot.close(figure)
    with pytest.raises(ValueError, match="labels"):
        views.image_rows([grey], ["a", "b"])
    assert views.to_signed(np.array([0.0, 0.5, 1.0])).tolist() == [-1.0, 0.0, 1.0]
