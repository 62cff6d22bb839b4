"""Throughput of the compiled train step and of a dataset's input pipeline (`dcgan.py bench`).

Our step is timed as training runs it (`DCGAN.train_steps`: batches read from a dataset iterator,
`steps_per_call` steps per compiled call), in both update orders: the paper's alternating one (the
default) and the simultaneous one. Beside them, in the same process on the same batch, it times a
plain reference step for the same architecture in the style of the TensorFlow DCGAN tutorial (one
`tf.function`, two `GradientTape`s over one forward pass, so a simultaneous update), so the ratios
can be checked on any machine: simultaneous against the reference is like for like.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import time

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from model.config import UPDATES, DCGANConfig
from model.dcgan import build_discriminator, build_generator
from model.gan import DCGAN
from utils.progress import stage

WARMUP_STEPS = 3


def forward_flops(model: keras.Model) -> int:
    """FLOPs (2 per multiply-add) of one image's forward pass through the Dense and convolution layers."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, layers.Conv2DTranspose):   # every input pixel scatters a k x k x out kernel
            _, height, width, in_maps = layer.input.shape
            total += height * width * in_maps * int(np.prod(layer.kernel_size)) * layer.filters
        elif isinstance(layer, layers.Conv2D):          # every output pixel gathers a k x k x in kernel
            _, height, width, out_maps = layer.output.shape
            total += height * width * out_maps * int(np.prod(layer.kernel_size)) * layer.input.shape[-1]
        elif isinstance(layer, layers.Dense):
            total += layer.input.shape[-1] * layer.units
    return 2 * total


def train_step_flops(config: DCGANConfig) -> int:
    """FLOPs per image of one DCGAN.train_step, counting a backward pass as twice its forward pass.

    Alternating: D's update is G forward, D forward on the real and the fake batch, D backward on both
    (G + 6 D); G's update is D forward on the same fakes, D backward to its input (about one D
    forward), G backward (2 G + 2 D). Simultaneous: G's update reuses D's forward pass on the fakes
    (3 G + 7 D).
    """
    d_passes = 8 if config.update == "alternating" else 7
    return 3 * forward_flops(build_generator(config)) + d_passes * forward_flops(build_discriminator(config))


def _random_batch(config: DCGANConfig):
    return tf.random.uniform((config.batch_size, config.image_size, config.image_size, config.channels), -1, 1,
                             seed=0)


def _images_per_second(step, batch, batch_size: int, steps: int, description: str = "timing") -> float:
    with stage(f"{description}: warm-up", WARMUP_STEPS, "calls") as advance:
        for _ in range(WARMUP_STEPS):   # tracing and the first oneDNN primitive creation
            np.asarray(step(batch))
            advance(1)
    with stage(description, steps, "calls") as advance:
        started = time.perf_counter()
        for _ in range(steps):
            result = step(batch)
            advance(1)   # asynchronous work is waited for at the end: the rate is the whole loop's
        np.asarray(result)
        return steps * batch_size / (time.perf_counter() - started)


def time_train_step(config: DCGANConfig, steps: int, jit_compile: bool = False, steps_per_call: int = 1) -> float:
    """Images/s of DCGAN.train_steps, `steps_per_call` steps per call, on one batch kept in memory and
    read through a dataset iterator as in training (the step alone, no input pipeline)."""
    gan = DCGAN(config, jit_compile=jit_compile)
    batches = iter(tf.data.Dataset.from_tensors(_random_batch(config)).repeat())
    calls = max(1, round(steps / steps_per_call))
    per_call = tf.constant(steps_per_call)
    return _images_per_second(lambda _: gan.train_steps(batches, per_call)["d_loss"], None,
                              config.batch_size * steps_per_call, calls,
                              f"train step ({config.update}{', XLA' if jit_compile else ''})")


