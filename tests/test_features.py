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


def test_set_batchnorm_statistics_uses_exact_training_set_moments():
    discriminator = tiny_discriminator()
    images = random_images(50, seed=1)
    touched = features.set_batchnorm_statistics(discriminator, images, batch_size=16)
    assert set(touched) == {"down2_bn", "down3_bn"}
    for name, previous in (("down2_bn", "down2"), ("down3_bn", "down3")):
        pre_batchnorm = keras.Model(discriminator.inputs[0], discriminator.get_layer(previous).output)(images, training=False)
        pre_batchnorm = np.asarray(pre_batchnorm, np.float64).reshape(-1, pre_batchnorm.shape[-1])
        layer = discriminator.get_layer(name)
        np.testing.assert_allclose(layer.moving_mean.numpy(), pre_batchnorm.mean(axis=0), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(layer.moving_variance.numpy(), pre_batchnorm.var(axis=0), rtol=1e-4, atol=1e-7)


def test_training_set_statistics_normalise_the_training_images():
    discriminator = tiny_discriminator()
    images = random_images(40, seed=2)
    features.set_batchnorm_statistics(discriminator, images)
    after_batchnorm = keras.Model(discriminator.inputs[0], discriminator.get_layer("down3_bn").output)(images, training=False)
    after_batchnorm = np.asarray(after_batchnorm).reshape(-1, after_batchnorm.shape[-1])
    # gamma = 1, beta = 0 at initialisation: inference output is standardised over the set (up to BN's epsilon).
    layer = discriminator.get_layer("down3_bn")
    variance = layer.moving_variance.numpy()
    np.testing.assert_allclose(after_batchnorm.mean(axis=0), 0.0, atol=1e-3)
    np.testing.assert_allclose(after_batchnorm.std(axis=0), np.sqrt(variance / (variance + layer.epsilon)), rtol=1e-3)


def test_baseline_features():
    images = random_images(4)
    assert features.baseline_features("pixels", images).shape == (4, 32 * 32)
    config = DCGANConfig(width=8)
    random_features = features.baseline_features("random_discriminator", images, config, seed=3, statistics_images=images)
    assert random_features.shape == (4, 112 * 8)
    with pytest.raises(ValueError, match="unknown baseline"):
        features.baseline_features("hog", images)
