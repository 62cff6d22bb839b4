"""The standard FID and KID protocol: which images, at which size, resized how, against which real set.

Numbers are only comparable under one written protocol, so it is fixed here and recorded with every
result (`protocol_record`):

- MNIST family (Lucic et al. 2018, "Are GANs Created Equal?", arXiv:1711.10337, and their
  google/compare_gan code): 10,000 generated images against the 10,000 test images, both at the
  native 28x28 (G's 32-px output loses the 2 px of black padding it was trained with), grayscale
  repeated to 3 channels, kept as floats in [0, 255] (generated images are not rounded to 8 bits),
  resized to 299x299 with TF1's bilinear resize (`align_corners=False, half_pixel_centers=False`,
  what compare_gan's `tf.image.resize_bilinear` does; TF2's `tf.image.resize` samples at half-pixel
  centres and gives other numbers), then fed to the 2015-12-05 Inception network (`inception`).
- Other datasets (the TTUR convention of Heusel et al. 2017): generated images against the training
  set at the model's resolution, 50,000 of each by default.
- `resize="clean"`: images rounded to 8 bits, then the half-pixel-centred bilinear resize, the
  convention of pytorch-fid users (who score saved PNGs) and close to clean-fid's; offered so that
  numbers from those tools can be compared, never the default.

KID (Binkowski et al. 2018): the unbiased estimate over 100 subsets of 1,000 (torch-fidelity's and
clean-fid's defaults), from `metrics.kernel_inception_distance`. Real-set features are cached, keyed
by everything they depend on (dataset, split, count, size, resize, network and its file's SHA-1).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from utils.data.idx import MNIST_FAMILY
from utils.errors import UsageError
from utils.evaluation import metrics
from utils.files import atomic_path

RESIZES = ("compare_gan", "clean")
INCEPTION_SIZE = 299
# Below the feature dimension (2048) the covariance is rank-deficient and the FID is not defined.
MIN_SAMPLES = 2048
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")


class SampleError(UsageError):
    """Samples that cannot be scored as given (shape, dtype, range, count): the message names the fix."""


def protocol_for(dataset: str) -> dict:
    """The real split, the default sample count and the image size that FID of `dataset` uses."""
    if dataset in MNIST_FAMILY:
        return {"name": "lucic2018", "split": "test", "num_samples": 10_000, "image_size": 28}
    return {"name": "ttur", "split": "train", "num_samples": 50_000, "image_size": None}


def generated_to_pixels(images, dataset: str) -> np.ndarray:
    """G's output in [-1, 1] (N, S, S, C) -> float32 in [0, 255], unrounded; MNIST family cropped 32 -> 28."""
    images = without_padding(np.asarray(images, np.float32), dataset)
    return np.clip((images + 1.0) * 127.5, 0.0, 255.0)


def without_padding(images: np.ndarray, dataset: str) -> np.ndarray:
    """MNIST-family images at 32x32 (the 28x28 originals padded by 2 px for G) back to 28x28; others as given."""
    if dataset in MNIST_FAMILY and images.shape[1:3] == (32, 32):
        return images[:, 2:30, 2:30]
    return images


