"""Is the generator copying its training set? Nearest neighbours of samples among training images.

Radford et al. 2015, Sec. 5.1 and Fig. 2-3 argue the LSUN model does not memorise by showing
samples after one epoch and by de-duplicating the training set; the usual check (and the E4040
report's) is to put each sample beside its nearest training images, in pixel space and in the
discriminator's feature space (flattened activations of D's last convolution, the features Sec.
5.1 reuses for CIFAR-10 classification). The score is the original code's `nnd_score`
(Newmu/dcgan_code lib/metrics.py): the mean Euclidean distance from each sample to its nearest
held-out real image, read against the same distance from held-out real images to training images.

Distances are computed with |q|^2 - 2 q.r + |r|^2 in float64 over chunks: no per-pair Python loop,
and memory bounded by chunk_size^2.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from model import dcgan
from utils.errors import UsageError
from utils.pictures import images as image_utils


def _flatten(vectors) -> np.ndarray:
    vectors = np.asarray(vectors)
    return vectors.reshape(len(vectors), -1)


def nearest_neighbours(queries, references, k: int = 1, chunk_size: int = 1024):
    """The k nearest references of every query by Euclidean distance.

    queries: (N, ...) and references: (M, ...) with the same trailing size (images or features).
    Returns (indices (N, k) int64, distances (N, k) float64), nearest first.
    """
    queries, references = _flatten(queries), _flatten(references)
    if queries.shape[1] != references.shape[1]:
        raise UsageError(f"queries have {queries.shape[1]} values each but references {references.shape[1]}; "
                         "compare images of the same size (or features of the same layer)")
    if not 1 <= k <= len(references):
        raise UsageError(f"k must be between 1 and the number of references ({len(references)}), got {k}")
    reference_norms = [np.einsum("ij,ij->i", chunk, chunk)
                       for chunk in (references[start:start + chunk_size].astype(np.float64)
                                     for start in range(0, len(references), chunk_size))]
    all_indices, all_distances = [], []
    for query_start in range(0, len(queries), chunk_size):
        query_chunk = queries[query_start:query_start + chunk_size].astype(np.float64)
        query_norms = np.einsum("ij,ij->i", query_chunk, query_chunk)[:, None]
        best_squared = np.full((len(query_chunk), 0), np.inf)
        best_indices = np.zeros((len(query_chunk), 0), dtype=np.int64)
        for chunk_number, reference_start in enumerate(range(0, len(references), chunk_size)):
            reference_chunk = references[reference_start:reference_start + chunk_size].astype(np.float64)
            squared = query_norms - 2.0 * query_chunk @ reference_chunk.T + reference_norms[chunk_number][None, :]
            candidates = np.concatenate([best_squared, squared], axis=1)
            candidate_indices = np.concatenate(
                [best_indices, np.broadcast_to(np.arange(reference_start, reference_start + len(reference_chunk)),
                                               squared.shape)], axis=1)
            keep = np.argpartition(candidates, k - 1, axis=1)[:, :k] if candidates.shape[1] > k else \
                np.broadcast_to(np.arange(candidates.shape[1]), candidates.shape)
            best_squared = np.take_along_axis(candidates, keep, axis=1)
            best_indices = np.take_along_axis(candidate_indices, keep, axis=1)
        order = np.argsort(best_squared, axis=1, kind="stable")
        all_indices.append(np.take_along_axis(best_indices, order, axis=1))
        # Cancellation in the expansion can leave tiny negatives for identical vectors.
        all_distances.append(np.sqrt(np.maximum(np.take_along_axis(best_squared, order, axis=1), 0.0)))
    return np.concatenate(all_indices), np.concatenate(all_distances)


def discriminator_features(discriminator: keras.Model, images, layer_name: str | None = None,
                           batch_size: int = 256) -> np.ndarray:
    """Flattened activations of D's last convolution (or `layer_name`), computed with training=False.

    images: (N, H, W, C) in [-1, 1]. Returns (N, num_features) float32.
    """
    layer_name = layer_name or dcgan.last_conv_name(discriminator)
    feature_model = keras.Model(discriminator.inputs, discriminator.get_layer(layer_name).output)
    images = np.asarray(images, dtype=np.float32)
    features = [np.asarray(feature_model(tf.convert_to_tensor(images[start:start + batch_size]), training=False))
                for start in range(0, len(images), batch_size)]
    return np.concatenate(features).reshape(len(images), -1)


def nearest_training_images(samples, training_images, k: int = 1, space: str = "pixel",
                            discriminator: keras.Model | None = None, chunk_size: int = 1024):
    """For each generated sample, its k nearest training images in pixel or D-feature space.

    samples: (N, H, W, C), training_images: (M, H, W, C), both in [-1, 1]. space: "pixel" or
    "features" (needs `discriminator`). Returns (indices (N, k), distances (N, k)).
    """
    if space == "pixel":
        return nearest_neighbours(samples, training_images, k, chunk_size)
    if space == "features":
        if discriminator is None:
            raise UsageError("space='features' needs the discriminator: pass discriminator=<trained D>")
        return nearest_neighbours(discriminator_features(discriminator, samples),
                                  discriminator_features(discriminator, training_images), k, chunk_size)
    raise UsageError(f"space must be 'pixel' or 'features', got {space!r}")


def nearest_neighbour_score(samples, held_out_images, training_images, chunk_size: int = 1024) -> dict:
    """The original code's nearest-neighbour distance score, with a real-vs-real reference of equal size.

    `samples_to_held_out`: mean distance from each sample to its nearest held-out real image
    (dcgan_code's `nnd_score(held_out, samples)`); `held_out_to_training`: the same from the held-out
    reals to as many training reals (the first len(held_out_images)): the expected nearest distance
    shrinks as the reference set grows, so both searches get references of one size (`reference_images`),
    and as many queries (pass as many samples as held-out images). A `ratio` near 1 means samples sit
    as close to real data as real data does; near 0 means samples (nearly) copy real images.
    """
    if len(training_images) < len(held_out_images):
        raise UsageError(f"{len(training_images)} training images for {len(held_out_images)} held-out ones: the "
                         "real-vs-real reference needs at least as many training images")
    score = _distance_ratio("samples_to_held_out", (samples, held_out_images),
                            (held_out_images, training_images[:len(held_out_images)]), chunk_size)
    return {**score, "reference_images": len(held_out_images)}


def copy_score(samples, training_images, held_out_images, chunk_size: int = 1024) -> dict:
    """How much closer samples sit to the training images than new real images do.

    `samples_to_training`: mean distance from each sample to its nearest training image;
    `held_out_to_training`: the same for real images the generator never saw. A `ratio` near 1 means
    samples are as far from the training set as new real images are; near 0, that they copy training
    images. Use as many samples as held-out images (the expected nearest distance depends on the
    number of queries only through noise, but on the reference set's size strongly, and it is shared).
    """
    return _distance_ratio("samples_to_training", (samples, training_images),
                           (held_out_images, training_images), chunk_size)


def _distance_ratio(name: str, measured, reference, chunk_size: int) -> dict:
    """The mean nearest-neighbour distance of `measured` (queries, references) as `name`, the same of
    `reference` as "held_out_to_training", and "ratio", the first over the second (inf for a 0 reference)."""
    _, measured_distances = nearest_neighbours(*measured, 1, chunk_size)
    _, reference_distances = nearest_neighbours(*reference, 1, chunk_size)
    value, base = float(measured_distances.mean()), float(reference_distances.mean())
    return {name: value, "held_out_to_training": base, "ratio": value / base if base > 0 else float("inf")}


def neighbour_grid(samples, training_images, indices, padding: int = 2) -> np.ndarray:
    """One row per sample: the sample, a blank tile, then its nearest training images.

    samples: (N, H, W, C) and training_images: (M, H, W, C) in [-1, 1]; indices: (N, k) from
    `nearest_training_images`. Returns a uint8 (rows, columns, C) grid (`utils.pictures.images.make_grid`).
    """
    samples = np.asarray(samples, dtype=np.float32)
    indices = np.asarray(indices).reshape(len(samples), -1)
    training_images = np.asarray(training_images, dtype=np.float32)
    blank = np.ones_like(samples[:1])   # white in [-1, 1] terms
    rows = [np.concatenate([samples[row:row + 1], blank, training_images[indices[row]]]) for row in range(len(samples))]
    return image_utils.make_grid(np.concatenate(rows), columns=indices.shape[1] + 2, padding=padding)
