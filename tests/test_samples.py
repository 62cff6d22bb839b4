"""Latent vectors and generated batches: reproducible from the seed, the same in batches as in one call."""

import numpy as np

from utils.pictures.samples import generate_fake_samples, generate_images, latent_samples


def test_generate_images_in_batches_matches_one_call(tiny_config):
    from model.dcgan import build_generator

    generator = build_generator(tiny_config)
    z = np.random.default_rng(0).normal(size=(5, tiny_config.latent_dim)).astype(np.float32)
    images = generate_images(generator, z, batch_size=2)
    np.testing.assert_allclose(images, np.asarray(generator(z, training=False)), atol=1e-6)


def test_fake_samples_are_the_images_of_the_seeds_latent_vectors(tiny_config):
    from model.dcgan import build_generator

    generator = build_generator(tiny_config)
    images, labels = generate_fake_samples(generator, 3, seed=7, batch_size=2)
    expected = generate_images(generator, latent_samples(3, tiny_config.latent_dim, seed=7))
    np.testing.assert_allclose(images, expected, atol=1e-6)
    assert labels.shape == (3, 1) and not labels.any()
