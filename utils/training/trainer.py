"""The training run: epochs of compiled steps, and a run directory that holds everything about it.

A run directory (see README, "Run directory"):
    config.json        the DCGANConfig of the run
    data.json          where the images came from, how many, steps per epoch, versions: one record per
                       start and resume
    checkpoints/       tf.train.Checkpoint of G, D, both optimizers, step and epoch counters, latent RNG
    history.csv        one row per step: step, epoch, d_loss, g_loss, d_real, d_fake
    losses.png         the loss curves
    fixed_latent.npy   the latent batch every sample grid is drawn from
    samples/epoch_NNN.png, progress.gif, generator.keras, discriminator.keras
    tensorboard/       TensorBoard event files: losses, D's outputs, learning rates, epoch numbers, sample grids
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import platform
import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from model.config import DCGANConfig
from model.gan import DCGAN, is_chief, worker_count
from utils.data.pipeline import TrainingData
from utils.errors import MissingError, UsageError, environment_message
from utils.files import atomic_path, remove_leftover_temporaries, write_atomic
from utils.pictures.images import progress_gif, save_grid
from utils.pictures.plots import plot_losses
from utils.pictures.samples import latent_samples
from utils.training.summaries import RunSummaries, epoch_summary

COLUMNS = ("step", "epoch", "d_loss", "g_loss", "d_real", "d_fake")
GRID_SAMPLES = 64


class TrainingStopped(Exception):
    """The run stopped on purpose (a signal, or a NaN loss); the message says how to go on."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def check_writable(folder: Path) -> None:
    """Fail before training, not after an hour, if `folder` cannot be created or written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write_test"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as error:
        raise UsageError(f"cannot write to {folder} ({error.strerror}); choose another --out") from None


def read_history(path: Path, up_to_step: int | None = None) -> dict[str, list]:
    """The rows of history.csv as lists per column; with `up_to_step`, only the rows up to that step."""
    history = {column: [] for column in COLUMNS}
    if path.is_file():
        with open(path, newline="") as handle:
            for row in csv.DictReader(handle):
                if up_to_step is not None and int(row["step"]) > up_to_step:
                    break   # rows written after the checkpoint we resumed from
                for column in COLUMNS:
                    history[column].append(int(row[column]) if column in ("step", "epoch") else float(row[column]))
    return history


def write_history(history: dict[str, list], path: Path) -> None:
    with atomic_path(path) as temporary, open(temporary, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(zip(*(history[column] for column in COLUMNS)))


def read_rows(path: Path) -> list[dict]:
    """The rows of a small CSV file (epoch_metrics.csv) as dicts of strings; [] if it does not exist."""
    if not path.is_file():
        return []
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def write_rows(rows: list[dict], path: Path) -> None:
    """Rows (dicts; the first names the columns) as CSV, written atomically."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with atomic_path(path) as temporary, temporary.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def save_model(model: keras.Model, path: Path) -> None:
    with atomic_path(path) as temporary:
        model.save(temporary)


class _StopRequest:
    """SIGINT/SIGTERM set a flag; the loop finishes the current step, checkpoints and stops."""

    def __init__(self):
        self.signal_name = None
        self._previous = {}

    def __enter__(self):
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[signal_number] = signal.signal(signal_number, self._handle)
            except ValueError:   # not the main thread (e.g. some notebook front ends): keep the defaults
                pass
        return self

    def _handle(self, signal_number, frame):
        self.signal_name = signal.Signals(signal_number).name

    def __exit__(self, *exc):
        for signal_number, handler in self._previous.items():
            signal.signal(signal_number, handler)


def checkpoint_bytes(gan: DCGAN) -> int:
    """Size of one checkpoint: every weight plus Adam's two slots per trainable weight, in float32."""
    weights = gan.generator.count_params() + gan.discriminator.count_params()
    trainable = sum(int(np.prod(weight.shape)) for model in (gan.generator, gan.discriminator)
                    for weight in model.trainable_weights)
    return 4 * (weights + 2 * trainable)


def check_free_space(folder: Path, checkpoint_size: int) -> None:
    """Stop before training if the folder cannot hold a few checkpoints plus the pictures and models."""
    needed = 5 * checkpoint_size + 50 * 2**20
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise UsageError(f"{folder} has {free / 2**20:.0f} MiB free and a run needs about {needed / 2**20:.0f} MiB "
                         "(checkpoints, samples, models); free some space or choose another --out")