def check_samples(images, dataset: str, allow_few: bool = False) -> np.ndarray:
    """User samples: uint8 (N, H, W[, C]) with C 1 or 3 -> uint8 (N, H, W, C), checked.

    Images of 32x32 for the MNIST family (this repository's `generate --out x.npy`) lose their 2 px
    of padding, as generated images do under the protocol.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise SampleError(f"samples must be uint8 in [0, 255], got {images.dtype}: "
                          "convert with np.clip(np.rint(x), 0, 255).astype(np.uint8) first")
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or min(images.shape[1:3]) < 8:
        raise SampleError(f"samples must be (N, H, W) or (N, H, W, 1 or 3) images, got shape {images.shape}")
    if len(images) < MIN_SAMPLES and not allow_few:
        raise SampleError(f"{len(images)} samples: FID needs at least {MIN_SAMPLES} (the feature dimension) "
                          "for a full-rank covariance; the protocol uses 10,000")
    return without_padding(images, dataset)


def load_samples(path: str | Path) -> np.ndarray:
    """A .npy array of uint8 images (read without pickle), or a folder of image files (sorted by name)."""
    path = Path(path)
    if path.is_dir():
        from PIL import Image

        files = sorted(file for file in path.iterdir() if file.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise SampleError(f"{path}: no image files ({', '.join(IMAGE_SUFFIXES)}) in this folder")
        arrays = [np.asarray(Image.open(file)) for file in files]
        shapes = {array.shape for array in arrays}
        if len(shapes) != 1:
            raise SampleError(f"{path}: images of different shapes {sorted(shapes)[:3]}: resize them to one size")
        return np.stack(arrays)
    if path.suffix != ".npy" or not path.is_file():
        raise SampleError(f"{path}: --samples takes a .npy file or a folder of images")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as error:
        raise SampleError(f"{path}: not a plain .npy array ({error})") from None


def to_inception_input(pixels, resize: str = "compare_gan") -> tf.Tensor:
    """Images (N, H, W, 1 or 3) in [0, 255] (uint8 or float) -> float32 (N, 299, 299, 3) in [0, 255]."""
    if resize not in RESIZES:
        raise UsageError(f"unknown resize {resize!r}; choose one of {', '.join(RESIZES)}")
    images = tf.cast(tf.convert_to_tensor(pixels), tf.float32)
    if images.shape[-1] == 1:
        images = tf.repeat(images, 3, axis=-1)
    size = [INCEPTION_SIZE, INCEPTION_SIZE]
    if resize == "compare_gan":
        # The kernel of TF1's tf.image.resize_bilinear (its default corners), without the deprecated wrapper.
        images = tf.raw_ops.ResizeBilinear(images=images, size=size, align_corners=False, half_pixel_centers=False)
    else:
        images = tf.image.resize(tf.round(images), size, method="bilinear", antialias=False)
    return tf.clip_by_value(images, 0.0, 255.0)


def inception_features(pixels, extractor, resize: str = "compare_gan", batch_size: int = 50,
                       progress=None) -> np.ndarray:
    """Pool_3 features (N, 2048) of images in [0, 255], resized a batch at a time (10,000 images at 299 px
    would be 10 GB in float32). `progress(n)` is called with each batch's size."""
    batches = []
    for start in range(0, len(pixels), batch_size):
        batch = to_inception_input(pixels[start:start + batch_size], resize)
        batches.append(extractor(batch.numpy()))
        if progress is not None:
            progress(len(batch))
    # float32, as cached: a result is the same whether the real features came from the cache or not.
    return np.concatenate(batches).astype(np.float32)


