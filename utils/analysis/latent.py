"""Walking in the latent space and vector arithmetic on z.

Radford et al. 2015, Sec. 6.1 "Walking in the latent space" (Fig. 4: 9-point interpolations between
random points) and Sec. 6.3.2 "Vector arithmetic on face samples" (Fig. 7: averages of three
exemplar z per concept, arithmetic on the averages, then the result plus uniform noise in [-0.25,
0.25] for 8 neighbours; Fig. 8: a "turn" vector from left- and right-looking faces).

All functions take and return NumPy float32 arrays: single vectors (latent_dim,) or batches
(num_vectors, latent_dim). Feed the results to `generator(z, training=False)`.
"""

from __future__ import annotations

import numpy as np

from utils.errors import UsageError

PARALLEL_TOLERANCE = 1e-6   # below this sin(angle), slerp falls back to lerp of directions


def _as_vector(z, name: str = "z") -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    if z.ndim != 1:
        raise UsageError(f"{name} must be one latent vector of shape (latent_dim,), got shape {z.shape}")
    return z


def lerp(z_a, z_b, t) -> np.ndarray:
    """Linear interpolation (1 - t) z_a + t z_b. t: scalar or (steps,); returns (latent_dim,) or (steps, latent_dim)."""
    z_a, z_b = _as_vector(z_a, "z_a"), _as_vector(z_b, "z_b")
    t = np.asarray(t, dtype=np.float64)
    result = (1.0 - t[..., None]) * z_a + t[..., None] * z_b
    return result.astype(np.float32)


def slerp(z_a, z_b, t) -> np.ndarray:
    """Spherical interpolation: the direction moves along the great circle, the norm linearly.

    For equal-norm endpoints the norm stays constant along the path (a Gaussian z's typical shell,
    White 2016 "Sampling generative networks"). t=0 and t=1 give z_a and z_b exactly. Nearly
    parallel directions fall back to normalised lerp, a zero endpoint to lerp; opposite directions
    raise ValueError.
    t: scalar or (steps,); returns (latent_dim,) or (steps, latent_dim).
    """
    z_a, z_b = _as_vector(z_a, "z_a"), _as_vector(z_b, "z_b")
    t = np.asarray(t, dtype=np.float64)
    scalar = t.ndim == 0
    t = np.atleast_1d(t)
    norm_a, norm_b = np.linalg.norm(z_a), np.linalg.norm(z_b)
    if norm_a == 0.0 or norm_b == 0.0:
        result = lerp(z_a, z_b, t)
    else:
        unit_a, unit_b = z_a / norm_a, z_b / norm_b
        angle = np.arccos(np.clip(unit_a @ unit_b, -1.0, 1.0))
        if np.sin(angle) < PARALLEL_TOLERANCE and unit_a @ unit_b < 0:
            raise UsageError("z_a and z_b point in opposite directions, so the great circle between them "
                             "is undefined; use kind='linear' or perturb one endpoint")
        if np.sin(angle) < PARALLEL_TOLERANCE:
            directions = (1.0 - t[:, None]) * unit_a + t[:, None] * unit_b
        else:
            directions = (np.sin((1.0 - t[:, None]) * angle) * unit_a
                          + np.sin(t[:, None] * angle) * unit_b) / np.sin(angle)
        directions /= np.maximum(np.linalg.norm(directions, axis=1, keepdims=True), 1e-12)
        norms = (1.0 - t[:, None]) * norm_a + t[:, None] * norm_b
        result = (norms * directions).astype(np.float32)
        result[t == 0.0] = z_a
        result[t == 1.0] = z_b
    return result[0] if scalar else result


def interpolation_walk(z_a, z_b, steps: int = 9, kind: str = "linear") -> np.ndarray:
    """Fig. 4: `steps` evenly spaced points from z_a to z_b inclusive. kind: "linear" or "spherical".

    Returns (steps, latent_dim).
    """
    if steps < 2:
        raise UsageError(f"steps must be at least 2 (both endpoints), got {steps}")
    t = np.linspace(0.0, 1.0, steps)
    if kind == "linear":
        return lerp(z_a, z_b, t)
    if kind == "spherical":
        return slerp(z_a, z_b, t)
    raise UsageError(f"kind must be 'linear' or 'spherical', got {kind!r}")