def restore_latest(gan: DCGAN, manager: tf.train.CheckpointManager, log) -> str | None:
    """Restore the newest checkpoint that reads back whole; a damaged one is reported and skipped.

    Returns None when the run has no checkpoint yet; raises ValueError when it has some and none can
    be read, rather than training on from a half-restored state.
    """
    for path in reversed(manager.checkpoints):
        try:
            gan.checkpoint().restore(path).assert_consumed()   # every object of the run, every saved value
            return path
        except (tf.errors.OpError, ValueError, AssertionError, IndexError, KeyError) as error:
            reason = (str(error).strip().splitlines() or [""])[0][:200]
            log(f"checkpoint {path} is damaged or does not fit this model ({type(error).__name__}: {reason}); "
                "trying the one before it")
    if manager.checkpoints:
        raise UsageError(f"none of the checkpoints in {manager.directory} can be restored (see above); "
                         "resume with the code and options that wrote them, or start a new run with another --out")
    return None


class CollapseWatch:
    """Reports, once each, the two classic failures: D winning outright, and G's samples collapsing."""

    D_LOSS_FLOOR = 0.01        # D's loss below this means D(x) ~ 1 and D(G(z)) ~ 0: G gets no gradient
    PATIENCE = 200             # consecutive steps
    SAMPLE_SPREAD_FLOOR = 0.02  # per-pixel std over the fixed latent batch, on the [-1, 1] scale

    def __init__(self, log):
        self.log, self.low_steps, self.reported = log, 0, set()

    def update(self, d_loss: float, step: int) -> None:
        self.low_steps = self.low_steps + 1 if d_loss < self.D_LOSS_FLOOR else 0
        if self.low_steps >= self.PATIENCE and "d_wins" not in self.reported:
            self.reported.add("d_wins")
            self.log(f"warning: step {step}: D's loss has stayed below {self.D_LOSS_FLOOR} for {self.PATIENCE} steps: "
                     "D wins outright and G learns nothing. Try keeping BatchNorm on, a smaller D (--width), or "
                     "resuming from an earlier checkpoint with another --seed")

    def check_samples(self, images: np.ndarray, epoch: int, steps_done: int | None = None) -> None:
        """Warn once if the samples are nearly identical; not in the first PATIENCE steps, where an untrained
        G draws nearly the same image for every z (`steps_done` None: check whatever the step)."""
        if steps_done is not None and steps_done < self.PATIENCE:
            return
        spread = float(np.std(images, axis=0).mean())
        if spread < self.SAMPLE_SPREAD_FLOOR and "collapse" not in self.reported:
            self.reported.add("collapse")
            self.log(f"warning: epoch {epoch}: the samples are nearly identical (per-pixel spread {spread:.3f}): "
                     "mode collapse. Try BatchNorm on, another --seed, or fewer epochs")


def prepare_run_dir(out_dir: Path, resume: bool) -> None:
    if resume:
        if not (out_dir / "config.json").is_file():
            raise MissingError(f"{out_dir} holds no run (no config.json); start it without --resume")
    elif (out_dir / "config.json").is_file():
        raise UsageError(f"{out_dir} already holds a run; pass --resume to continue it, or choose another --out")
    check_writable(out_dir)


def default_steps_per_call() -> int:
    """Steps per compiled call: one on CPUs, where a step takes most of a second and the call's overhead
    is lost in it; several on GPUs and TPUs, where a small model's step is as short as that overhead."""
    return 1 if not tf.config.list_logical_devices("GPU") + tf.config.list_logical_devices("TPU") else 10


