"""An offline sample-quality check for the MNIST family: a small CNN classifier as the feature extractor.

Inception features need ImageNet weights and describe natural photos; for 28/32-px grayscale digits
and clothes, a classifier trained on the dataset itself is a common stand-in that needs no download
(the same Frechet distance of Heusel et al. 2017, computed in another feature space: its values are
only comparable between runs that use the same classifier file). Two numbers come out of it:

- a domain Frechet distance: `utils.evaluation.metrics.frechet_distance` on its penultimate-layer features;
- the class distribution of generated samples (`mode_coverage`): which classes the generator never
  draws (mode collapse) or over-produces, and the KL divergence of the class histogram to uniform.

The classifier is cached as a `.keras` file (e.g. saved_models/domain_fashion_mnist_32.keras) and
loaded with `safe_mode=True`: it contains no Lambda layers, so nothing unsafe needs deserialising.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
from keras import layers

from utils.errors import MissingError, UsageError
from utils.evaluation import metrics
from utils.files import atomic_path

FEATURE_LAYER = "features"


def build_domain_classifier(image_size: int = 32, channels: int = 1, num_classes: int = 10,
                            width: int = 32) -> keras.Sequential:
    """images (None, S, S, C) in [-1, 1] -> class probabilities (None, num_classes).

    Two conv-pool blocks and a dense `features` layer (the penultimate layer the domain FID uses).
    """
    return keras.Sequential([
        keras.Input(shape=(image_size, image_size, channels), name="image"),
        layers.Conv2D(width, 3, padding="same", activation="relu", name="conv1"),
        layers.MaxPooling2D(2, name="pool1"),
        # (None, S/2, S/2, width)
        layers.Conv2D(2 * width, 3, padding="same", activation="relu", name="conv2"),
        layers.MaxPooling2D(2, name="pool2"),
        # (None, S/4, S/4, 2 * width)
        layers.Flatten(name="flatten"),
        layers.Dense(4 * width, activation="relu", name=FEATURE_LAYER),
        # (None, 4 * width)
        layers.Dense(num_classes, activation="softmax", name="probabilities"),
        # (None, num_classes)
    ], name="domain_classifier")


def _as_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 [0, 255] or float [-1, 1] images -> float32 [-1, 1] (the range the generator produces)."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 127.5 - 1.0
    return images.astype(np.float32)


def train_domain_classifier(images: np.ndarray, labels: np.ndarray, epochs: int = 3, seed: int = 0,
                            batch_size: int = 128, width: int = 32, verbose: int = 0) -> keras.Sequential:
    """Train the classifier on labelled training images (N, S, S, C) (uint8 or [-1, 1]) and labels (N,)."""
    images = _as_model_input(images)
    labels = np.asarray(labels).astype(np.int64)
    if images.ndim != 4 or len(images) != len(labels):
        raise ValueError(f"train_domain_classifier needs images (N, S, S, C) and labels (N,), "
                         f"got {images.shape} and {labels.shape}")
    keras.utils.set_random_seed(seed)
    num_classes = int(labels.max()) + 1
    model = build_domain_classifier(images.shape[1], images.shape[-1], num_classes, width)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(images, labels, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=verbose)
    return model


def load_or_train(path: str | Path, images: np.ndarray | None = None, labels: np.ndarray | None = None,
                  epochs: int = 3, seed: int = 0, **train_options) -> keras.Model:
    """The classifier saved at `path` (.keras), or one trained on (images, labels) and saved there."""
    path = Path(path)
    if path.suffix != ".keras":
        raise UsageError(f"the domain classifier is saved in Keras format; give a path ending in .keras, got {path}")
    if path.is_file():
        return keras.models.load_model(path, safe_mode=True)
    if images is None or labels is None:
        raise MissingError(f"no domain classifier at {path}; pass the labelled training images to train one")
    model = train_domain_classifier(images, labels, epochs, seed, **train_options)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        model.save(temporary)
    return model


def domain_outputs(model: keras.Model, images: np.ndarray, batch_size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """images (N, S, S, C) -> (penultimate features (N, F) float64, class probabilities (N, K) float64)."""
    both = keras.Model(model.inputs[0], [model.get_layer(FEATURE_LAYER).output, model.outputs[0]])
    features, probabilities = [], []
    images = _as_model_input(images)
    for start in range(0, len(images), batch_size):
        batch_features, batch_probabilities = both(images[start:start + batch_size], training=False)
        features.append(np.asarray(batch_features, np.float64))
        probabilities.append(np.asarray(batch_probabilities, np.float64))
    return np.concatenate(features), np.concatenate(probabilities)


def domain_frechet_distance(model: keras.Model, real_images: np.ndarray, generated_images: np.ndarray,
                            batch_size: int = 256) -> float:
    """Frechet distance between real and generated images in the classifier's feature space."""
    real_features, _ = domain_outputs(model, real_images, batch_size)
    generated_features, _ = domain_outputs(model, generated_images, batch_size)
    return metrics.frechet_distance(*metrics.feature_statistics(real_features),
                                    *metrics.feature_statistics(generated_features))


def mode_coverage(probabilities: np.ndarray, class_names, threshold: float = 0.1,
                  excess_factor: float = 2.0) -> dict:
    """Class histogram of generated samples from predicted probabilities (N, K), by arg-max.

    A class is missing when it gets fewer than `threshold` times its uniform share N / K of the
    samples, over-produced when it gets more than `excess_factor` times that share. Returns a
    JSON-ready dict: counts and fractions per class name, the missing and over-produced names, and
    KL(predicted histogram || uniform) in nats (0 = perfectly balanced, log K = a single class) with the
    histogram's entropy, log K minus that KL (log K = balanced; the README's "domain class entropy").
    """
    probabilities = np.asarray(probabilities)
    class_names = [str(name) for name in class_names]
    if probabilities.ndim != 2 or probabilities.shape[1] != len(class_names) or len(probabilities) == 0:
        raise ValueError(f"mode_coverage needs probabilities (N, {len(class_names)}) for "
                         f"{len(class_names)} class names, got shape {probabilities.shape}")
    num_samples, num_classes = probabilities.shape
    counts = np.bincount(probabilities.argmax(axis=1), minlength=num_classes)
    fractions = counts / num_samples
    uniform_share = 1.0 / num_classes
    nonzero = fractions > 0
    kl_to_uniform = float(np.sum(fractions[nonzero] * np.log(fractions[nonzero] / uniform_share)))
    return {
        "num_samples": int(num_samples),
        "counts": {name: int(count) for name, count in zip(class_names, counts)},
        "fractions": {name: float(fraction) for name, fraction in zip(class_names, fractions)},
        "missing": [name for name, fraction in zip(class_names, fractions) if fraction < threshold * uniform_share],
        "over_produced": [name for name, fraction in zip(class_names, fractions)
                          if fraction > excess_factor * uniform_share],
        "kl_to_uniform": kl_to_uniform,
        "entropy": float(np.log(num_classes)) - kl_to_uniform,
        "threshold": threshold,
        "excess_factor": excess_factor,
    }
