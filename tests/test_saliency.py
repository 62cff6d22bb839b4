"""Grad-CAM and guided backprop on models whose right answer is known (paper Sec. 6.2, Fig. 5)."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from model import config as model_config
from model import dcgan
from utils.analysis import saliency


def quadrant_discriminator(size: int = 16) -> keras.Sequential:
    """Two 1x1 stride-2 convolution maps (map c copies input channel c) and a logit that reads
    only map 0 in the top-left quadrant of the (size/2)^2 feature grid."""
    model = keras.Sequential([
        keras.Input(shape=(size, size, 2)),
        layers.Conv2D(2, 1, strides=2, name="down1"),
        layers.ReLU(name="down1_act"),
        layers.Flatten(name="flatten"),
        layers.Dense(1, name="logit"),
    ])
    kernel = np.eye(2, dtype=np.float32).reshape(1, 1, 2, 2)
    model.get_layer("down1").set_weights([kernel, np.zeros(2, np.float32)])
    half = size // 2
    dense = np.zeros((half, half, 2), np.float32)
    dense[: half // 2, : half // 2, 0] = 1.0
    model.get_layer("logit").set_weights([dense.reshape(-1, 1), np.zeros(1, np.float32)])
    return model


def quadrant_images(size: int = 16, count: int = 2) -> np.ndarray:
    """Positive content everywhere: channel 0 in the top-left quadrant, channel 1 elsewhere."""
    rng = np.random.default_rng(0)
    images = np.zeros((count, size, size, 2), np.float32)
    texture = rng.uniform(0.2, 1.0, size=(count, size, size)).astype(np.float32)
    half = size // 2
    images[:, :half, :half, 0] = texture[:, :half, :half]
    mask = np.ones((size, size), bool)
    mask[:half, :half] = False
    images[:, mask, 1] = texture[:, mask]
    return images


def test_grad_cam_lights_only_the_quadrant_the_logit_reads():
    model = quadrant_discriminator()
    images = quadrant_images()
    heatmaps = saliency.grad_cam(model, images)
    assert heatmaps.shape == (2, 16, 16)
    assert heatmaps.min() >= 0.0 and heatmaps.max() <= 1.0
    inside = heatmaps[:, :6, :6].mean()      # away from the bilinear seam at row/column 8
    outside = heatmaps[:, 10:, :].mean() + heatmaps[:, :, 10:].mean()
    assert inside > 0.3
    assert outside < 0.02 * inside
    # Explaining "fake" turns the only evidence around: nothing is left to light.
    assert saliency.grad_cam(model, images, target="fake").max() == 0.0


def test_overlay_is_uint8_rgb():
    images = np.full((2, 16, 16, 1), -1.0, np.float32)
    heatmaps = np.zeros((2, 16, 16), np.float32)
    heatmaps[:, :8, :8] = 1.0
    blended = saliency.overlay(images, heatmaps, alpha=0.5)
    assert blended.dtype == np.uint8 and blended.shape == (2, 16, 16, 3)
    assert not np.array_equal(blended[0, 0, 0], blended[0, 15, 15])
    with pytest.raises(ValueError):
        saliency.overlay(images, heatmaps[:, :8, :8])


@pytest.mark.parametrize("activation", [layers.ReLU(), layers.LeakyReLU(0.2)])
def test_guided_rectifier_passes_positive_gradients_where_input_positive(activation):
    x = tf.constant([[-1.0, 2.0, 3.0, 0.5]])
    upstream = tf.constant([[5.0, -1.0, 2.0, 4.0]])
    slope = saliency._rectifier_slope(activation)
    guided = saliency.GuidedRectifier(slope)
    with tf.GradientTape() as tape:
        tape.watch(x)
        outputs = guided(x)
    np.testing.assert_allclose(outputs.numpy(), activation(x).numpy(), rtol=1e-6)   # forward unchanged
    gradient = tape.gradient(outputs, x, output_gradients=upstream).numpy()
    np.testing.assert_allclose(gradient, [[0.0, 0.0, 2.0, 4.0]])


def test_guided_backprop_matches_hand_computation():
    # x (3,) -> hidden = W1^T x -> LeakyReLU(0.2) -> out = W2^T a -> ReLU; target: out unit 0.
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(3, use_bias=False, name="hidden"),
                              layers.LeakyReLU(0.2, name="hidden_act"), layers.Dense(2, use_bias=False, name="out"),
                              layers.ReLU(name="out_act")])
    first = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, -1.0]], np.float32)
    second = np.array([[2.0, 1.0], [-1.0, 1.0], [3.0, 1.0]], np.float32)
    model.get_layer("hidden").set_weights([first])
    model.get_layer("out").set_weights([second])
    x = np.array([[1.0, 2.0, 4.0]], np.float32)
    hidden = x @ first                       # [5, 6, -1]: unit 2 negative
    assert np.allclose(hidden, [[5.0, 6.0, -1.0]])
    # out0 = 2*5 - 1*6 + 3*(-0.2) = 3.4 > 0, so the top ReLU passes upstream 1.
    # dout0/da = [2, -1, 3]; guided at hidden_act: unit 1 gradient negative -> 0, unit 2 input
    # negative -> 0, so dhidden = [2, 0, 0] and dx = first @ [2, 0, 0] = [2, 0, 2].
    guided = saliency.guided_backprop(model, x, "out_act", map_index=0)
    np.testing.assert_allclose(guided, [[2.0, 0.0, 2.0]], atol=1e-6)
    # Plain backprop differs: dx = first @ [2, -1, 3*0.2] = [2.6, -0.4, 0.4].
    with tf.GradientTape() as tape:
        inputs = tf.constant(x)
        tape.watch(inputs)
        plain = tape.gradient(model(inputs)[:, 0], inputs).numpy()
    np.testing.assert_allclose(plain, [[2.6, -0.4, 0.4]], atol=1e-6)
    # The original model is untouched by building the guided clone.
    assert all(isinstance(layer, (layers.Dense, layers.ReLU, layers.LeakyReLU)) for layer in model.layers)


def test_guided_backprop_on_tiny_dcgan_discriminator_and_random_baseline():
    config = model_config.DCGANConfig(width=8)
    keras.utils.set_random_seed(0)
    discriminator = dcgan.build_discriminator(config)
    baseline = saliency.random_like(discriminator)
    assert not np.allclose(baseline.get_layer("down1").get_weights()[0],
                           discriminator.get_layer("down1").get_weights()[0])
    images = np.random.default_rng(1).uniform(-1, 1, size=(4, 32, 32, 1)).astype(np.float32)
    for model in (discriminator, baseline):
        clone = saliency.guided_model(model)
        np.testing.assert_allclose(clone(images, training=False), model(images, training=False), rtol=1e-4, atol=1e-5)
        result = saliency.guided_backprop_top_maps(model, images, k=3)
        assert result["gradients"].shape == (3, 32, 32, 1)
        assert np.all(np.isfinite(result["gradients"])) and np.abs(result["gradients"]).max() > 0
        assert len(set(result["map_indices"].tolist())) == 3
        assert np.all(np.diff(result["peak_activations"]) <= 1e-6)   # strongest first
        shown = saliency.gradients_to_images(result["gradients"])
        assert shown.min() >= 0.0 and shown.max() <= 1.0
        heatmaps = saliency.grad_cam(model, images)
        assert heatmaps.shape == (4, 32, 32)


def test_grad_cam_on_a_discriminator_loaded_from_keras_file(tmp_path):
    """The trained D users analyse comes from a .keras file; Grad-CAM must work on it as built."""
    import keras

    from model.config import DCGANConfig
    from model.dcgan import build_discriminator
    from utils.analysis.saliency import grad_cam

    discriminator = build_discriminator(DCGANConfig(width=8))
    discriminator.save(tmp_path / "discriminator.keras")
    loaded = keras.models.load_model(tmp_path / "discriminator.keras", safe_mode=True)
    images = np.random.default_rng(0).uniform(-1, 1, (3, 32, 32, 1)).astype("float32")
    np.testing.assert_allclose(grad_cam(loaded, images), grad_cam(discriminator, images), atol=1e-5)
    assert grad_cam(loaded, images).max() > 0
