"""Sec. 5.1 discriminator features: dimensions, pooling, and training-set BatchNorm statistics."""

import keras
import numpy as np
import pytest

from model import dcgan
from model.config import DCGANConfig
from utils.evaluation import features


def tiny_discriminator(image_size=32, channels=1, seed=0, **options):
    keras.utils.set_random_seed(seed)
    return dcgan.build_discriminator(DCGANConfig(image_size=image_size, channels=channels, width=8, **options))


def random_images(count, image_size=32, channels=1, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, size=(count, image_size, image_size, channels)).astype(np.float32)


def test_feature_dimension_of_32_and_64_pixel_discriminators():
    width = 8
    assert features.feature_layer_names(tiny_discriminator()) == ["down1_act", "down2_act", "down3_act"]
    assert features.feature_dimension(tiny_discriminator()) == 112 * width
    assert features.feature_dimension(tiny_discriminator(64, 3)) == 4 * 4 * (width + 2 * width + 4 * width + 8 * width)


def test_extract_features_shape_and_batch_independence():
    discriminator = tiny_discriminator()
    images = random_images(7)
    all_at_once = features.extract_features(discriminator, images, batch_size=7)
    in_batches = features.extract_features(discriminator, images, batch_size=3)
    assert all_at_once.shape == (7, 112 * 8)
    np.testing.assert_allclose(all_at_once, in_batches, rtol=1e-5, atol=1e-6)


def test_features_are_4x4_max_pools_of_each_activation():
    discriminator = tiny_discriminator(batch_norm=False)
    images = random_images(2)
    extracted = features.extract_features(discriminator, images)
    maps = keras.Model(discriminator.inputs[0], discriminator.get_layer("down1_act").output)(images).numpy()
    # down1_act is (2, 16, 16, 8): cells of 4x4 pixels; its 4*4*8 features come first, (row, column, map) order.
    expected = maps.reshape(2, 4, 4, 4, 4, 8).max(axis=(2, 4)).reshape(2, -1)
    np.testing.assert_allclose(extracted[:, :128], expected, rtol=1e-6)


def test_baseline_features():
    images = random_images(4)
    assert features.baseline_features("pixels", images).shape == (4, 32 * 32)
    config = DCGANConfig(width=8)
    random_features = features.baseline_features("random_discriminator", images, config, seed=3, statistics_images=images)
    assert random_features.shape == (4, 112 * 8)
    with pytest.raises(ValueError, match="unknown baseline"):
        features.baseline_features("hog", images)
