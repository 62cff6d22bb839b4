"""Nearest training images of generated samples (memorisation check, paper Sec. 5.1 / Fig. 2-3)."""

import keras
import numpy as np
import pytest

from model import config as model_config
from model import dcgan
from utils.analysis import memorisation


def training_set(count: int = 300, size: int = 32, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, size=(count, size, size, 1)).astype(np.float32)


def test_nearest_neighbours_matches_brute_force_across_chunks():
    rng = np.random.default_rng(0)
    queries, references = rng.normal(size=(37, 5)), rng.normal(size=(53, 5))
    indices, distances = memorisation.nearest_neighbours(queries, references, k=3, chunk_size=8)
    brute = np.linalg.norm(queries[:, None, :] - references[None, :, :], axis=-1)
    np.testing.assert_array_equal(indices, np.argsort(brute, axis=1)[:, :3])
    np.testing.assert_allclose(distances, np.sort(brute, axis=1)[:, :3], rtol=1e-9)
    with pytest.raises(ValueError):
        memorisation.nearest_neighbours(queries, references[:, :4])


def test_planted_duplicates_are_found_in_pixel_and_feature_space():
    images = training_set()
    planted = np.array([5, 123, 42, 299, 0])
    samples = images[planted] + np.random.default_rng(1).normal(0, 1e-3, size=images[planted].shape).astype(np.float32)
    indices, distances = memorisation.nearest_training_images(samples, images, k=2, chunk_size=64)
    np.testing.assert_array_equal(indices[:, 0], planted)
    assert np.all(distances[:, 0] < 0.1) and np.all(distances[:, 1] > 10 * distances[:, 0])

    keras.utils.set_random_seed(0)
    discriminator = dcgan.build_discriminator(model_config.DCGANConfig(width=8))
    features = memorisation.discriminator_features(discriminator, images[:10], batch_size=4)
    assert features.shape == (10, 4 * 4 * 32)     # down3_act of a width-8 32-px D: (4, 4, 32)
    indices, _ = memorisation.nearest_training_images(samples, images, space="features", discriminator=discriminator)
    np.testing.assert_array_equal(indices[:, 0], planted)
    with pytest.raises(ValueError):
        memorisation.nearest_training_images(samples, images, space="features")


def test_score_is_near_zero_for_copies_and_near_one_for_fresh_samples():
    images = training_set(400)
    training, held_out = images[:300], images[300:]
    rng = np.random.default_rng(2)
    copies = held_out + rng.normal(0, 1e-3, size=held_out.shape).astype(np.float32)
    fresh = rng.uniform(-1, 1, size=held_out.shape).astype(np.float32)
    copied = memorisation.nearest_neighbour_score(copies, held_out, training)
    unrelated = memorisation.nearest_neighbour_score(fresh, held_out, training)
    assert set(copied) == {"samples_to_held_out", "held_out_to_training", "ratio", "reference_images"}
    assert copied["reference_images"] == 100
    assert copied["ratio"] < 0.01
    assert unrelated["ratio"] > 0.8
    assert unrelated["samples_to_held_out"] > 100 * copied["samples_to_held_out"]


def test_neighbour_grid_layout():
    images = training_set(10, size=8)
    samples = -np.ones((3, 8, 8, 1), np.float32)
    indices = np.array([[0, 1], [2, 3], [4, 5]])
    grid = memorisation.neighbour_grid(samples, images, indices, padding=2)
    assert grid.shape == (3 * 10 + 2, 4 * 10 + 2, 1) and grid.dtype == np.uint8
    np.testing.assert_array_equal(grid[2:10, 2:10], 0)                                         # the black sample
    np.testing.assert_array_equal(grid[2:10, 12:20], 255)                                      # the blank tile
    np.testing.assert_allclose(grid[12:20, 22:30], np.rint((images[2] + 1) * 127.5), atol=0)  # row 1, neighbour 1


def test_score_compares_references_of_equal_size():
    """Real images scored as samples give a ratio near 1 only if both searches have as many references:
    against all 4,000 training images the real-vs-real distance would be smaller, and the ratio biased up."""
    images = training_set(6000, size=2)   # 4 values: nearest distances depend strongly on the reference count
    training, held_out, more_real = images[:4000], images[4000:5000], images[5000:]
    score = memorisation.nearest_neighbour_score(more_real, held_out, training)
    assert score["ratio"] == pytest.approx(1.0, abs=0.06)
    _, all_training = memorisation.nearest_neighbours(held_out, training)
    biased = score["samples_to_held_out"] / all_training.mean()
    assert biased > 1.25   # about 4 ** (1 / 4) = 1.41 in 4 dimensions
    with pytest.raises(ValueError, match="at least as many training images"):
        memorisation.nearest_neighbour_score(more_real, held_out, training[:50])
