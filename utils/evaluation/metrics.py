"""Sample-quality metrics for generated images: FID, KID and the Inception score.

- Frechet distance (Heusel et al. 2017, "GANs trained by a two time-scale update rule", arXiv:1706.08500):
  d^2 = ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)) between Gaussians fitted to two feature sets.
  The numerics follow the reference implementation, github.com/bioinf-jku/TTUR `fid.py`
  (`calculate_frechet_distance`): float64, scipy's `sqrtm`, an epsilon added to the diagonals when
  the product is singular, and tiny imaginary parts from round-off discarded.
- Kernel Inception distance (Binkowski et al. 2018, "Demystifying MMD GANs", arXiv:1801.01401, Sec. 4):
  the unbiased MMD^2 estimate with k(x, y) = (x.y / d + 1)^3, averaged over random subsets, as in
  torch-fidelity `metric_kid.py` (100 subsets of 1000 by default) and clean-fid `kernel_distance`.
- Inception score (Salimans et al. 2016, "Improved techniques for training GANs", arXiv:1606.03498,
  Sec. 4): exp(E_x KL(p(y|x) || p(y))), mean and standard deviation over `splits` chunks, as in
  github.com/openai/improved-gan `inception_score/model.py`.

`InceptionExtractor` computes the features (pool_3, 2048-d) and class probabilities of the original
2015-12-05 Inception graph (the .pb file of TTUR and improved-gan, where a user has it): the Inception
score needs its softmax. FID and KID use the same network rebuilt in Keras (`utils.evaluation.inception`,
which ships without the softmax) under the protocol of `utils.evaluation.fid`.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np
import tensorflow as tf
from scipy import linalg

from utils.errors import MissingError

# The graph and file name used by TTUR fid.py (`check_or_download_inception`) and improved-gan.
INCEPTION_URL = "http://download.tensorflow.org/models/image/imagenet/inception-2015-12-05.tgz"
INCEPTION_GRAPH_FILE = "classify_image_graph_def.pb"
INCEPTION_SIZE = 299
# TTUR fid.py: the offset added to both covariance diagonals when their product is singular.
SQRTM_EPSILON = 1e-6
# Imaginary parts above this (on the diagonal of sqrt(S1 S2)) mean the result is not round-off.
IMAGINARY_TOLERANCE = 1e-3


def feature_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """features (N, D) -> (mean (D,), covariance (D, D)), both float64; N >= 2."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or len(features) < 2:
        raise ValueError(f"feature_statistics needs at least 2 feature vectors (N, D), got shape {features.shape}")
    # np.cov divides by N - 1, as TTUR's calculate_activation_statistics does.
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray,
                     epsilon: float = SQRTM_EPSILON) -> float:
    """Frechet distance between N(mu1, sigma1) and N(mu2, sigma2): means (D,), covariances (D, D).

    Raises ValueError on mismatched shapes or when sqrt(S1 S2) has a large imaginary part
    (a sign of covariances that are not positive semi-definite, e.g. too few samples).
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1, sigma2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != mu1.shape * 2:
        raise ValueError(f"frechet_distance: shapes do not match: mu {mu1.shape} vs {mu2.shape}, "
                         f"sigma {sigma1.shape} vs {sigma2.shape}")
    difference = mu1 - mu2
    covariance_root = linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covariance_root).all():
        # TTUR: the product may be (almost) singular, e.g. fewer samples than feature dimensions.
        warnings.warn(f"frechet_distance: singular covariance product; adding {epsilon} to the diagonals")
        offset = np.eye(len(sigma1)) * epsilon
        covariance_root = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covariance_root):
        largest = np.max(np.abs(np.diagonal(covariance_root).imag))
        if largest > IMAGINARY_TOLERANCE:
            raise ValueError(f"frechet_distance: sqrt(S1 S2) has an imaginary component of {largest:.3g}; "
                             "use more samples than feature dimensions")
        covariance_root = covariance_root.real
    return float(difference @ difference + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covariance_root))


def polynomial_kernel(features_a: np.ndarray, features_b: np.ndarray) -> np.ndarray:
    """KID's kernel k(x, y) = (x.y / d + 1)^3 (Binkowski et al. 2018, Sec. 4): (N, D), (M, D) -> (N, M)."""
    dimension = features_a.shape[1]
    return (features_a @ features_b.T / dimension + 1.0) ** 3


