"""Latent vectors, and batches of real and fake samples with their discriminator labels (1 real, 0 fake)."""

from __future__ import annotations

import numpy as np


def latent_samples(num_samples: int, latent_dim: int = 100, seed: int | None = 0) -> np.ndarray:
    """z ~ N(0, 1), float32 (num_samples, latent_dim), reproducible from `seed`."""
    return np.random.default_rng(seed).standard_normal((num_samples, latent_dim)).astype(np.float32)


def generate_real_samples(images: np.ndarray, num_samples: int, seed: int | None = 0):
    """A random batch of real images (values as given) and labels ones((num_samples, 1))."""
    rng = np.random.default_rng(seed)
    indices = rng.choice(len(images), size=num_samples, replace=len(images) < num_samples)
    return images[indices], np.ones((num_samples, 1), np.float32)


def generate_fake_samples(generator, num_samples: int, latent_dim: int | None = None, seed: int | None = 0,
                          batch_size: int = 256):
    """Generated images in [-1, 1] (inference mode: BatchNorm uses its moving statistics) and zeros labels."""
    latent = latent_samples(num_samples, latent_dim or generator.input_shape[-1], seed)
    return generate_images(generator, latent, batch_size), np.zeros((num_samples, 1), np.float32)


def generate_images(generator, z, batch_size: int = 256) -> np.ndarray:
    """G(z) in inference mode (BatchNorm's moving statistics), in batches: z (N, latent_dim) -> (N, S, S, C) in [-1, 1]."""
    z = np.asarray(z, dtype=np.float32)
    return np.concatenate([np.asarray(generator(z[start:start + batch_size], training=False))
                           for start in range(0, len(z), batch_size)])