def time_distributed_step(config: DCGANConfig, steps: int, strategy) -> float:
    """Global images/s of DCGAN.train_steps under `strategy`, one step per call, on random images read
    through a distributed dataset (each worker its share of every global batch) as in training."""
    gan = DCGAN(config, strategy=strategy)
    images = tf.random.uniform((4 * config.batch_size, config.image_size, config.image_size, config.channels), -1, 1,
                               seed=0)
    dataset = tf.data.Dataset.from_tensor_slices(images).repeat().batch(config.batch_size, drop_remainder=True)
    batches = iter(gan.distribute(dataset))
    one = tf.constant(1)
    return _images_per_second(lambda _: gan.train_steps(batches, one)["d_loss"], None, config.batch_size, steps,
                              f"train step over {strategy.num_replicas_in_sync} replicas")


# A worker of `bench --strategy multiworker`: the strategy first, before any other TensorFlow op.
WORKER_SCRIPT = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from utils.startup import import_tensorflow
import_tensorflow()
from model.gan import is_chief, make_strategy
strategy = make_strategy("multiworker")
from model.config import DCGANConfig
from utils.evaluation.bench import time_distributed_step
rate = time_distributed_step(DCGANConfig(**json.loads(sys.argv[2])), int(sys.argv[3]), strategy)
if is_chief(strategy):
    print(json.dumps({"images_per_s": rate}))
"""


def local_cluster_configs(workers: int) -> list[str]:
    """The TF_CONFIG of each of `workers` processes of this machine, on free 127.0.0.1 ports."""
    import json
    import socket

    sockets = [socket.socket() for _ in range(workers)]
    for one in sockets:
        one.bind(("127.0.0.1", 0))
    cluster = {"worker": [f"127.0.0.1:{one.getsockname()[1]}" for one in sockets]}
    for one in sockets:
        one.close()
    return [json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}) for index in range(workers)]


def time_local_workers(config: DCGANConfig, steps: int, workers: int = 2) -> float:
    """Global images/s of the train step over `workers` processes of this machine (MultiWorkerMirroredStrategy
    on 127.0.0.1, one replica each), as `train --strategy multiworker` runs it."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    configs = local_cluster_configs(workers)
    fields = {name: getattr(config, name) for name in ("image_size", "channels", "width", "batch_size", "precision",
                                                        "update")}
    repo = str(Path(__file__).resolve().parents[2])
    processes = [subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT, repo, json.dumps(fields), str(steps)], text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "TF_CONFIG": configs[index]}) for index in range(workers)]
    with stage(f"{workers} local workers: {steps} steps", workers, "workers") as advance:
        outputs = []
        for process in processes:
            outputs.append(process.communicate(timeout=3600))
            advance(1)
    failed = [(index, error) for index, (process, (_, error)) in enumerate(zip(processes, outputs))
              if process.returncode]
    if failed:
        index, error = failed[0]
        raise RuntimeError(f"bench worker {index} failed: {(error.strip().splitlines() or ['no output'])[-1]}")
    return json.loads(outputs[0][0].strip().splitlines()[-1])["images_per_s"]


ARCHITECTURE_VARIANTS = (("dcgan, 5x5 kernels (the default)", {}), ("dcgan, --kernel-size 4", {"kernel_size": 4}),
                         ("--architecture lin", {"architecture": "lin"}))


def time_architectures(config: DCGANConfig, steps: int, steps_per_call: int, log=print) -> list[dict]:
    """The train step of every architecture option, timed one after the other in this process, with
    the networks' parameter counts and FLOPs per image."""
    rows = []
    for name, change in ARCHITECTURE_VARIANTS:
        variant = dataclasses.replace(config, **change)
        rate = time_train_step(variant, steps, steps_per_call=steps_per_call)
        row = {"architecture": name, "images_per_s": rate, "flops_per_image": train_step_flops(variant),
               "generator_parameters": build_generator(variant).count_params(),
               "discriminator_parameters": build_discriminator(variant).count_params()}
        rows.append(row)
        log(f"{name}: {_rate(rate)} images/s ({rate / rows[0]['images_per_s']:.2f}x the default), "
            f"{row['flops_per_image'] / 1e9:.2f} GFLOP per image, G {row['generator_parameters']:,} and "
            f"D {row['discriminator_parameters']:,} parameters")
    return rows


