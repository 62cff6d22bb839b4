"""D's BatchNorm statistics of real images (model.batchnorm), for the analyses that run D in inference mode."""

import keras
import numpy as np

from model import batchnorm
from model.config import DCGANConfig
from model.gan import DCGAN
from tests.test_features import random_images, tiny_discriminator
from utils.data import load_raw
from utils.data.pipeline import TrainingData


def test_set_batchnorm_statistics_uses_exact_training_set_moments():
    discriminator = tiny_discriminator()
    images = random_images(50, seed=1)
    touched = batchnorm.set_batchnorm_statistics(discriminator, images, batch_size=16)
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
    batchnorm.set_batchnorm_statistics(discriminator, images)
    after_batchnorm = keras.Model(discriminator.inputs[0], discriminator.get_layer("down3_bn").output)(images, training=False)
    after_batchnorm = np.asarray(after_batchnorm).reshape(-1, after_batchnorm.shape[-1])
    # gamma = 1, beta = 0 at initialisation: inference output is standardised over the set (up to BN's epsilon).
    layer = discriminator.get_layer("down3_bn")
    variance = layer.moving_variance.numpy()
    np.testing.assert_allclose(after_batchnorm.mean(axis=0), 0.0, atol=1e-3)
    np.testing.assert_allclose(after_batchnorm.std(axis=0), np.sqrt(variance / (variance + layer.epsilon)), rtol=1e-3)


def test_a_trained_d_with_real_statistics_sees_real_images_as_their_own_batch(mnist_dir):
    """After training, D's moving statistics mix real and fake batches; the copy's inference-mode output on
    the real images equals D's training-mode output on them as one batch (BatchNorm on their own statistics),
    and the trained D is left as it was."""
    config = DCGANConfig(dataset="mnist", width=8, batch_size=16, epochs=1, seed=3)
    data = TrainingData(load_raw("mnist", data_dir=mnist_dir), 32, 1, 16, seed=3)
    gan = DCGAN(config)
    for batch in data.epoch_dataset(0).take(3):
        gan.train_step(batch)
    real = next(iter(data.epoch_dataset(1).unbatch().batch(64))).numpy()
    discriminator = gan.discriminator
    trained_statistics = [weight.numpy().copy() for weight in discriminator.non_trainable_weights]

    copy = batchnorm.with_real_statistics(discriminator, real, batch_size=24)
    assert [layer.name for layer in copy.layers] == [layer.name for layer in discriminator.layers]
    for before, weight in zip(trained_statistics, discriminator.non_trainable_weights):
        np.testing.assert_array_equal(weight.numpy(), before)   # the trained D is untouched
    moved = max(float(np.abs(a.numpy() - b.numpy()).max())
                for a, b in zip(copy.non_trainable_weights, discriminator.non_trainable_weights))
    assert moved > 1e-3   # training left statistics that are not those of these real images
    inference = np.asarray(copy(real, training=False))
    probe = keras.models.clone_model(discriminator)
    probe.set_weights(discriminator.get_weights())
    as_one_batch = np.asarray(probe(real, training=True))
    np.testing.assert_allclose(inference, as_one_batch, rtol=1e-3, atol=1e-4)
    assert not np.allclose(np.asarray(discriminator(real, training=False)), as_one_batch, rtol=1e-3, atol=1e-4)


def test_a_model_without_batchnorm_is_returned_as_it_is():
    discriminator = tiny_discriminator(batch_norm=False)
    assert batchnorm.with_real_statistics(discriminator, random_images(4)) is discriminator