def train(config: DCGANConfig, data: TrainingData, out_dir: str | Path, resume: bool = False,
          checkpoint_every: int = 100, progress: bool = True, log=print, strategy=None,
          steps_per_call: int | None = None, jit_compile: bool = False, epoch_metrics=None,
          tensorboard_every: int = 10) -> dict[str, list]:
    """Train (or resume) a DCGAN into `out_dir`; returns the loss history.

    `epoch_metrics(generator, epoch) -> {name: number}`, when given, runs after every `config.fid_every`-th
    epoch's checkpoint (and after the last epoch); its numbers join the epoch's summary line and a row of
    `epoch_metrics.csv`. With `config.ema` it runs on the averaged G and again on G as trained, whose
    numbers are named `<name>_raw`. The front door builds it (dcgan.py: FID and KID from utils.evaluation), since
    training does not import evaluation.

    TensorBoard events go to `out_dir`/tensorboard/ (utils.training.summaries): the step's numbers every
    `tensorboard_every` steps (0: no TensorBoard at all), and per epoch the sample grid and every number
    of `epoch_values` (the epoch line's, and those `epoch_metrics` returns) as epoch/<name>.

    `steps_per_call` steps run in one compiled call (default: `default_steps_per_call()`); a call
    never crosses a checkpoint or the end of an epoch, and each step still gets its row in history.csv.
    Raises TrainingStopped on SIGINT/SIGTERM (after a checkpoint) or on a non-finite loss
    (before any checkpoint of the bad state is written).
    """
    steps_per_call = steps_per_call or default_steps_per_call()
    out_dir = Path(out_dir)
    run_dir = out_dir
    if not is_chief(strategy):
        # Another worker of a cluster: every worker takes part in saving a checkpoint (the TF multi-worker
        # guide's recipe), but only the chief writes the run directory; this one writes into a private
        # folder that it deletes at the end, and resumes from the chief's checkpoints.
        # One name per run and task, so that a worker restarted after a crash clears what it left.
        resolver = strategy.cluster_resolver
        key = hashlib.sha1(str(run_dir.resolve()).encode()).hexdigest()[:12]
        out_dir = Path(tempfile.gettempdir()) / f"dcgan_{key}_{resolver.task_type}{resolver.task_id}"
        shutil.rmtree(out_dir, ignore_errors=True)
        epoch_metrics, tensorboard_every, progress = None, 0, False
        log = _worker_log(log)
    prepare_run_dir(out_dir, resume and out_dir == run_dir)
    (out_dir / "samples").mkdir(exist_ok=True)
    if resume:   # a kill in the middle of a write leaves its hidden temporary; the run's one writer clears them
        for folder in (out_dir, out_dir / "samples"):
            remove_leftover_temporaries(folder)
    keras.utils.set_random_seed(config.seed)
    gan = DCGAN(config, jit_compile=jit_compile, strategy=strategy)
    manager = tf.train.CheckpointManager(gan.checkpoint(), out_dir / "checkpoints", max_to_keep=3)
    history_path = out_dir / "history.csv"
    check_free_space(out_dir, checkpoint_bytes(gan))
    if resume:
        source = manager if out_dir == run_dir else tf.train.CheckpointManager(   # a worker: the chief's
            gan.checkpoint(), run_dir / "checkpoints", max_to_keep=3)
        restored = restore_latest(gan, source, log)
        if restored:
            log(f"resumed from {restored}: epoch {gan.epochs_done}, step {gan.steps_done}")
        else:
            log(f"{run_dir} has no usable checkpoint: starting from step 0")
    try:
        return _train(config, data, out_dir, resume, checkpoint_every, progress, log, steps_per_call, gan,
                      manager, history_path, epoch_metrics, tensorboard_every)
    except (tf.errors.UnavailableError, tf.errors.DeadlineExceededError, tf.errors.AbortedError) as error:
        if worker_count(strategy) < 2:
            raise
        # A worker of the cluster died or cannot be reached: the strategy's health check aborts the
        # collectives of the others, so no worker waits for ever. A checkpoint needs every worker: none
        # can be written now, and the steps since the last one are trained again on resume.
        lost = sorted(set(re.findall(r"/job:\w+/(?:replica:\d+/)?task:\d+", str(error))))
        raise TrainingStopped(
            f"a worker of the cluster stopped or cannot be reached ({type(error).__name__}"
            f"{': ' + ', '.join(lost) if lost else ''}); stopped at step {gan.steps_done}. The last checkpoint "
            f"({tf.train.latest_checkpoint(str(run_dir / 'checkpoints')) or 'none yet'}) is intact: restart every "
            f"worker with the same command plus --resume --out {run_dir}", exit_code=4) from None
    except OSError as error:   # full disk, read-only or vanished folder: say so, keep what was written
        message = environment_message(error)
        if message is None:
            raise
        try:   # the steps trained since the last checkpoint are kept if the disk still takes one
            if gan.steps_done and not (manager.latest_checkpoint or "").endswith(f"-{gan.steps_done}"):
                manager.save(checkpoint_number=gan.steps_done)
        except (OSError, tf.errors.OpError):
            pass
        raise TrainingStopped(f"{message}; stopped at step {gan.steps_done}. Every file written so far is whole and "
                              f"the latest checkpoint ({manager.latest_checkpoint or 'none yet'}) is intact: fix "
                              f"it, then resume with --resume --out {run_dir}", exit_code=4) from None
    finally:
        if out_dir != run_dir:   # a worker's private folder
            shutil.rmtree(out_dir, ignore_errors=True)