def reference_step(config: DCGANConfig):
    """The plain tutorial-style step for the same networks: both losses from one forward pass, two tapes."""
    generator, discriminator = build_generator(config), build_discriminator(config)
    g_optimizer = keras.optimizers.Adam(config.learning_rate, beta_1=config.beta_1)
    d_optimizer = keras.optimizers.Adam(config.learning_rate, beta_1=config.beta_1)
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)

    @tf.function
    def step(images):
        noise = tf.random.normal((tf.shape(images)[0], config.latent_dim))
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            generated = generator(noise, training=True)
            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated, training=True)
            g_loss = cross_entropy(tf.ones_like(fake_output), fake_output)
            d_loss = (cross_entropy(tf.ones_like(real_output), real_output)
                      + cross_entropy(tf.zeros_like(fake_output), fake_output))
        g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, generator.trainable_variables),
                                        generator.trainable_variables))
        d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, discriminator.trainable_variables),
                                        discriminator.trainable_variables))
        return d_loss

    return step


def time_reference_step(config: DCGANConfig, steps: int) -> float:
    return _images_per_second(reference_step(config), _random_batch(config), config.batch_size, steps,
                              "reference step")


def time_inception(batches: int = 4, batch_size: int = 50) -> tuple[float, int]:
    """(images/s, FLOPs per image) of FID's feature extractor on random 299x299 images, after one warm-up batch."""
    from utils.evaluation.inception import InceptionFeatures

    extractor = InceptionFeatures(batch_size=batch_size)
    images = np.random.default_rng(0).uniform(0, 255, (batch_size, 299, 299, 3)).astype(np.float32)
    extractor(images)
    with stage("inception network", batches * batch_size, "images") as advance:
        started = time.perf_counter()
        for _ in range(batches):
            extractor(images)
            advance(batch_size)
        return batches * batch_size / (time.perf_counter() - started), forward_flops(extractor.model)


def peak_memory_mib() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_pipeline(dataset: str, data_dir, config: DCGANConfig, max_batches: int = 200,
                  source: str = "native") -> tuple[float, int]:
    """Images/s of the input pipeline for `dataset` (decode, resize, shuffle, batch, scale), and batches timed."""
    from utils.data import load_raw
    from utils.data.pipeline import TrainingData

    raw = load_raw(dataset, source=source, data_dir=data_dir, image_size=config.image_size, channels=config.channels)
    started = time.perf_counter()   # the in-memory fit to size is part of the cost
    data = TrainingData(raw, config.image_size, config.channels, config.batch_size, seed=0)
    count = 0
    with stage(f"input pipeline ({dataset})", min(max_batches, data.steps_per_epoch), "batches") as advance:
        for batch in data.epoch_dataset(0).take(max_batches):
            count += 1
            advance(1)
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


def _rate(images_per_s: float) -> str:
    """Three significant figures for the slow steps (7.03 images/s), whole numbers for the rest."""
    return f"{images_per_s:.3g}" if images_per_s < 100 else f"{images_per_s:.0f}"