def cached_features(key: str, compute_fn, cache_dir: str | Path) -> np.ndarray:
    """Features from `cache_dir/<key>.npy`, or `compute_fn()` saved there first (atomically)."""
    path = Path(cache_dir) / f"{key}.npy"
    if path.is_file():
        return np.load(path, allow_pickle=False)
    features = np.asarray(compute_fn(), np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        np.save(temporary, features)
    return features


def real_features_key(dataset: str, split: str, count: int, image_size: int, resize: str, network: str,
                      sha1: str) -> str:
    return metrics.statistics_key(dataset, f"{split}{count}", image_size, f"{resize}-{network}-{sha1[:12]}")


def scores(real_features: np.ndarray, fake_features: np.ndarray, metric_names, seed: int = 0) -> dict:
    """{"fid": float, "kid": {"mean", "std"}} for the metrics asked ("fid", "kid")."""
    results = {}
    if "fid" in metric_names:
        results["fid"] = metrics.frechet_distance(*metrics.feature_statistics(real_features),
                                                  *metrics.feature_statistics(fake_features))
    if "kid" in metric_names:
        mean, std = metrics.kernel_inception_distance(real_features, fake_features, seed=seed)
        results["kid"] = {"mean": mean, "std": std, "subsets": 100, "subset_size": min(1000, len(fake_features))}
    return results


def real_pixels(dataset: str, split: str, count: int, image_size: int, channels: int, data_dir=None,
                source: str = "native") -> np.ndarray:
    """The first `count` real images of the protocol as uint8 (N, H, W, C): native 28x28 for the MNIST
    family, else at the model's size (as the generator draws them)."""
    from utils.data import load_raw
    from utils.data.pipeline import load_scaled, unscale_images

    if dataset in MNIST_FAMILY:
        return load_raw(dataset, source=source, data_dir=data_dir, split=split, image_size=image_size,
                        channels=channels, limit=count).images[:count]
    images, _ = load_scaled(dataset, image_size, channels, data_dir, split, count, source)
    return unscale_images(images)


def frechet_and_kernel_distances(fake_pixels, dataset: str, image_size: int, channels: int, metric_names,
                                 data_dir=None, source: str = "native", cache_dir: str | Path = "saved_models",
                                 resize: str = "compare_gan", num_real: int | None = None, seed: int = 0,
                                 log=print) -> dict:
    """FID and/or KID of `fake_pixels` (N, H, W, C) in [0, 255] under the protocol of `dataset`.

    Returns a JSON-ready dict: the scores, and the protocol as run (split, counts, size, resize,
    network and its file's SHA-1), which `evaluate` stores in results.json.
    """
    from utils.evaluation.inception import EXPECTED_SHA1, InceptionFeatures
    from utils.progress import stage

    protocol = protocol_for(dataset)
    num_real = num_real or protocol["num_samples"]
    extractor = InceptionFeatures()
    started = time.perf_counter()

    def features_of(pixels, what):
        with stage(f"inception features of {what}", len(pixels), "images") as advance:
            return inception_features(pixels, extractor, resize, progress=advance)

    real = real_pixels(dataset, protocol["split"], num_real, image_size, channels, data_dir, source)
    key = real_features_key(dataset, protocol["split"], len(real), real.shape[1], resize, extractor.name,
                            EXPECTED_SHA1)
    real_features = cached_features(key, lambda: features_of(real, f"{dataset} {protocol['split']}"),
                                    Path(cache_dir) / "statistics")
    fake_features = features_of(fake_pixels, "samples")
    results = scores(real_features, fake_features, metric_names, seed)
    results["protocol"] = {
        "name": protocol["name"] if resize == "compare_gan" else f"{protocol['name']}+clean",
        "split": protocol["split"], "real_images": int(len(real)), "generated_images": int(len(fake_pixels)),
        "image_size": int(real.shape[1]), "resize": resize, "network": extractor.name,
        "network_sha1": EXPECTED_SHA1, "seconds": round(time.perf_counter() - started, 1),
    }
    shown = [f"FID {results['fid']:.2f}"] if "fid" in results else []
    if "kid" in results:
        shown.append(f"KID {results['kid']['mean']:.4f} +- {results['kid']['std']:.4f}")
    log(f"{', '.join(shown)} ({len(fake_pixels)} samples vs {len(real)} {dataset} {protocol['split']} images, "
        f"{real.shape[1]} px, {resize} resize, {results['protocol']['seconds']:.0f} s)")
    return results


def training_metrics(config, data_dir=None, cache_dir: str | Path = "saved_models", log=print):
    """The `epoch_metrics` callable of `utils.training.trainer.train` for `train --fid-every`: FID and KID of
    `config.fid_samples` images of the current G (same latent seed every time) under this module's protocol."""
    from utils.pictures.samples import generate_fake_samples

    if config.fid_samples < MIN_SAMPLES:
        log(f"warning: --fid-samples {config.fid_samples} is below {MIN_SAMPLES}: the FIDs of this run follow each "
            "other's trend but are not comparable with published ones")

    def measure(generator, epoch: int) -> dict:
        fakes, _ = generate_fake_samples(generator, config.fid_samples, seed=config.seed)
        results = frechet_and_kernel_distances(
            generated_to_pixels(fakes, config.dataset), config.dataset, config.image_size, config.channels,
            ("fid", "kid"), data_dir, config.source, cache_dir, log=lambda line: log(f"epoch {epoch}: {line}"))
        return {"fid": results["fid"], "kid": results["kid"]["mean"], "kid_std": results["kid"]["std"]}

    return measure
