"""Throughput of the compiled train step and of a dataset's input pipeline (`dcgan.py bench`)."""

from __future__ import annotations

import time

import numpy as np
import tensorflow as tf

from model.config import DCGANConfig
from model.gan import DCGAN

WARMUP_STEPS = 3


def time_train_step(config: DCGANConfig, steps: int) -> float:
    """Images/s of DCGAN.train_step on random batches (the data is on the device: the step alone)."""
    gan = DCGAN(config)
    batch = tf.random.uniform((config.batch_size, config.image_size, config.image_size, config.channels), -1, 1)
    for _ in range(WARMUP_STEPS):   # tracing and the first oneDNN primitive creation
        float(gan.train_step(batch)["d_loss"])
    started = time.perf_counter()
    for _ in range(steps):
        result = gan.train_step(batch)
    float(result["d_loss"])
    return steps * config.batch_size / (time.perf_counter() - started)


def time_pipeline(dataset: str, data_dir, config: DCGANConfig, max_batches: int = 200,
                  source: str = "native") -> tuple[float, int]:
    """Images/s of the input pipeline for `dataset` (decode, resize, shuffle, batch, scale), and batches timed."""
    from utils.data import load_raw
    from utils.data.pipeline import TrainingData

    raw = load_raw(dataset, source=source, data_dir=data_dir, image_size=config.image_size, channels=config.channels)
    started = time.perf_counter()   # the in-memory fit to size is part of the cost
    data = TrainingData(raw, config.image_size, config.channels, config.batch_size, seed=0)
    count = 0
    for batch in data.epoch_dataset(0).take(max_batches):
        count += 1
    np.asarray(batch)
    return count * config.batch_size / (time.perf_counter() - started), count


def write_synthetic(dataset: str, directory, num_images: int) -> None:
    """Native-format files of `dataset` at the real images' sizes (LSUN: shorter side 256; folder: 256 px),
    so the input pipeline can be timed where the real data is not at hand."""
    from utils.data import fixtures
    from utils.data.idx import write_mnist_fixture

    if dataset in ("mnist", "fashion_mnist"):
        write_mnist_fixture(directory, num_images)
    elif dataset == "lsun_bedroom":
        fixtures.write_lsun_lmdb(directory, num_images, height=256, width=341)
    elif dataset == "folder":
        fixtures.write_image_folder(directory, num_images, size=256)
    else:
        fixtures.write_fixture(dataset, directory, num_images)


def run_bench(image_size=32, batch_size=128, width=0, channels=None, steps=20, dataset=None, data_dir=None,
              source="native", synthetic=0, log=print) -> dict:
    """Time the train step, and (with `dataset`) the input pipeline on `data_dir`, or on `synthetic`
    generated native-format images when that is given."""
    if channels is None:   # the dataset's own: grayscale for the MNIST family, colour for the rest
        channels = 1 if dataset in (None, "mnist", "fashion_mnist") else 3
    config = DCGANConfig(image_size=image_size, batch_size=batch_size, width=width, channels=channels)
    results = {"image_size": image_size, "batch_size": batch_size, "width": config.d_width}
    results["train_images_per_s"] = time_train_step(config, steps)
    log(f"train step ({image_size} px, width {config.d_width}, batch {batch_size}, {channels} channel(s)): "
        f"{results['train_images_per_s']:.0f} images/s")
    if dataset and synthetic:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            write_synthetic(dataset, folder, synthetic)
            rate, batches = time_pipeline(dataset, folder, config, source=source)
    elif dataset:
        rate, batches = time_pipeline(dataset, data_dir, config, source=source)
    if dataset:
        results["pipeline_images_per_s"] = rate
        results["pipeline_to_step_ratio"] = rate / results["train_images_per_s"]
        log(f"input pipeline ({dataset}{f', {synthetic} synthetic images' if synthetic else ''}, {batches} batches): {rate:.0f} images/s, "
            f"{results['pipeline_to_step_ratio']:.1f}x the train step")
    return results