def run_bench(image_size=32, batch_size=128, width=0, channels=None, steps=20, dataset=None, data_dir=None,
              source="native", synthetic=0, precision="float32", reference=True, xla=False, steps_per_call=None,
              inception=False, workers=0, architectures=False, log=print) -> dict:
    """Time the train step in both update orders against the reference step, and (with `dataset`) the
    input pipeline on `data_dir`, or on `synthetic` generated native-format images when that is given."""
    from utils.training.trainer import default_steps_per_call

    if channels is None:   # the dataset's own: grayscale for the MNIST family, colour for the rest
        channels = 1 if dataset in (None, "mnist", "fashion_mnist") else 3
    steps_per_call = steps_per_call or default_steps_per_call()
    config = DCGANConfig(image_size=image_size, batch_size=batch_size, width=width, channels=channels,
                         precision=precision)
    results = {"image_size": image_size, "batch_size": batch_size, "width": config.d_width, "precision": precision,
               "steps_per_call": steps_per_call, "tensorflow": tf.__version__,
               "devices": [device.name for device in tf.config.list_logical_devices()]}
    log(f"{image_size} px, width {config.d_width}, batch {batch_size}, {channels} channel(s), {precision}, "
        f"{steps_per_call} step(s) per call")
    for update in UPDATES:
        variant = dataclasses.replace(config, update=update)
        rate = results[f"{update}_images_per_s"] = time_train_step(variant, steps, steps_per_call=steps_per_call)
        flops = results[f"{update}_flops_per_image"] = train_step_flops(variant)
        results[f"{update}_achieved_gflops"] = rate * flops / 1e9
        log(f"our step, {update}{' (the default)' if update == 'alternating' else ''}: {_rate(rate)} images/s, "
            f"{flops / 1e9:.2f} GFLOP per image, {rate * flops / 1e9:.1f} GFLOP/s achieved")
    if xla:
        results["xla_images_per_s"] = time_train_step(config, steps, jit_compile=True, steps_per_call=steps_per_call)
        log(f"our step, alternating, compiled with XLA (jit_compile): {_rate(results['xla_images_per_s'])} images/s")
    if reference:
        results["reference_images_per_s"] = time_reference_step(config, steps)
        log(f"reference step (tutorial style, same networks, simultaneous): "
            f"{_rate(results['reference_images_per_s'])} images/s")
        for update in UPDATES:
            ratio = results[f"{update}_vs_reference"] = (results[f"{update}_images_per_s"]
                                                         / results["reference_images_per_s"])
            log(f"ours, {update}, is {ratio:.2f}x the reference"
                + (" (like for like)" if update == "simultaneous" else " (one more D pass per step)"))
    if dataset and synthetic:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            write_synthetic(dataset, folder, synthetic)
            rate, batches = time_pipeline(dataset, folder, config, source=source)
    elif dataset:
        rate, batches = time_pipeline(dataset, data_dir, config, source=source)
    if dataset:
        results["pipeline_images_per_s"] = rate
        results["pipeline_to_step_ratio"] = rate / results["alternating_images_per_s"]
        log(f"input pipeline ({dataset}{f', {synthetic} synthetic images' if synthetic else ''}, {batches} batches): {rate:.0f} images/s, "
            f"{results['pipeline_to_step_ratio']:.1f}x the train step")
    if inception:
        rate, flops = time_inception()
        results["inception_images_per_s"], results["inception_flops_per_image"] = rate, flops
        results["inception_achieved_gflops"] = rate * flops / 1e9
        ratio = results["inception_vs_train_step_flops"] = (results["inception_achieved_gflops"]
                                                            / results["alternating_achieved_gflops"])
        log(f"FID's Inception network (float32, batch 50): {_rate(rate)} images/s, {flops / 1e9:.1f} GFLOP per "
            f"image, {rate * flops / 1e9:.1f} GFLOP/s achieved, {ratio:.2f}x the train step's FLOP/s; "
            f"10,000 images take {10_000 / rate / 60:.1f} min")
    if architectures:
        results["architectures"] = time_architectures(config, steps, steps_per_call, log)
    if workers:
        rate = results["multiworker_images_per_s"] = time_local_workers(config, steps, workers)
        single = results["alternating_images_per_s"]
        speedup = results["multiworker_vs_one_process"] = rate / single
        results["multiworker_scaling_efficiency"] = speedup / workers
        log(f"{workers} worker processes on this machine (MultiWorkerMirroredStrategy, 127.0.0.1, global batch "
            f"{batch_size}): {_rate(rate)} images/s, {speedup:.2f}x one process, scaling efficiency "
            f"{speedup / workers:.2f} ({workers} workers sharing this machine's {os.cpu_count()} cores; on "
            f"{workers} machines each worker would have its own)")
    results["peak_memory_mib"] = peak_memory_mib()
    log(f"peak memory of this process: {results['peak_memory_mib']:.0f} MiB")
    return results
