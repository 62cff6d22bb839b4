"""What individual feature maps draw and detect: "forgetting to draw" objects, filters, patches.

Radford et al. 2015, Sec. 6.3.1 "Forgetting to draw certain objects": a logistic regression on the
feature maps of G's second-highest convolution layer predicts whether a position lies inside a
hand-drawn window box; every map with a positive weight is then dropped (zeroed at all positions)
and the images are regenerated, in which windows vanish or turn into other objects (Fig. 6).
Also D's first-layer filters as an image and the input patches that most activate a map of D,
the classic way to show what a convolution layer detects (Sec. 6.2 looks at D's features).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers
from sklearn import linear_model

from utils.errors import UsageError
from utils.pictures import images as image_utils


def second_highest_layer(generator: keras.Model) -> str:
    """Name of G's last `up{k}_act` layer: the activations just before `to_image` (Sec. 6.3.1)."""
    names = [layer.name for layer in generator.layers if layer.name.startswith("up") and layer.name.endswith("_act")]
    if not names:
        raise UsageError(f"{generator.name} has no up*_act layer; is it a DCGAN generator with image_size >= 32?")
    return names[-1]


def layer_activations(generator: keras.Model, z, layer_name: str | None = None, batch_size: int = 256) -> np.ndarray:
    """Activations of `layer_name` (default: `second_highest_layer`) for z (N, latent_dim). Returns (N, h, w, maps)."""
    layer_name = layer_name or second_highest_layer(generator)
    feature_model = keras.Model(generator.inputs, generator.get_layer(layer_name).output)
    z = np.asarray(z, dtype=np.float32)
    return np.concatenate([np.asarray(feature_model(tf.convert_to_tensor(z[start:start + batch_size]), training=False))
                           for start in range(0, len(z), batch_size)])