def dimension_sweep(z, dim: int, values) -> np.ndarray:
    """Copies of z with coordinate `dim` set to each of `values`. Returns (len(values), latent_dim)."""
    z = _as_vector(z)
    if not -len(z) <= dim < len(z):
        raise UsageError(f"dim must be in [0, {len(z)}), got {dim}")
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    sweep = np.repeat(z[None, :], len(values), axis=0)
    sweep[:, dim] = values
    return sweep.astype(np.float32)


def concept_vector(exemplar_zs) -> np.ndarray:
    """Sec. 6.3.2: the mean of a concept's exemplar z (the paper averages 3). (k, latent_dim) -> (latent_dim,)."""
    exemplar_zs = np.asarray(exemplar_zs, dtype=np.float64)
    if exemplar_zs.ndim != 2 or len(exemplar_zs) == 0:
        raise UsageError(f"exemplar_zs must be (num_exemplars, latent_dim) with at least one row, got {exemplar_zs.shape}")
    return exemplar_zs.mean(axis=0).astype(np.float32)


def arithmetic(z_a, z_b, z_c) -> np.ndarray:
    """Fig. 7: z_a - z_b + z_c, e.g. smiling woman - neutral woman + neutral man."""
    return (_as_vector(z_a, "z_a") - _as_vector(z_b, "z_b") + _as_vector(z_c, "z_c")).astype(np.float32)


def neighbours(z, num_neighbours: int = 8, noise: float = 0.25, seed: int | None = None) -> np.ndarray:
    """Fig. 7: z plus uniform noise in [-noise, +noise] (the paper's 0.25). Returns (num_neighbours, latent_dim)."""
    z = _as_vector(z)
    if noise < 0:
        raise UsageError(f"noise must be non-negative, got {noise}")
    rng = np.random.default_rng(seed)
    return (z[None, :] + rng.uniform(-noise, noise, size=(num_neighbours, len(z)))).astype(np.float32)


def turn_vector(left_zs, right_zs) -> np.ndarray:
    """Fig. 8: mean(right-looking z) - mean(left-looking z); adding it turns a face to the right."""
    return (concept_vector(right_zs).astype(np.float64) - concept_vector(left_zs)).astype(np.float32)


def apply_along(z, direction, steps: int = 9, scale: float = 1.0) -> np.ndarray:
    """z + t * direction for t evenly spaced in [0, scale]. Returns (steps, latent_dim)."""
    z, direction = _as_vector(z), _as_vector(direction, "direction")
    if z.shape != direction.shape:
        raise UsageError(f"direction {direction.shape} must have the latent shape {z.shape}")
    t = np.linspace(0.0, scale, steps)
    return (z[None, :] + t[:, None] * direction[None, :]).astype(np.float32)


def pick_exemplars(generated_images, attribute_scores, attribute=None, positive: bool = True, k: int = 3) -> np.ndarray:
    """Indices of the k generated images that most (positive=True) or least show an attribute.

    generated_images: (N, H, W, C) in [-1, 1]. attribute_scores: an (N,) or (N, num_attributes)
    array, or a callable images -> such an array (any classifier). attribute: the column to use
    for 2-D scores (int index, or a key if the callable returns a dict). Pair the indices with the
    z batch that made the images and pass those z to `concept_vector`.
    """
    scores = attribute_scores(generated_images) if callable(attribute_scores) else attribute_scores
    if isinstance(scores, dict):
        if attribute not in scores:
            raise UsageError(f"attribute {attribute!r} not among the classifier's outputs {sorted(scores)}")
        scores = scores[attribute]
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 2:
        if attribute is None:
            raise UsageError("attribute_scores has several columns: pass attribute=<column index>")
        scores = scores[:, attribute]
    if scores.ndim != 1 or len(scores) != len(generated_images):
        raise UsageError(f"need one score per image ({len(generated_images)}), got shape {scores.shape}")
    if not 1 <= k <= len(scores):
        raise UsageError(f"k must be between 1 and {len(scores)}, got {k}")
    order = np.argsort(-scores if positive else scores, kind="stable")
    return order[:k]
