"""Where the discriminator looks: Grad-CAM and guided backpropagation.

Radford et al. 2015, Sec. 6.2 "Visualizing the discriminator features" (Fig. 5): guided
backpropagation (Springenberg et al. 2014, "Striving for simplicity") of the largest responses of
features in D's last convolution layer, compared with a discriminator with random weights.
The 2021 E4040 reproduction used Grad-CAM (Selvaraju et al. 2017) on the same layer; we follow
keras-io's `grad_cam.py`: a sub-model from `model.inputs` to [that layer's output, the logit].

Guided backprop is done on a clone of the Sequential whose ReLU/LeakyReLU layers are replaced by a
`tf.custom_gradient` op (same forward pass, guided backward pass), sharing no state with the
original model, so nothing global is patched.
"""

from __future__ import annotations

import keras
import matplotlib
import numpy as np
import tensorflow as tf
from keras import layers

from model import dcgan
from utils.errors import UsageError

RECTIFIER_ACTIVATIONS = ("relu", "leaky_relu")


# ----------------------------------------------------------------------------------------- Grad-CAM

def grad_cam(discriminator: keras.Model, images, layer_name: str | None = None, target: str = "real") -> np.ndarray:
    """Grad-CAM heat maps of D's logit on one convolution layer.

    images: (N, H, W, C) in [-1, 1]. layer_name: defaults to D's last convolution activation
    (`down{k}_act`). target: "real" explains the logit, "fake" its negation.
    Returns (N, H, W) float32 in [0, 1], upsampled bilinearly to the input size.
    """
    if target not in ("real", "fake"):
        raise UsageError(f"target must be 'real' or 'fake', got {target!r}")
    layer_name = layer_name or dcgan.last_conv_name(discriminator)
    names = [layer.name for layer in discriminator.layers]
    if layer_name not in names:
        raise UsageError(f"{discriminator.name} has no layer {layer_name!r}")
    split = names.index(layer_name) + 1
    images = tf.convert_to_tensor(images, dtype=tf.float32)
    # The Sequential is run layer by layer rather than through a functional sub-model
    # (keras-io's recipe): a Sequential loaded from .keras can keep its output and its layers'
    # outputs in two symbolic graphs, and such a sub-model then has no gradient path.
    with tf.GradientTape() as tape:
        activations = images
        for layer in discriminator.layers[:split]:
            activations = layer(activations, training=False)
        tape.watch(activations)
        logits = activations
        for layer in discriminator.layers[split:]:
            logits = layer(logits, training=False)
        score = tf.reduce_sum(logits if target == "real" else -logits)
    gradients = tape.gradient(score, activations)                      # (N, h, w, maps)
    # Selvaraju et al. Eq. 1: one weight per map, the spatial mean of its gradient.
    map_weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
    heatmaps = tf.nn.relu(tf.reduce_sum(map_weights * activations, axis=-1))  # (N, h, w)
    peaks = tf.reduce_max(heatmaps, axis=(1, 2), keepdims=True)
    heatmaps = tf.math.divide_no_nan(heatmaps, peaks)
    heatmaps = tf.image.resize(heatmaps[..., None], images.shape[1:3], method="bilinear")[..., 0]
    return np.clip(heatmaps.numpy(), 0.0, 1.0).astype(np.float32)


def overlay(images, heatmaps, alpha: float = 0.4, colormap: str = "jet") -> np.ndarray:
    """Blend heat maps over images, as keras-io's `save_and_display_gradcam`.

    images: (N, H, W, C) in [-1, 1], C in {1, 3}; heatmaps: (N, H, W) in [0, 1].
    Returns (N, H, W, 3) uint8 RGB.
    """
    images = np.asarray(images, dtype=np.float32)
    heatmaps = np.asarray(heatmaps, dtype=np.float32)
    if images.shape[:3] != heatmaps.shape:
        raise UsageError(f"heatmaps {heatmaps.shape} must match the images' (N, H, W) {images.shape[:3]}; "
                         "grad_cam already upsamples to the input size")
    base = (np.clip(images, -1.0, 1.0) + 1.0) / 2.0
    if base.shape[-1] == 1:
        base = np.repeat(base, 3, axis=-1)
    colours = matplotlib.colormaps[colormap](np.clip(heatmaps, 0.0, 1.0))[..., :3]
    blended = (1.0 - alpha) * base + alpha * colours
    return np.round(np.clip(blended, 0.0, 1.0) * 255).astype(np.uint8)


