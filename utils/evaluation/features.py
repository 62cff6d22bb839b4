"""The discriminator as a feature extractor (Radford et al. 2015, Sec. 5.1).

Sec. 5.1, "Classifying CIFAR-10 using GANs as a feature extractor": "we use the discriminator's
convolutional features from all layers, maxpooling each layers representation to produce a 4x4
spatial grid. These features are then flattened and concatenated to form a 28672 dimensional vector
and a regularized linear L2-SVM classifier is trained on top of them." The length is 16 times the
total number of maps over the layers: 28,672 for the paper's ImageNet-1k D; for our 32-px D of width
W it is 16 (W + 2W + 4W) = 112 W, at 64 px 16 (W + 2W + 4W + 8W) = 240 W.

BatchNorm: the features are computed with `training=False`, so each BatchNorm layer normalises with
its moving statistics. `model.batchnorm.set_batchnorm_statistics` first replaces those by the exact
mean and variance over the training images, following the original code (Newmu/dcgan_code), which
computes BatchNorm statistics over the training set for inference rather than per batch.

Layers are found by name: `down{i}_act` (after each convolution `down{i}` and BatchNorm `down{i}_bn`).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from model.batchnorm import set_batchnorm_statistics
from utils.errors import UsageError

GRID_SIZE = 4   # Sec. 5.1: "maxpooling each layers representation to produce a 4x4 spatial grid"


def feature_layer_names(discriminator: keras.Model) -> list[str]:
    """Names of D's convolutional activations, input to output: ['down1_act', 'down2_act', ...]."""
    names = [layer.name for layer in discriminator.layers
             if layer.name.startswith("down") and layer.name.endswith("_act")]
    if not names:
        raise UsageError(f"{discriminator.name} has no down*_act layer; is it a DCGAN discriminator?")
    return names


def _grid(size: int) -> int:
    """Cells per side of a layer's pooled grid: 4 (Sec. 5.1), or the map itself when it is smaller (the
    2x2 last layer of the linDCGAN layout)."""
    return min(GRID_SIZE, size)


def feature_dimension(discriminator: keras.Model) -> int:
    """Length of the Sec. 5.1 feature vector: 4 * 4 * (sum of the maps of every down*_act layer)."""
    return sum(_grid(discriminator.get_layer(name).output.shape[1]) ** 2 * discriminator.get_layer(name).output.shape[-1]
               for name in feature_layer_names(discriminator))


def _max_pool_to_grid(maps: tf.Tensor) -> tf.Tensor:
    """(N, S, S, C) -> (N, 4 * 4 * C): max over each of the 4x4 equal cells (S a multiple of 4; a map
    smaller than 4x4 is kept as it is)."""
    size, channels = maps.shape[1], maps.shape[-1]
    grid = _grid(size)
    if size % grid:
        raise ValueError(f"feature maps of {size}x{size} cannot be pooled to a {grid}x{grid} grid")
    cell = size // grid
    pooled = tf.nn.max_pool2d(maps, ksize=cell, strides=cell, padding="VALID")   # (N, grid, grid, C)
    return tf.reshape(pooled, [-1, grid * grid * channels])


def feature_extractor(discriminator: keras.Model) -> keras.Model:
    """A model sharing D's weights: images (N, S, S, C) in [-1, 1] -> the down*_act maps, input to output."""
    outputs = [discriminator.get_layer(name).output for name in feature_layer_names(discriminator)]
    return keras.Model(discriminator.inputs[0], outputs, name=f"{discriminator.name}_features")


def extract_features(discriminator: keras.Model, images: np.ndarray, batch_size: int = 256,
                     progress=None) -> np.ndarray:
    """Sec. 5.1 features of images (N, S, S, C) in [-1, 1] -> float32 (N, feature_dimension(D)).

    Inference mode (`training=False`): call `model.batchnorm.set_batchnorm_statistics` first for the paper's recipe.
    `progress(n)`, when given, is called with each batch's size.
    """
    extractor = feature_extractor(discriminator)
    batches = []
    for start in range(0, len(images), batch_size):
        maps = extractor(np.asarray(images[start:start + batch_size], np.float32), training=False)
        if not isinstance(maps, (list, tuple)):
            maps = [maps]
        batches.append(tf.concat([_max_pool_to_grid(layer_maps) for layer_maps in maps], axis=1).numpy())
        if progress is not None:
            progress(len(batches[-1]))
    return np.concatenate(batches)


def baseline_features(kind: str, images: np.ndarray, config=None, seed: int = 0, batch_size: int = 256,
                      statistics_images: np.ndarray | None = None, progress=None) -> np.ndarray:
    """Features for the baselines of Sec. 5.1's comparison, computed like the trained D's.

    kind "pixels": the flattened images (N, S * S * C). kind "random_discriminator": Sec. 5.1 features
    of an untrained D built from `config` (a DCGANConfig) with weights drawn from `seed`; its BatchNorm
    statistics are set from `statistics_images` (the training images) when given.
    """
    if kind == "pixels":
        if progress is not None:
            progress(len(images))
        return np.asarray(images, np.float32).reshape(len(images), -1)
    if kind == "random_discriminator":
        from model import dcgan  # utils may build models; model/ never imports utils
        if config is None:
            raise UsageError("baseline_features('random_discriminator') needs the run's DCGANConfig")
        keras.utils.set_random_seed(seed)
        discriminator = dcgan.build_discriminator(config)
        if statistics_images is not None:
            set_batchnorm_statistics(discriminator, statistics_images, batch_size)
        return extract_features(discriminator, images, batch_size, progress)
    raise UsageError(f"unknown baseline {kind!r}: use 'pixels' or 'random_discriminator'")