def epoch_batches(gan: DCGAN, data: TrainingData, epoch: int, skip_batches: int):
    """The epoch's batches as `gan`'s step takes them. A stream trained by several workers is split by
    file: each worker decodes only its own share (`TrainingData.worker_epoch_dataset`), which is what a
    cluster is for when decoding JPEGs is the bottleneck. Everything else is split by data (`gan.distribute`)."""
    if not (data.shards_by_file and worker_count(gan.strategy) > 1):
        return gan.distribute(data.epoch_dataset(epoch, skip_batches=skip_batches))
    replicas = gan.strategy.num_replicas_in_sync

    def worker_dataset(context: tf.distribute.InputContext):
        return data.worker_epoch_dataset(epoch, skip_batches, context.num_input_pipelines, context.input_pipeline_id,
                                         context.get_per_replica_batch_size(data.batch_size),
                                         replicas // context.num_input_pipelines)

    return gan.strategy.distribute_datasets_from_function(worker_dataset)


def _worker_log(log):
    """What a worker that is not the chief prints: where it resumed from and its warnings; its epoch
    lines would repeat the chief's (from a history it does not keep)."""
    return lambda line: log(line) if line.startswith(("resumed from", "warning", "checkpoint ")) else None


def write_data_record(path: Path, data: TrainingData, steps_done: int) -> None:
    """data.json: the first record of the run, and one more appended per resume (what was read, the
    versions, when and where), so that a run resumed on another machine or TensorFlow says so."""
    earlier = json.loads(path.read_text()) if path.is_file() else {}
    records = earlier.get("records", [earlier] if earlier else [])   # a run of before records: its one record
    records.append({"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "host": platform.node(),
                    "at_step": steps_done, "source": str(data.source), "num_examples": data.num_examples,
                    "steps_per_epoch": data.steps_per_epoch, "python": platform.python_version(),
                    "tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__})
    write_atomic(path, json.dumps({"records": records}, indent=2) + "\n")


def _train(config, data, out_dir, resume, checkpoint_every, progress, log, steps_per_call, gan, manager,
           history_path, epoch_metrics, tensorboard_every):
    with atomic_path(out_dir / "config.json") as temporary:
        config.to_json(temporary)
    write_data_record(out_dir / "data.json", data, gan.steps_done)
    latent_path = out_dir / "fixed_latent.npy"
    if not latent_path.is_file():
        with atomic_path(latent_path) as temporary:
            np.save(temporary, latent_samples(GRID_SAMPLES, config.latent_dim, config.seed))
    fixed_latent = np.load(latent_path)
    history = read_history(history_path, gan.steps_done) if resume else {column: [] for column in COLUMNS}

    def save_checkpoint():
        bad = [weight.path for model in (gan.generator, gan.discriminator) for weight in model.weights
               if not np.isfinite(np.asarray(weight)).all()]
        if bad:
            raise TrainingStopped(f"step {gan.steps_done}: non-finite values in {', '.join(bad[:3])}; the run "
                                  f"diverged. The last good checkpoint ({manager.latest_checkpoint}) stays the "
                                  "latest. Try a lower learning rate, or keep BatchNorm on", exit_code=3)
        try:
            write_history(history, history_path)
            manager.save(checkpoint_number=gan.steps_done)
            summaries.flush()   # what TensorBoard shows keeps up with the checkpoints
        except (OSError, tf.errors.OpError) as error:
            previous = manager.latest_checkpoint or "none yet"
            raise TrainingStopped(f"could not write a checkpoint at step {gan.steps_done} ({error}); the previous one "
                                  f"({previous}) is intact. Free some space or fix the folder, then resume with "
                                  f"--resume --out {out_dir}", exit_code=4) from None

    watch = CollapseWatch(log)
    metrics_path = out_dir / "epoch_metrics.csv"
    # Rows of epochs that a resume will train again are dropped, so each epoch has at most one row.
    metric_rows = [row for row in read_rows(metrics_path) if int(row["epoch"]) <= gan.epochs_done] if resume else []

    def measured_after(epochs_done):
        return epoch_metrics is not None and config.fid_every and (
            epochs_done % config.fid_every == 0 or epochs_done == config.epochs)

    def measure(epochs_done):
        values = epoch_metrics(gan.sampling_generator, epochs_done)
        if gan.ema_generator is not None:
            # G as trained too: the average never feeds back into training, so these are the
            # numbers of the same run without --ema (test_training checks the trajectories agree).
            values.update({f"{name}_raw": value
                           for name, value in epoch_metrics(gan.generator, epochs_done).items()})
        metric_rows.append({"epoch": epochs_done, "step": gan.steps_done, **values})
        write_rows(metric_rows, metrics_path)
        return values

    # A run stopped between an epoch's checkpoint and the end of its metrics (they take minutes) measures
    # that epoch first, so a resumed run's epoch_metrics.csv has the same rows as a straight one's.
    if (resume and gan.epochs_done and gan.steps_done == int(gan.epoch_start.numpy())
            and measured_after(gan.epochs_done)
            and not any(int(row["epoch"]) == gan.epochs_done for row in metric_rows)):
        log(f"epoch {gan.epochs_done}: measuring the metrics the stopped run did not write")
        measure(gan.epochs_done)

    steps_per_epoch = data.steps_per_epoch
    # Leaving the block by any path (the end, an error, a stop signal) closes the TensorBoard writer.
    with _StopRequest() as stop, RunSummaries(out_dir, tensorboard_every) as summaries:
        for epoch in range(gan.epochs_done, config.epochs):
            done_in_epoch = gan.steps_done - int(gan.epoch_start.numpy())
            started, images_seen = time.perf_counter(), 0
            to_do = steps_per_epoch - done_in_epoch
            counter = data.unreadable
            unreadable_before, read_before = (counter.count, counter.seen) if counter is not None else (0, 0)
            bar = tqdm(total=steps_per_epoch, initial=done_in_epoch, desc=f"epoch {epoch + 1}/{config.epochs}",
                       disable=not progress, file=sys.stderr, mininterval=1.0 if sys.stderr.isatty() else 30.0,
                       dynamic_ncols=True)
            batches = iter(epoch_batches(gan, data, epoch, done_in_epoch))
            while done_in_epoch < steps_per_epoch:
                first_step = gan.steps_done + 1
                # A call ends at the next checkpoint and at the end of the epoch (or of a shorter stream).
                wanted = min(steps_per_call, steps_per_epoch - done_in_epoch,
                             checkpoint_every - gan.steps_done % checkpoint_every)
                values = {key: vector.numpy().tolist()
                          for key, vector in gan.train_steps(batches, tf.constant(wanted)).items()}
                done = len(values["d_loss"])
                for offset in range(done):
                    row = {key: values[key][offset] for key in values}
                    if not all(math.isfinite(value) for value in row.values()):
                        bar.close()
                        raise TrainingStopped(
                            f"step {first_step + offset}: non-finite loss ({row}); the run diverged. The last good "
                            f"checkpoint ({manager.latest_checkpoint or 'none yet'}) stays the latest. Try a lower "
                            "learning rate, or keep BatchNorm on", exit_code=3)
                    watch.update(row["d_loss"], first_step + offset)
                    history["step"].append(first_step + offset)
                    history["epoch"].append(epoch + 1)
                    for key, value in row.items():
                        history[key].append(value)
                summaries.log_steps(first_step, values, {"d": gan.d_optimizer, "g": gan.g_optimizer})
                if done == 0:
                    break   # a streamed epoch shorter than planned (corrupt images skipped)
                done_in_epoch += done
                images_seen += done * config.batch_size
                bar.update(done)
                bar.set_postfix(d_loss=f"{values['d_loss'][-1]:.3f}", g_loss=f"{values['g_loss'][-1]:.3f}",
                                refresh=False)
                if stop.signal_name:
                    bar.close()
                    save_checkpoint()
                    raise TrainingStopped(f"{stop.signal_name}: stopped at step {gan.steps_done} with a checkpoint; "
                                          f"continue with the same command plus --resume --out {out_dir}", exit_code=0)
                if gan.steps_done % checkpoint_every == 0:
                    save_checkpoint()
            bar.close()
            if counter is not None:
                bad, read = counter.count - unreadable_before, counter.seen - read_before
                if read and bad / read > data.max_bad_share:
                    if images_seen:
                        save_checkpoint()   # the steps trained on good images are kept
                    gone = "" if Path(data.source).exists() else f"; {data.source} is not there any more"
                    examples = f" (e.g. {', '.join(counter.examples)})" if counter.examples else ""
                    raise TrainingStopped(
                        f"epoch {epoch + 1}: {bad} of the {read} files read did not decode{examples}, more than "
                        f"--max-bad-files {data.max_bad_share:g}{gone}. Stopped at step {gan.steps_done}; the latest "
                        f"checkpoint ({manager.latest_checkpoint or 'none yet'}) is intact: fix the data, then "
                        f"resume with --resume --out {out_dir}", exit_code=2)
            if to_do and not images_seen:
                # Nothing to learn from: no model is written, and `done` is never printed.
                raise TrainingStopped(
                    f"epoch {epoch + 1}: not one batch of {config.batch_size} readable images, so 0 steps were "
                    f"trained and no model was written; check the data ({data.source})", exit_code=2)
            skipped = (counter.count - unreadable_before) if counter is not None else 0
            gan.epoch.assign(epoch + 1)
            gan.epoch_start.assign(gan.steps_done)
            seconds = time.perf_counter() - started
            grid_images = np.asarray(gan.sampling_generator(fixed_latent, training=False))   # EMA G if any
            save_grid(grid_images, out_dir / "samples" / f"epoch_{epoch + 1:03d}.png", columns=8)
            # Collapse is a property of training: G as trained is checked, not its average.
            watch.check_samples(grid_images if gan.ema_generator is None
                                else np.asarray(gan.generator(fixed_latent, training=False)), epoch + 1,
                                gan.steps_done)
            plot_losses(history, out_dir / "losses.png", title=f"DCGAN on {config.dataset}",
                        steps_per_epoch=steps_per_epoch)
            save_checkpoint()
            last = slice(-steps_per_epoch, None)
            # The epoch's numbers for TensorBoard (epoch/<name>); the metrics below are added to it.
            epoch_values = epoch_summary(history, steps_per_epoch, seconds, images_seen)
            measured = ""
            if measured_after(epoch + 1):
                values = measure(epoch + 1)
                epoch_values.update(values)
                measured = "".join(f", {name} {value:.4g}" for name, value in values.items())
            log(f"epoch {epoch + 1}/{config.epochs}: d_loss {np.mean(history['d_loss'][last]):.3f}, "
                f"g_loss {np.mean(history['g_loss'][last]):.3f}, D(x) {np.mean(history['d_real'][last]):.2f}, "
                f"D(G(z)) {np.mean(history['d_fake'][last]):.2f}{measured}; {seconds:.0f} s "
                f"({images_seen / max(seconds, 1e-9):.0f} images/s)"
                + (f"; skipped {skipped} unreadable file(s)" if skipped else ""))
            summaries.log_samples(gan.steps_done, grid_images)   # the array of samples/epoch_NNN.png
            summaries.log_epoch_scalars(gan.steps_done, epoch_values)
            summaries.flush()
    frames = sorted((out_dir / "samples").glob("epoch_*.png"))
    if frames:
        progress_gif(frames, out_dir / "progress.gif")
    save_model(gan.generator, out_dir / "generator.keras")
    if gan.ema_generator is not None:
        save_model(gan.ema_generator, out_dir / "generator_ema.keras")
    save_model(gan.discriminator, out_dir / "discriminator.keras")
    return history
