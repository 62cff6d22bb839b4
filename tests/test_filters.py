"""Dropping object maps from G (paper Sec. 6.3.1, Fig. 6), D's filters and top-activating patches."""

import keras
import numpy as np
import pytest

from model import config as model_config
from model import dcgan
from utils.analysis import filters

CONFIG = model_config.DCGANConfig(width=8)   # 32 px, 1 channel: G has up1 (8x8x16), up2 (16x16x8)


@pytest.fixture(scope="module")
def generator():
    keras.utils.set_random_seed(0)
    return dcgan.build_generator(CONFIG)


def test_second_highest_layer_is_last_up_activation(generator):
    assert filters.second_highest_layer(generator) == "up2_act"
    with pytest.raises(ValueError):
        filters.second_highest_layer(dcgan.build_discriminator(CONFIG))


def test_dropping_maps_zeroes_exactly_those_maps(generator):
    z = np.random.default_rng(0).normal(size=(4, CONFIG.latent_dim)).astype(np.float32)
    dropped = [1, 5]
    original = filters.layer_activations(generator, z)
    assert original.shape == (4, 16, 16, 8)
    modified = filters.without_maps_model(generator, "up2_act", dropped)
    masked = filters.layer_activations(modified, z, "up2_act_dropped")
    unmasked = filters.layer_activations(modified, z, "up2_act")
    np.testing.assert_allclose(unmasked, original, rtol=1e-5, atol=1e-6)     # same weights up to the layer
    assert np.all(masked[..., dropped] == 0.0)
    assert np.abs(original[..., dropped]).max() > 0                           # there was something to drop
    kept = [index for index in range(8) if index not in dropped]
    np.testing.assert_allclose(masked[..., kept], original[..., kept], rtol=1e-5, atol=1e-6)

    regenerated = filters.generate_without(generator, z, None, dropped)
    images = np.asarray(generator(z, training=False))
    assert regenerated.shape == images.shape == (4, 32, 32, 1)
    assert np.abs(regenerated - images).max() > 1e-4
    np.testing.assert_allclose(filters.generate_without(generator, z, "up2_act", []), images, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError):
        filters.without_maps_model(generator, "up2_act", [8])


def planted_region_case(seed: int = 0):
    """Maps 2 and 6 fire inside a random box, map 4 fires outside it, the rest are noise."""
    rng = np.random.default_rng(seed)
    count, size, layer_size, num_maps = 30, 32, 8, 10
    masks = np.zeros((count, size, size), bool)
    for mask in masks:
        top, left = rng.integers(0, size - 12, size=2)
        mask[top:top + 12, left:left + 12] = True
    inside = filters.region_labels(masks, layer_size).astype(np.float32)
    activations = rng.uniform(0, 1, size=(count, layer_size, layer_size, num_maps)).astype(np.float32)
    activations[..., 2] += 2.0 * inside
    activations[..., 6] += 1.0 * inside
    activations[..., 4] += 2.0 * (1 - inside)
    return activations, masks


def test_logistic_regression_picks_the_planted_maps():
    activations, masks = planted_region_case()
    result = filters.maps_for_region(activations, masks)
    assert result["accuracy"] > 0.9
    assert result["weights"].shape == (10,)
    np.testing.assert_array_equal(result["maps"][:2], [2, 6])     # strongest planted map first
    assert 4 not in result["maps"] and result["weights"][4] < 0
    np.testing.assert_array_equal(filters.maps_for_region(activations, masks, top_k=2)["maps"], [2, 6])
    with pytest.raises(ValueError):
        filters.maps_for_region(activations, np.zeros_like(masks))


def test_find_object_maps_runs_on_a_generator(generator):
    z = np.random.default_rng(1).normal(size=(3, CONFIG.latent_dim)).astype(np.float32)
    masks = np.zeros((3, 32, 32), bool)
    masks[:, 4:16, 8:20] = True
    result = filters.find_object_maps(generator, z, masks, top_k=3)
    assert len(result["maps"]) <= 3 and np.all(result["weights"][result["maps"]] > 0)


def test_first_layer_filters_and_top_activating_patches():
    keras.utils.set_random_seed(0)
    discriminator = dcgan.build_discriminator(CONFIG)
    grid = filters.first_layer_filters(discriminator)
    assert grid.shape == (3 * 6 + 1, 3 * 6 + 1, 1)       # 8 filters of 5x5 in a 3x3 grid, 1-px gaps
    assert grid.dtype == np.uint8 and grid[1:6, 1:6].min() == 0 and grid[1:6, 1:6].max() == 255

    assert filters.receptive_field(discriminator, "down1_act") == (5, 2, -1)
    assert filters.receptive_field(discriminator, "down2_act") == (13, 4, -3)
    # Map 0 of down1 sees only the centre pixel of its 5x5 window; a bright dot at (7, 9) of image 2
    # is the centre of output position (3, 4).
    kernel = np.zeros((5, 5, 1, 8), np.float32)
    kernel[2, 2, 0, 0] = 1.0
    discriminator.get_layer("down1").set_weights([kernel, np.zeros(8, np.float32)])
    images = np.zeros((4, 32, 32, 1), np.float32)
    images[2, 7, 9, 0] = 1.0
    images[1, 21, 21, 0] = 0.5
    result = filters.top_activating_patches(discriminator, images, "down1_act", k=2)
    assert result["patches"].shape == (8, 2, 5, 5, 1)
    assert result["image_indices"][0, 0] == 2 and tuple(result["positions"][0, 0]) == (3, 4)
    assert result["patches"][0, 0, 2, 2, 0] == 1.0 and result["patches"][0, 0].sum() == 1.0
    assert result["image_indices"][0, 1] == 1 and result["activations"][0, 1] == pytest.approx(0.5)
