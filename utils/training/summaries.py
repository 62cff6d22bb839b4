"""TensorBoard event files of a training run, in RUN_DIR/tensorboard/ (README, "Watching a run").

Tags, each at the global training step:
    loss/d, loss/g                  every `every` steps: the step's D and G losses (history.csv's d_loss, g_loss)
    d_output/real, d_output/fake    the same steps: D(x) and D(G(z)), the batch means of D's sigmoid
    learning_rate/d, learning_rate/g  the same steps: read from the two optimizers
    epoch/<name>                    at each epoch's last step: every number of the epoch's summary line
                                    (mean losses and D outputs, seconds, images_per_second, and whatever
                                    else the trainer puts there, such as fid and kid)
    samples                         at each epoch's last step: the grid of samples/epoch_NNN.png

A resumed run continues the same curves. It restarts from its last checkpoint, and a run that stopped
after that checkpoint (a crash, SIGKILL) has already written events for some later steps; TensorFlow's
`tf.summary` has no purge of its own (TensorBoard's reader drops "orphaned" points when steps go back,
but raw readers such as `summary_iterator` do not). So each tag is written only for steps beyond the
largest step that tag already has in the folder's event files: no step appears twice and none goes
back, whatever reads the files. The points kept from before the resume come from the same steps of the
same run (a resumed run repeats the updates of a straight one), so the curves do not jump.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import tensorflow as tf

from utils.pictures.images import make_grid

FOLDER = "tensorboard"
# history.csv's column -> the tag of its per-step scalar.
STEP_TAGS = {"d_loss": "loss/d", "g_loss": "loss/g", "d_real": "d_output/real", "d_fake": "d_output/fake"}


def written_steps(folder: Path) -> dict[str, int]:
    """The largest step of each tag in the event files of `folder` ({} if there are none).

    A file cut short (the process was killed while writing) counts up to its last whole record.
    """
    largest: dict[str, int] = {}
    for path in sorted(Path(folder).glob("events.out.tfevents.*")):
        try:
            for record in tf.data.TFRecordDataset(str(path)):
                event = tf.compat.v1.Event.FromString(record.numpy())
                for value in event.summary.value:
                    largest[value.tag] = max(largest.get(value.tag, -1), int(event.step))
        except tf.errors.DataLossError:
            pass   # a truncated last record: the whole ones before it are counted
    return largest


class RunSummaries:
    """The run's TensorBoard writer; `every` = 0 writes nothing (no folder).

    A context manager: leaving it (normally, or by an exception or a stop signal) flushes and closes
    the writer.
    """

    def __init__(self, out_dir: Path, every: int = 10):
        self.every = every
        self.folder = Path(out_dir) / FOLDER
        self.written = written_steps(self.folder) if every else {}
        self.writer = tf.summary.create_file_writer(str(self.folder)) if every else None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _scalar(self, tag: str, value, step: int) -> None:
        if step > self.written.get(tag, -1):
            tf.summary.scalar(tag, value, step=step)

    def log_steps(self, first_step: int, values: dict[str, list[float]], optimizers: dict) -> None:
        """One compiled call's steps (`values[key][i]` is step first_step + i): every `every`-th step's
        losses and D outputs, and the learning rates of `optimizers` ({"d": ..., "g": ...}) as they are
        now (after the call)."""
        if not self.writer:
            return
        steps = [(offset, first_step + offset) for offset in range(len(values["d_loss"]))
                 if (first_step + offset) % self.every == 0]
        if not steps:
            return
        rates = {name: float(np.asarray(optimizer.learning_rate)) for name, optimizer in optimizers.items()}
        with self.writer.as_default():
            for offset, step in steps:
                for key, tag in STEP_TAGS.items():
                    self._scalar(tag, values[key][offset], step)
                for name, rate in rates.items():
                    self._scalar(f"learning_rate/{name}", rate, step)

    def log_epoch_scalars(self, step: int, values: dict) -> None:
        """Every number in `values` ({name: number}) as the scalar epoch/<name> at `step`; other values
        (None, text) are skipped."""
        if not self.writer:
            return
        with self.writer.as_default():
            for name, value in values.items():
                if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
                    self._scalar(f"epoch/{name}", float(value), step)

    def log_samples(self, step: int, images: np.ndarray, columns: int = 8) -> None:
        """The epoch's sample grid: `images` (N, H, W, C) in [-1, 1], the array samples/epoch_NNN.png is drawn from."""
        if not self.writer or step <= self.written.get("samples", -1):
            return
        grid = make_grid(images, columns=columns)
        with self.writer.as_default():
            tf.summary.image("samples", grid[np.newaxis], step=step, max_outputs=1)

    def flush(self) -> None:
        if self.writer:
            self.writer.flush()

    def close(self) -> None:
        if self.writer:
            self.writer.close()
            self.writer = None


def epoch_summary(history: dict[str, list], steps_per_epoch: int, seconds: float, images_seen: int) -> dict:
    """The numbers of an epoch's summary line: the means of the epoch's steps, its time and speed."""
    last = slice(-steps_per_epoch, None)
    summary = {key: float(np.mean(history[key][last])) for key in STEP_TAGS}
    summary.update(seconds=seconds, images_per_second=images_seen / max(seconds, 1e-9))
    return {name: value for name, value in summary.items() if math.isfinite(value)}