def unbiased_mmd2(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Unbiased MMD^2 with the polynomial kernel (Gretton et al. 2012, Lemma 6): sizes m, n >= 2.

    Within-set sums leave out the diagonal k(x_i, x_i); the cross term averages all m * n pairs.
    """
    m, n = len(features_a), len(features_b)
    kernel_aa = polynomial_kernel(features_a, features_a)
    kernel_bb = polynomial_kernel(features_b, features_b)
    kernel_ab = polynomial_kernel(features_a, features_b)
    within_a = (kernel_aa.sum() - np.trace(kernel_aa)) / (m * (m - 1))
    within_b = (kernel_bb.sum() - np.trace(kernel_bb)) / (n * (n - 1))
    return float(within_a + within_b - 2.0 * kernel_ab.mean())


def kernel_inception_distance(features_a: np.ndarray, features_b: np.ndarray, num_subsets: int = 100,
                              subset_size: int = 1000, seed: int = 0) -> tuple[float, float]:
    """KID between feature sets (N, D) and (M, D): (mean, standard deviation) of MMD^2 over subsets.

    Each subset draws `subset_size` vectors from each set without replacement; `subset_size` is capped
    at min(N, M) (torch-fidelity's defaults: 100 subsets of 1000). A subset as large as both sets
    gives the same value every time.
    """
    features_a = np.asarray(features_a, dtype=np.float64)
    features_b = np.asarray(features_b, dtype=np.float64)
    if features_a.ndim != 2 or features_b.ndim != 2 or features_a.shape[1] != features_b.shape[1]:
        raise ValueError(f"kernel_inception_distance: need (N, D) and (M, D) features, "
                         f"got {features_a.shape} and {features_b.shape}")
    subset_size = min(subset_size, len(features_a), len(features_b))
    if subset_size < 2 or num_subsets < 1:
        raise ValueError(f"kernel_inception_distance needs at least 2 vectors per set and 1 subset, "
                         f"got subset size {subset_size} and {num_subsets} subsets")
    generator = np.random.default_rng(seed)
    values = []
    for _ in range(num_subsets):
        subset_a = features_a[generator.choice(len(features_a), subset_size, replace=False)]
        subset_b = features_b[generator.choice(len(features_b), subset_size, replace=False)]
        values.append(unbiased_mmd2(subset_a, subset_b))
    return float(np.mean(values)), float(np.std(values))


def inception_score(probabilities: np.ndarray, splits: int = 10) -> tuple[float, float]:
    """Inception score of class probabilities (N, K) (rows sum to 1): (mean, std) over `splits` chunks.

    Within a chunk: exp(mean_x KL(p(y|x) || p(y))) with p(y) the chunk's mean prediction; 0 log 0 = 0.
    Ranges from 1 (every image gets the same prediction) to K (confident and uniform over classes).
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or not 1 <= splits <= len(probabilities):
        raise ValueError(f"inception_score needs (N, K) probabilities with N >= splits, "
                         f"got shape {probabilities.shape} and splits={splits}")
    if np.any(probabilities < 0) or not np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("inception_score needs probabilities (softmax outputs), not logits")
    scores = []
    for chunk in np.array_split(probabilities, splits):
        marginal = chunk.mean(axis=0, keepdims=True)
        terms = np.where(chunk > 0, chunk * (np.log(np.where(chunk > 0, chunk, 1.0)) - np.log(marginal)), 0.0)
        scores.append(np.exp(terms.sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))


def statistics_key(dataset: str, split: str, resolution: int, extractor: str) -> str:
    """File-name-safe cache key for a real set's statistics, e.g. 'cifar10-train-32-inception2015'."""
    text = f"{dataset}-{split}-{resolution}-{extractor}"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def inception_dir() -> Path:
    """Where the Inception files live: $DCGAN_INCEPTION_DIR, else saved_models/inception/ in the repo."""
    if os.environ.get("DCGAN_INCEPTION_DIR"):
        return Path(os.environ["DCGAN_INCEPTION_DIR"]).expanduser()
    return Path(__file__).resolve().parents[2] / "saved_models" / "inception"


def prepare_images(images) -> tf.Tensor:
    """Images (N, H, W, 1 or 3), uint8 in [0, 255] or float in [-1, 1] -> float32 (N, 299, 299, 3) in [0, 255].

    Real and generated images go through exactly this: scale to [0, 255] (the range the 2015 graph
    expects, TTUR `get_activations`), repeat grayscale to 3 channels, bilinear resize to 299.
    """
    images = tf.convert_to_tensor(images)
    if images.shape.rank != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"expected images (N, H, W, 1 or 3), got shape {images.shape}")
    if images.dtype == tf.uint8:
        images = tf.cast(images, tf.float32)
    else:
        images = (tf.cast(images, tf.float32) + 1.0) * 127.5
    if images.shape[-1] == 1:
        images = tf.repeat(images, 3, axis=-1)
    images = tf.image.resize(images, (INCEPTION_SIZE, INCEPTION_SIZE), method="bilinear")
    return tf.clip_by_value(images, 0.0, 255.0)


def _load_inception_graph(path: Path):
    """The 2015-12-05 GraphDef as a TF2 function: (N, 299, 299, 3) in [0, 255] -> (pool_3 (N, 2048), logits).

    The graph was frozen for one image at a time (DecodeJpeg -> ExpandDims -> ResizeBilinear -> ...).
    We feed batches at `ExpandDims:0` through `input_map` (TTUR feeds the same tensor) inside
    `tf.compat.v1.wrap_function` (TensorFlow's migration guide, "wrap_frozen_graph"), and form the
    logits as pool_3 times the weights of `softmax/logits/MatMul` (no bias), exactly as
    improved-gan computes the Inception score, since the graph's own reshape after pool_3 is fixed to
    batch 1.
    """
    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(path.read_bytes())

    def imported(images):
        pool, matmul = tf.compat.v1.import_graph_def(
            graph_def, input_map={"ExpandDims:0": images},
            return_elements=["pool_3:0", "softmax/logits/MatMul:0"], name="inception")
        features = tf.reshape(pool, [-1, 2048])
        return features, tf.matmul(features, matmul.op.inputs[1])

    spec = tf.TensorSpec([None, INCEPTION_SIZE, INCEPTION_SIZE, 3], tf.float32)
    return tf.compat.v1.wrap_function(imported, [spec])


class InceptionExtractor:
    """Inception features (N, 2048) and class probabilities of images, in batches, from the original
    2015-12-05 graph (TTUR/improved-gan), which must already be in `model_dir` (no downloads here)."""

    name = "inception2015"

    def __init__(self, model_dir: str | Path | None = None, batch_size: int = 50):
        self.model_dir = Path(model_dir).expanduser() if model_dir is not None else inception_dir()
        self.batch_size = batch_size
        path = self.model_dir / INCEPTION_GRAPH_FILE
        if not path.is_file():
            raise MissingError(
                f"Inception graph not found at {path}: download and unpack {INCEPTION_GRAPH_FILE} from "
                f"{INCEPTION_URL} and put it at {path} (or set DCGAN_INCEPTION_DIR to its folder)")
        self._graph_function = _load_inception_graph(path)

    def __call__(self, images) -> tuple[np.ndarray, np.ndarray]:
        """images (N, H, W, C), uint8 or [-1, 1] -> (features (N, 2048) float64, probabilities (N, K))."""
        features, probabilities = [], []
        for start in range(0, len(images), self.batch_size):
            batch_features, logits = self._graph_function(prepare_images(images[start:start + self.batch_size]))
            features.append(np.asarray(batch_features, np.float64))
            probabilities.append(np.asarray(tf.nn.softmax(logits), np.float64))
        return np.concatenate(features), np.concatenate(probabilities)
