"""BatchNorm statistics of real images, for every analysis that runs D in inference mode.

In training, D normalises each batch with that batch's own statistics, and its moving mean and
variance follow the batches it sees: with the paper's step, one real batch and two fake ones
(D's update on real and fake, then G's update through D) per step, so two thirds of D's moving
statistics come from G's samples, and they trail the weights by the momentum's window. An analysis
that calls D with `training=False` (the Sec. 5.1 features of the SVM protocol, Grad-CAM, guided
backprop, the memorisation check's features) would see statistics that are not those of real
images. The original code (Newmu/dcgan_code) computes the statistics for inference over the
training set instead; `set_batchnorm_statistics` does that exactly, and `with_real_statistics`
does it on a copy, so the trained D stays as it was.
"""

from __future__ import annotations

import keras
import numpy as np


def batchnorm_layers(model: keras.Model) -> list[str]:
    """Names of the model's BatchNormalization layers, input to output."""
    return [layer.name for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]


def set_batchnorm_statistics(model: keras.Model, images: np.ndarray, batch_size: int = 256) -> dict:
    """Set every BatchNorm layer's moving mean/variance to the exact statistics over `images`.

    images: real training images (N, S, S, C) in [-1, 1]. Layers are handled in order, each one's
    input computed with the earlier layers already fixed, so the statistics are those that inference
    (`training=False`) will actually see. The variance is the population variance (divide by N), as
    BatchNorm uses in training. Returns {layer name: number of images}; the model is changed in place.
    """
    batchnorm_indices = [index for index, layer in enumerate(model.layers)
                         if isinstance(layer, keras.layers.BatchNormalization)]
    for index in batchnorm_indices:
        layer = model.layers[index]
        if index == 0:
            raise ValueError("set_batchnorm_statistics: a BatchNorm layer directly on the input is not supported")
        before = keras.Model(model.inputs[0], model.layers[index - 1].output)
        count, mean, squared_deviations = 0, 0.0, 0.0
        for start in range(0, len(images), batch_size):
            activations = before(np.asarray(images[start:start + batch_size], np.float32), training=False)
            activations = np.asarray(activations, np.float64).reshape(-1, activations.shape[-1])
            batch_count, batch_mean = len(activations), activations.mean(axis=0)
            batch_squared_deviations = ((activations - batch_mean) ** 2).sum(axis=0)
            # Chan et al.'s pairwise update: exact in float64 without keeping all activations in memory.
            delta = batch_mean - mean
            total = count + batch_count
            mean = mean + delta * batch_count / total
            squared_deviations = (squared_deviations + batch_squared_deviations
                                  + delta ** 2 * count * batch_count / total)
            count = total
        layer.moving_mean.assign(np.asarray(mean, np.float32))
        layer.moving_variance.assign(np.asarray(squared_deviations / count, np.float32))
    return {model.layers[index].name: len(images) for index in batchnorm_indices}


def with_real_statistics(model: keras.Model, images: np.ndarray, batch_size: int = 256) -> keras.Model:
    """A copy of `model` (same layers, names and weights) whose BatchNorm statistics are those of `images`.

    The model itself is left as it was. A model without BatchNorm (the NOBN variant) is returned as it is.
    """
    if not batchnorm_layers(model):
        return model
    if len(images) == 0:
        raise ValueError("with_real_statistics: no images to compute BatchNorm statistics from")
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    set_batchnorm_statistics(copy, images, batch_size)
    return copy