def region_labels(masks, layer_size: int) -> np.ndarray:
    """Image-resolution masks (N, H, W) -> (N, layer_size, layer_size) bool: True where over half a cell is inside."""
    masks = np.asarray(masks, dtype=np.float32)
    if masks.ndim == 4 and masks.shape[-1] == 1:
        masks = masks[..., 0]
    count, height, width = masks.shape
    if height % layer_size or width % layer_size:
        raise UsageError(f"mask size {height}x{width} must be a multiple of the layer size {layer_size}")
    cells = masks.reshape(count, layer_size, height // layer_size, layer_size, width // layer_size)
    return cells.mean(axis=(2, 4)) > 0.5


def maps_for_region(activations, masks, top_k: int | None = None, regularisation: float = 1.0) -> dict:
    """Fit a logistic regression from per-position feature vectors to "inside the region".

    activations: (N, h, w, maps); masks: (N, H, W) at image resolution (True inside the object).
    Returns `maps` (indices with positive weight, largest first, at most top_k; the paper drops all
    positive ones), `weights` (maps,), `accuracy` on the fitted positions, and the fitted `classifier`.
    """
    activations = np.asarray(activations, dtype=np.float32)
    labels = region_labels(masks, activations.shape[1]).reshape(-1)
    if labels.all() or not labels.any():
        raise UsageError("the masks must mark some positions inside and some outside the region")
    features = activations.reshape(-1, activations.shape[-1])
    # Balanced classes: windows cover a small part of each image.
    classifier = linear_model.LogisticRegression(C=regularisation, class_weight="balanced", max_iter=1000)
    classifier.fit(features, labels)
    weights = classifier.coef_[0]
    positive = np.flatnonzero(weights > 0)
    maps = positive[np.argsort(-weights[positive], kind="stable")]
    if top_k is not None:
        maps = maps[:top_k]
    return {"maps": maps, "weights": weights, "accuracy": float(classifier.score(features, labels)),
            "classifier": classifier}


def find_object_maps(generator: keras.Model, z, masks, layer_name: str | None = None, top_k: int | None = None) -> dict:
    """Sec. 6.3.1 end to end: activations of G's second-highest layer for z, then `maps_for_region`."""
    return maps_for_region(layer_activations(generator, z, layer_name), masks, top_k)


class ChannelMask(layers.Layer):
    """Multiplies the channel axis by a fixed 0/1 mask: dropped feature maps become zero everywhere."""

    def __init__(self, keep, **kwargs):
        super().__init__(**kwargs)
        self.keep = [float(value) for value in keep]

    def call(self, inputs):
        return inputs * keras.ops.convert_to_tensor(self.keep, dtype=inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "keep": self.keep}


def without_maps_model(generator: keras.Sequential, layer_name: str, maps) -> keras.Sequential:
    """A copy of G (same weights) with feature `maps` of `layer_name` zeroed, by a `ChannelMask`
    named `{layer_name}_dropped` inserted right after that layer."""
    layer = generator.get_layer(layer_name)
    num_maps = layer.output.shape[-1]
    maps = np.asarray(maps, dtype=np.int64).reshape(-1)
    if maps.size and (maps.min() < 0 or maps.max() >= num_maps):
        raise UsageError(f"maps must be indices in [0, {num_maps}) of {layer_name}, got {maps.tolist()}")
    keep = np.ones(num_maps)
    keep[maps] = 0.0
    new_layers = [keras.Input(shape=generator.inputs[0].shape[1:])]
    for original in generator.layers:
        new_layers.append(original.__class__.from_config(original.get_config()))
        if original.name == layer_name:
            new_layers.append(ChannelMask(keep, name=f"{layer_name}_dropped"))
    clone = keras.Sequential(new_layers, name=f"{generator.name}_without_maps")
    for original in generator.layers:
        if original.weights:
            clone.get_layer(original.name).set_weights(original.get_weights())
    return clone


def generate_without(generator: keras.Sequential, z, layer_name: str | None, maps, batch_size: int = 256) -> np.ndarray:
    """Fig. 6: regenerate z (N, latent_dim) with feature `maps` of `layer_name` zeroed. Returns (N, H, W, C) in [-1, 1]."""
    model = without_maps_model(generator, layer_name or second_highest_layer(generator), maps)
    z = np.asarray(z, dtype=np.float32)
    return np.concatenate([np.asarray(model(tf.convert_to_tensor(z[start:start + batch_size]), training=False))
                           for start in range(0, len(z), batch_size)])


def first_layer_filters(discriminator: keras.Model, layer_name: str = "down1", padding: int = 1) -> np.ndarray:
    """D's first convolution kernels (5, 5, C, maps) as one uint8 grid image, each filter min-max scaled."""
    kernel = np.asarray(discriminator.get_layer(layer_name).get_weights()[0], dtype=np.float32)
    tiles = np.moveaxis(kernel, -1, 0)                                  # (maps, k, k, C)
    low = tiles.min(axis=(1, 2, 3), keepdims=True)
    high = tiles.max(axis=(1, 2, 3), keepdims=True)
    scaled = np.where(high > low, (tiles - low) / np.maximum(high - low, 1e-12), 0.5) * 2.0 - 1.0
    return image_utils.make_grid(scaled, padding=padding)


def receptive_field(model: keras.Sequential, layer_name: str):
    """(size, jump, start) of `layer_name` in input pixels: position i covers input pixels
    [start + i * jump, start + i * jump + size) along each axis (square kernels and strides)."""
    size, jump, start = 1, 1, 0
    spatial = model.inputs[0].shape[1]
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            kernel, stride = layer.kernel_size[0], layer.strides[0]
            if layer.padding == "same":
                out = -(-spatial // stride)
                pad_before = max((out - 1) * stride + kernel - spatial, 0) // 2
            else:
                out, pad_before = (spatial - kernel) // stride + 1, 0
            start -= pad_before * jump
            size += (kernel - 1) * jump
            jump *= stride
            spatial = out
        elif not isinstance(layer, (layers.BatchNormalization, layers.LeakyReLU, layers.ReLU, layers.Activation)):
            raise UsageError(f"receptive_field follows convolutions only; {layer.name} comes before {layer_name}")
        if layer.name == layer_name:
            return size, jump, start
    raise UsageError(f"no layer named {layer_name} in {model.name}")


def top_activating_patches(discriminator: keras.Sequential, images, layer_name: str, k: int = 4) -> dict:
    """For every map of `layer_name`, the k input patches (its receptive field) that excite it most.

    images: (N, H, W, C) in [-1, 1]. Returns `patches` (maps, k, size, size, C) (outside the image
    is 0, as the convolution's zero padding), `image_indices` and `positions` (maps, k, 2) of the
    activations (row, column at the layer), and `activations` (maps, k), strongest first.
    """
    images = np.asarray(images, dtype=np.float32)
    feature_model = keras.Model(discriminator.inputs, discriminator.get_layer(layer_name).output)
    activations = np.asarray(feature_model(tf.convert_to_tensor(images), training=False))
    count, height, width, num_maps = activations.shape
    flat = activations.reshape(-1, num_maps)
    k = min(k, len(flat))
    best = np.argpartition(-flat, k - 1, axis=0)[:k]                     # (k, maps)
    best = np.take_along_axis(best, np.argsort(-np.take_along_axis(flat, best, axis=0), axis=0, kind="stable"), axis=0).T
    image_indices, rows, columns = np.unravel_index(best, (count, height, width))
    size, jump, start = receptive_field(discriminator, layer_name)
    margin = max(0, -start) + size
    padded = np.pad(images, ((0, 0), (margin, margin), (margin, margin), (0, 0)))
    tops, lefts = start + rows * jump + margin, start + columns * jump + margin
    patches = np.stack([[padded[image_indices[m, j], tops[m, j]:tops[m, j] + size, lefts[m, j]:lefts[m, j] + size]
                         for j in range(k)] for m in range(num_maps)])
    return {"patches": patches, "image_indices": image_indices, "positions": np.stack([rows, columns], axis=-1),
            "activations": np.take_along_axis(flat, best.T, axis=0).T}
