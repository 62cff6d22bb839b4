"""The DCGAN generator and discriminator as Keras Sequential models.

Radford, Metz, Chintala 2015 (arXiv:1511.06434), Sec. 3 "Approach and model architecture":
strided convolutions instead of pooling, no fully connected hidden layers, BatchNorm in both
networks except G's output and D's input layer, ReLU in G with tanh at the output, LeakyReLU(0.2)
in D. Sec. 4: weights drawn from N(0, 0.02). The original code (Newmu/dcgan_code) uses 5x5 kernels.

`kernel_size=4` takes the PyTorch examples' 4x4 kernels (stride 2, padding 1) with the same output
sizes; `architecture="lin"` builds the linDCGAN layout of an earlier PyTorch reproduction (see
`DCGANConfig.architecture`): D one strided convolution deeper, down to 2x2, before its linear layer;
G with a transposed convolution for every doubling up to the full size, then a stride-1 convolution
`to_image`.

`batch_norm=False` builds the "NOBN" variant the 2021 E4040 reproduction ended up training:
no BatchNorm anywhere, G opens with a Dense layer reshaped to 4x4x256 and LeakyReLU(0.2),
D closes with Flatten, Dropout(0.4) and Dense.

Layer names are part of the interface: `project`, `up{i}`, `to_image` in G; `down{i}`, `logit`
in D (`down{i}` is the convolution, `down{i}_bn` and `down{i}_act` follow it). The analysis
helpers (Grad-CAM, guided backprop, feature extraction) find layers by these names.
"""

from __future__ import annotations

import contextlib
import math

import keras
from keras import layers

from model.config import DCGANConfig
from utils.errors import UsageError


def num_blocks(image_size: int) -> int:
    """Stride-2 blocks between 4x4 and the image: 3 at 32 px, 4 at 64 px, 5 at 128 px."""
    return int(math.log2(image_size // 4))


@contextlib.contextmanager
def _precision(config: DCGANConfig):
    """Layers built inside take the run's dtype policy; the global policy is restored afterwards."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(config.precision)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _init(config: DCGANConfig):
    return keras.initializers.RandomNormal(mean=0.0, stddev=config.init_stddev)


def build_generator(config: DCGANConfig) -> keras.Sequential:
    """z (None, latent_dim) -> images (None, S, S, C) in [-1, 1] (float32 whatever the precision)."""
    with _precision(config):
        return _build_generator(config)


def build_discriminator(config: DCGANConfig) -> keras.Sequential:
    """images (None, S, S, C) in [-1, 1] -> one float32 logit per image (None, 1)."""
    with _precision(config):
        return _build_discriminator(config)


def _build_generator(config: DCGANConfig) -> keras.Sequential:
    blocks = num_blocks(config.image_size)
    lin = config.architecture == "lin"
    up_blocks = blocks if lin else blocks - 1   # lin: every doubling is an `up` block, `to_image` keeps the size
    init = _init(config)
    if config.batch_norm:
        # Mirrors D: 1024 maps at 4x4 for the paper's 64-px model; lin's G halves its maps once more.
        top_maps = config.d_width * 2 ** (blocks if lin else blocks - 1)
    else:
        top_maps = 256                                   # E4040 NOBN: Dense -> 4x4x256
    model_layers = [keras.Input(shape=(config.latent_dim,), name="z")]
    # Sec. 3: the first layer "could be called fully connected" but is only a matrix multiply reshaped to 4x4.
    model_layers += [layers.Dense(4 * 4 * top_maps, use_bias=not config.batch_norm,
                                  kernel_initializer=init, name="project"),
                     layers.Reshape((4, 4, top_maps), name="project_reshape")]
    if config.batch_norm:
        model_layers += [layers.BatchNormalization(synchronized=config.sync_batch_norm, name="project_bn"), layers.ReLU(name="project_act")]
    else:
        model_layers += [layers.LeakyReLU(config.leaky_slope, name="project_act")]
    # (None, 4, 4, top_maps)
    maps = top_maps
    for block in range(1, up_blocks + 1):
        maps //= 2
        model_layers.append(layers.Conv2DTranspose(maps, config.kernel_size, strides=2, padding="same",
                                                   use_bias=not config.batch_norm, kernel_initializer=init,
                                                   name=f"up{block}"))
        if config.batch_norm:
            model_layers += [layers.BatchNormalization(synchronized=config.sync_batch_norm, name=f"up{block}_bn"), layers.ReLU(name=f"up{block}_act")]
        else:
            model_layers.append(layers.LeakyReLU(config.leaky_slope, name=f"up{block}_act"))
        # (None, 4 * 2**block, 4 * 2**block, maps)
    if lin:   # the image from full-size maps: a plain (stride-1) convolution
        model_layers.append(layers.Conv2D(config.channels, config.kernel_size, strides=1, padding="same",
                                          kernel_initializer=init, name="to_image"))
    else:
        model_layers.append(layers.Conv2DTranspose(config.channels, config.kernel_size, strides=2, padding="same",
                                                   kernel_initializer=init, name="to_image"))
    model_layers.append(layers.Activation("tanh", dtype="float32", name="tanh"))
    # (None, S, S, C)
    return keras.Sequential(model_layers, name="generator")


def _build_discriminator(config: DCGANConfig) -> keras.Sequential:
    blocks = num_blocks(config.image_size)
    init = _init(config)
    size = config.image_size
    model_layers = [keras.Input(shape=(size, size, config.channels), name="image")]
    maps = config.d_width
    for block in range(1, blocks + (2 if config.architecture == "lin" else 1)):   # lin: one more, to 2x2
        # Sec. 3: no BatchNorm on D's input layer ("to avoid sample oscillation and model instability").
        use_bn = config.batch_norm and block > 1
        model_layers.append(layers.Conv2D(maps, config.kernel_size, strides=2, padding="same", use_bias=not use_bn,
                                          kernel_initializer=init, name=f"down{block}"))
        if use_bn:
            model_layers.append(layers.BatchNormalization(synchronized=config.sync_batch_norm, name=f"down{block}_bn"))
        model_layers.append(layers.LeakyReLU(config.leaky_slope, name=f"down{block}_act"))
        size //= 2
        # (None, size, size, maps)
        maps *= 2
    model_layers.append(layers.Flatten(name="flatten"))
    if not config.batch_norm:
        model_layers.append(layers.Dropout(0.4, name="dropout"))
    # Sec. 3: "the last convolution layer is flattened and then fed into a single sigmoid output";
    # we keep the logit and put the sigmoid inside the loss (numerically stable cross-entropy).
    model_layers.append(layers.Dense(1, kernel_initializer=init, dtype="float32", name="logit"))
    # (None, 1)
    return keras.Sequential(model_layers, name="discriminator")


def last_conv_name(discriminator: keras.Model) -> str:
    """Name of D's last convolution's activation (`down{k}_act`): the layer Grad-CAM looks at."""
    names = [layer.name for layer in discriminator.layers if layer.name.startswith("down") and layer.name.endswith("_act")]
    if not names:
        raise UsageError(f"{discriminator.name} has no down*_act layer; is it a DCGAN discriminator?")
    return names[-1]
