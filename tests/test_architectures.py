"""The earlier reproductions' layouts: 4x4 kernels, another LeakyReLU slope, the linDCGAN; and the analyses on them."""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest
from keras import layers

from model import batchnorm
from model.config import DCGANConfig
from model.dcgan import build_discriminator, build_generator, last_conv_name
from model.gan import DCGAN
from tests.conftest import REPO
from utils.analysis import saliency
from utils.evaluation import features


def tiny(**options):
    keras.utils.set_random_seed(0)
    return DCGANConfig(width=8, **options)


@pytest.mark.parametrize("image_size", [32, 64])
@pytest.mark.parametrize("architecture", ["dcgan", "lin"])
@pytest.mark.parametrize("kernel_size", [4, 5])
def test_shapes_kernels_and_layers(image_size, architecture, kernel_size):
    config = tiny(image_size=image_size, channels=3, architecture=architecture, kernel_size=kernel_size,
                  leaky_slope=0.1)
    generator, discriminator = build_generator(config), build_discriminator(config)
    assert generator.output_shape == (None, image_size, image_size, 3) and discriminator.output_shape == (None, 1)
    convolutions = [layer for model in (generator, discriminator) for layer in model.layers
                    if isinstance(layer, (layers.Conv2D, layers.Conv2DTranspose))]
    assert convolutions and all(layer.kernel_size == (kernel_size, kernel_size) for layer in convolutions)
    slopes = [float(layer.negative_slope) for layer in discriminator.layers if isinstance(layer, layers.LeakyReLU)]
    assert slopes and all(slope == pytest.approx(0.1) for slope in slopes)
    blocks = {32: 3, 64: 4}[image_size]
    down = [layer for layer in discriminator.layers if isinstance(layer, layers.Conv2D)]
    up = [layer for layer in generator.layers if isinstance(layer, layers.Conv2DTranspose)]
    to_image = generator.get_layer("to_image")
    if architecture == "lin":   # D down to 2x2 before its linear layer; G's last layer a stride-1 convolution
        assert len(down) == blocks + 1 and discriminator.get_layer(last_conv_name(discriminator)).output.shape[1] == 2
        assert len(up) == blocks and type(to_image) is layers.Conv2D and to_image.strides == (1, 1)
    else:                       # the paper's: D down to 4x4, G's last layer the last transposed convolution
        assert len(down) == blocks and discriminator.get_layer(last_conv_name(discriminator)).output.shape[1] == 4
        assert len(up) == blocks and isinstance(to_image, layers.Conv2DTranspose) and to_image.strides == (2, 2)


def test_the_analyses_work_on_the_lin_discriminator():
    config = tiny(architecture="lin", kernel_size=4)
    discriminator = build_discriminator(config)
    images = np.random.default_rng(0).uniform(-1, 1, (6, 32, 32, 1)).astype(np.float32)
    # Sec. 5.1 features: 4x4 grids of the 16x16, 8x8 and 4x4 maps, the 2x2 map whole.
    assert features.feature_dimension(discriminator) == 16 * (8 + 16 + 32) + 4 * 64
    assert features.extract_features(discriminator, images).shape == (6, 16 * (8 + 16 + 32) + 4 * 64)
    real = batchnorm.with_real_statistics(discriminator, images)
    heat = saliency.grad_cam(real, images)
    assert heat.shape == (6, 32, 32) and np.isfinite(heat).all() and heat.max() <= 1.0
    guided = saliency.guided_backprop_top_maps(real, images, k=2)
    assert guided["gradients"].shape == (2, 32, 32, 1) and np.abs(guided["gradients"]).sum() > 0


@pytest.mark.parametrize("options", [{"architecture": "lin"}, {"kernel_size": 4, "leaky_slope": 0.1}],
                         ids=["lin", "k4-slope0.1"])
def test_each_layout_trains(options):
    config = tiny(batch_size=4, **options)
    gan = DCGAN(config)
    before = [weight.numpy().copy() for weight in gan.generator.weights]
    values = gan.train_step(np.random.default_rng(1).uniform(-1, 1, (4, 32, 32, 1)).astype(np.float32))
    assert np.isfinite(float(values["d_loss"])) and np.isfinite(float(values["g_loss"]))
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(before, gan.generator.weights))


def test_the_options_are_saved_and_kept_on_resume(mnist_dir, tmp_path):
    out = tmp_path / "run"
    common = [sys.executable, str(REPO / "dcgan.py"), "train", "--dataset", "mnist", "--data-dir", str(mnist_dir),
              "--out", str(out), "--width", "8", "--batch-size", "16", "--no-progress"]
    result = subprocess.run([*common, "--epochs", "1", "--architecture", "lin", "--kernel-size", "4",
                             "--leaky-slope", "0.1"], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert result.returncode == 0, result.stderr
    saved = json.loads((out / "config.json").read_text())
    assert (saved["architecture"], saved["kernel_size"], saved["leaky_slope"]) == ("lin", 4, 0.1)
    result = subprocess.run([*common, "--resume", "--epochs", "2", "--kernel-size", "5"], capture_output=True,
                            text=True, timeout=300, cwd=REPO)
    assert result.returncode == 2 and "--kernel-size 5: the run" in result.stderr.strip().splitlines()[-1]