# ------------------------------------------------------------------------------ guided backprop

def _guided_rectifier(inputs, negative_slope: float):
    """Forward: ReLU / LeakyReLU. Backward (Springenberg et al. 2014, Eq. for "guided"):
    pass the upstream gradient only where it is positive AND the forward input was positive;
    the LeakyReLU's negative side is treated as blocked."""

    @tf.custom_gradient
    def rectify(x):
        outputs = tf.where(x > 0, x, negative_slope * x)

        def gradient(upstream):
            return upstream * tf.cast(x > 0, upstream.dtype) * tf.cast(upstream > 0, upstream.dtype)

        return outputs, gradient

    return rectify(inputs)


class GuidedRectifier(layers.Layer):
    """ReLU (negative_slope=0) or LeakyReLU forward pass with the guided-backprop gradient."""

    def __init__(self, negative_slope: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.negative_slope = float(negative_slope)

    def call(self, inputs):
        return _guided_rectifier(inputs, self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


def _rectifier_slope(layer) -> float | None:
    """The negative slope if `layer` is a ReLU-family activation layer, else None."""
    if isinstance(layer, layers.LeakyReLU):
        return float(layer.negative_slope)
    if isinstance(layer, layers.ReLU):
        if layer.max_value is not None or float(layer.threshold) != 0.0:
            raise UsageError(f"layer {layer.name}: guided backprop supports plain ReLU, not max_value/threshold")
        return float(layer.negative_slope)
    if isinstance(layer, layers.Activation):
        name = keras.activations.serialize(layer.activation)
        name = name if isinstance(name, str) else name.get("config", name)
        if name == "relu":
            return 0.0
        if name == "leaky_relu":
            return 0.2   # keras.activations.leaky_relu's default slope
    return None


def guided_model(model: keras.Sequential) -> keras.Sequential:
    """Clone a Sequential (same weights) with every ReLU/LeakyReLU replaced by `GuidedRectifier`.

    Layers with a fused `activation="relu"` are cloned linear and followed by a guided layer.
    Layer names are kept, so `get_layer("down3_act")` works on the clone.
    """
    if not isinstance(model, keras.Sequential):
        raise UsageError(f"guided_model needs a keras.Sequential, got {type(model).__name__}")
    new_layers = [keras.Input(shape=model.inputs[0].shape[1:], name=model.inputs[0].name)]
    for layer in model.layers:
        slope = _rectifier_slope(layer)
        if slope is not None:
            new_layers.append(GuidedRectifier(slope, name=layer.name))
            continue
        config = layer.get_config()
        fused = config.get("activation")
        if fused in RECTIFIER_ACTIVATIONS:
            config["activation"] = "linear"
            new_layers += [layer.__class__.from_config(config),
                           GuidedRectifier(0.0 if fused == "relu" else 0.2, name=f"{layer.name}_guided")]
        else:
            new_layers.append(layer.__class__.from_config(config))
    clone = keras.Sequential(new_layers, name=f"{model.name}_guided")
    for layer in model.layers:
        if layer.weights:
            clone.get_layer(layer.name).set_weights(layer.get_weights())
    return clone


def random_like(model: keras.Model) -> keras.Model:
    """The paper's Fig. 5 baseline: same architecture, freshly initialised weights (N(0, 0.02)).

    Seed with `keras.utils.set_random_seed` beforehand for a reproducible baseline.
    """
    return keras.models.clone_model(model)


def _feature_model(model: keras.Model, layer_name: str) -> keras.Model:
    return keras.Model(model.inputs, model.get_layer(layer_name).output)


def _map_score(activations, map_index: int, reduce: str):
    """One number per image for feature map `map_index`: its largest (or summed) activation."""
    feature = activations[..., map_index]
    if feature.shape.rank == 1:   # a Dense layer: the unit itself
        return feature
    axes = list(range(1, feature.shape.rank))
    if reduce == "max":
        return tf.reduce_max(feature, axis=axes)
    if reduce == "sum":
        return tf.reduce_sum(feature, axis=axes)
    raise UsageError(f"reduce must be 'max' or 'sum', got {reduce!r}")


def _guided_gradients(feature_model: keras.Model, images, map_index: int, reduce: str) -> np.ndarray:
    images = tf.convert_to_tensor(images, dtype=tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(images)
        activations = feature_model(images, training=False)
        score = tf.reduce_sum(_map_score(activations, map_index, reduce))
    return tape.gradient(score, images).numpy()


def guided_backprop(model: keras.Sequential, images, layer_name: str, map_index: int,
                    reduce: str = "max") -> np.ndarray:
    """Guided-backprop gradient of feature map `map_index` of `layer_name` w.r.t. the images.

    images: (N, H, W, C) in [-1, 1]. reduce: "max" follows the map's strongest position (the
    paper's "maximal axis-aligned responses"), "sum" the whole map. Returns (N, H, W, C) float32.
    """
    return _guided_gradients(_feature_model(guided_model(model), layer_name), images, map_index, reduce)


def top_activating_maps(model: keras.Model, images, layer_name: str, k: int = 6):
    """The k feature maps of `layer_name` with the largest single activation over the batch.

    Returns (map_indices (k,), image_indices (k,), peak_activations (k,)): for each map, the image
    where it fires most and how strongly, strongest map first.
    """
    activations = _feature_model(model, layer_name)(tf.convert_to_tensor(images, tf.float32), training=False)
    activations = np.asarray(activations)
    peaks = activations.reshape(activations.shape[0], -1, activations.shape[-1]).max(axis=1)  # (N, maps)
    k = min(k, peaks.shape[1])
    map_indices = np.argsort(-peaks.max(axis=0), kind="stable")[:k]
    image_indices = peaks[:, map_indices].argmax(axis=0)
    return map_indices, image_indices, peaks[image_indices, map_indices]


def guided_backprop_top_maps(model: keras.Sequential, images, layer_name: str | None = None,
                             k: int = 6, reduce: str = "max") -> dict:
    """Paper Fig. 5: guided backprop of the k most active maps, each on the image it fires most for.

    layer_name defaults to the discriminator's last convolution. Returns a dict with
    `map_indices` (k,), `image_indices` (k,), `peak_activations` (k,) and `gradients` (k, H, W, C).
    """
    layer_name = layer_name or dcgan.last_conv_name(model)
    images = np.asarray(images, dtype=np.float32)
    map_indices, image_indices, peaks = top_activating_maps(model, images, layer_name, k)
    feature_model = _feature_model(guided_model(model), layer_name)
    gradients = [_guided_gradients(feature_model, images[image_index:image_index + 1], int(map_index), reduce)[0]
                 for map_index, image_index in zip(map_indices, image_indices)]
    return {"map_indices": map_indices, "image_indices": image_indices, "peak_activations": peaks,
            "gradients": np.stack(gradients) if gradients else np.zeros((0,) + images.shape[1:], np.float32)}


def gradients_to_images(gradients, contrast: float = 0.15) -> np.ndarray:
    """Gradients (N, H, W, C) -> displayable [0, 1]: per image, zero mean, std `contrast`, centred at 0.5."""
    gradients = np.asarray(gradients, dtype=np.float32)
    axes = tuple(range(1, gradients.ndim))
    centred = gradients - gradients.mean(axis=axes, keepdims=True)
    scaled = centred / (centred.std(axis=axes, keepdims=True) + 1e-8) * contrast
    return np.clip(scaled + 0.5, 0.0, 1.0)
