"""The paper's architecture (Sec. 3), checked layer by layer, and the NOBN variant."""

import numpy as np
import pytest
from keras import layers

from model.config import DCGANConfig
from model.dcgan import build_discriminator, build_generator, last_conv_name, num_blocks


@pytest.mark.parametrize("image_size,channels", [(32, 1), (32, 3), (64, 3), (128, 3)])
def test_output_shapes(image_size, channels):
    config = DCGANConfig(image_size=image_size, channels=channels, width=8)
    generator, discriminator = build_generator(config), build_discriminator(config)
    assert generator.output_shape == (None, image_size, image_size, channels)
    assert discriminator.output_shape == (None, 1)
    assert generator.name == "generator" and discriminator.name == "discriminator"


def test_paper_64px_model_has_1024_maps_at_4x4_and_expected_parameter_counts():
    config = DCGANConfig(image_size=64, channels=3)   # the paper's LSUN/faces model (Fig. 1)
    generator, discriminator = build_generator(config), build_discriminator(config)
    assert generator.get_layer("project_reshape").output.shape[1:] == (4, 4, 1024)
    assert discriminator.get_layer("down4").output.shape[1:] == (4, 4, 1024)
    # G: 100*16384 projection + 5x5 transposed convs 1024->512->256->128->3 (+3 output biases) + BN (4 per map)
    conv = 25 * (1024 * 512 + 512 * 256 + 256 * 128 + 128 * 3) + 3
    batch_norm = 4 * (1024 + 512 + 256 + 128)
    assert generator.count_params() == 100 * 16384 + conv + batch_norm
    # D: 5x5 convs 3->128 (bias: no BN on the input layer) ->256->512->1024, BN on the last three, logit
    conv = 25 * (3 * 128 + 128 * 256 + 256 * 512 + 512 * 1024) + 128
    assert discriminator.count_params() == conv + 4 * (256 + 512 + 1024) + 4 * 4 * 1024 + 1


def test_default_widths_follow_the_paper():
    assert DCGANConfig(image_size=32).d_width == 64
    assert DCGANConfig(image_size=64).d_width == 128
    assert DCGANConfig(image_size=32, width=16).d_width == 16
    assert num_blocks(32) == 3 and num_blocks(64) == 4 and num_blocks(128) == 5


def test_architecture_guidelines():
    config = DCGANConfig(image_size=64, channels=3, width=8)
    generator, discriminator = build_generator(config), build_discriminator(config)
    kinds = [type(layer) for layer in discriminator.layers]
    assert not any(issubclass(kind, (layers.MaxPooling2D, layers.AveragePooling2D)) for kind in kinds)
    assert sum(issubclass(kind, layers.Dense) for kind in kinds) == 1          # the logit only
    assert all(layer.strides == (2, 2) for layer in discriminator.layers if isinstance(layer, layers.Conv2D))
    # No BatchNorm on D's input layer, BatchNorm after every later convolution.
    names = [layer.name for layer in discriminator.layers]
    assert "down1_bn" not in names and all(f"down{i}_bn" in names for i in (2, 3, 4))
    assert isinstance(discriminator.get_layer("down1_act"), layers.LeakyReLU)
    assert discriminator.get_layer("down1_act").negative_slope == pytest.approx(0.2)
    # G: ReLU inside, tanh output, no BatchNorm on the output layer.
    assert generator.layers[-1].name == "tanh" and "to_image_bn" not in [layer.name for layer in generator.layers]
    assert all(isinstance(generator.get_layer(f"up{i}_act"), layers.ReLU) for i in (1, 2, 3))
    assert last_conv_name(discriminator) == "down4_act"


def test_weights_are_drawn_from_normal_0_002():
    discriminator = build_discriminator(DCGANConfig(image_size=64, channels=3))
    kernel = discriminator.get_layer("down4").kernel.numpy()
    assert abs(kernel.mean()) < 1e-3 and kernel.std() == pytest.approx(0.02, rel=0.05)


def test_generator_output_lies_in_tanh_range():
    config = DCGANConfig(width=8)
    images = build_generator(config)(np.random.default_rng(0).standard_normal((4, 100)).astype("float32"))
    assert images.shape == (4, 32, 32, 1) and float(np.abs(images).max()) <= 1.0


def test_nobn_variant_matches_the_e4040_report():
    config = DCGANConfig(image_size=32, channels=3, batch_norm=False, width=8)
    generator, discriminator = build_generator(config), build_discriminator(config)
    for model in (generator, discriminator):
        assert not any(isinstance(layer, layers.BatchNormalization) for layer in model.layers)
    assert generator.get_layer("project_reshape").output.shape[1:] == (4, 4, 256)
    assert isinstance(generator.get_layer("project_act"), layers.LeakyReLU)
    assert [type(layer).__name__ for layer in discriminator.layers[-3:]] == ["Flatten", "Dropout", "Dense"]
    assert discriminator.get_layer("dropout").rate == pytest.approx(0.4)


@pytest.mark.parametrize("bad", [dict(image_size=48), dict(channels=2), dict(epochs=0), dict(batch_size=0),
                                 dict(update="together"), dict(precision="float8")])
def test_config_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        DCGANConfig(**bad)


def test_config_round_trips_through_json(tmp_path):
    config = DCGANConfig(dataset="svhn", channels=3, classes=(1, 2), width=16)
    config.to_json(tmp_path / "config.json")
    assert DCGANConfig.from_json(tmp_path / "config.json") == config


def test_flop_count_matches_a_hand_count():
    """32 px, width 64: G's transposed convolutions 256->128->64->1 on 4->8->16 px inputs, D mirrored."""
    from utils.evaluation.bench import forward_flops, train_step_flops

    config = DCGANConfig(image_size=32, width=64)
    generator_macs = 100 * 4096 + 25 * (16 * 256 * 128 + 64 * 128 * 64 + 256 * 64 * 1)
    discriminator_macs = 25 * (256 * 1 * 64 + 64 * 64 * 128 + 16 * 128 * 256) + 4096
    assert forward_flops(build_generator(config)) == 2 * generator_macs
    assert forward_flops(build_discriminator(config)) == 2 * discriminator_macs
    assert train_step_flops(config) == 2 * (3 * generator_macs + 8 * discriminator_macs)
    simultaneous = DCGANConfig(image_size=32, width=64, update="simultaneous")   # one D forward pass fewer
    assert train_step_flops(simultaneous) == 2 * (3 * generator_macs + 7 * discriminator_macs)
