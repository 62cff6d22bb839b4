"""TensorBoard events of a run (utils/training/summaries.py): the tags, steps that continue across a
resume without repeats, and training numbers that do not depend on them."""

import collections

import numpy as np
import pytest
import tensorflow as tf

from utils.data import load_raw
from utils.data.pipeline import TrainingData
from utils.training.checkpoints import load_networks
from utils.training.summaries import written_steps
from utils.training.trainer import train

STEP_TAGS = ("loss/d", "loss/g", "d_output/real", "d_output/fake", "learning_rate/d", "learning_rate/g")
EPOCH_TAGS = ("epoch/d_loss", "epoch/g_loss", "epoch/d_real", "epoch/d_fake", "epoch/seconds",
              "epoch/images_per_second")


def quiet(line):
    pass


@pytest.fixture
def data(mnist_dir):
    return TrainingData(load_raw("mnist", data_dir=mnist_dir), 32, 1, 16, seed=1)   # 4 steps per epoch


def read_events(folder):
    """tag -> [(step, value)] in file order, as a raw reader sees them (no purging of repeated steps)."""
    events = collections.defaultdict(list)
    for path in sorted(folder.glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                number = tf.make_ndarray(value.tensor)
                events[value.tag].append((event.step, number if value.tag == "samples" else float(number)))
    return events


def test_a_resumed_run_continues_every_curve_without_repeating_a_step(tiny_config, data, tmp_path):
    """A run whose last checkpoint is damaged resumes from the one before, after events for later steps
    were written (as after a crash): every tag keeps strictly increasing steps, and the resume adds the rest."""
    out = tmp_path / "run"
    config = tiny_config.__class__(**{**tiny_config.__dict__, "epochs": 1, "fid_every": 1})
    measure = lambda generator, epoch: {"fid": 10.0 * epoch}  # noqa: E731  (the epoch_metrics hook)
    train(config, data, out, checkpoint_every=1, progress=False, log=quiet, tensorboard_every=1,
          epoch_metrics=measure)
    first = read_events(out / "tensorboard")
    assert [step for step, _ in first["loss/d"]] == [1, 2, 3, 4]
    damaged = out / "checkpoints" / "ckpt-4.data-00000-of-00001"
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    longer = config.__class__(**{**config.__dict__, "epochs": 3})
    lines = []
    train(longer, data, out, resume=True, checkpoint_every=1, progress=False, log=lines.append,
          tensorboard_every=2, epoch_metrics=measure)
    assert any("resumed from" in line and "step 3" in line for line in lines)   # steps 4.. are trained again
    events = read_events(out / "tensorboard")
    assert set(STEP_TAGS + EPOCH_TAGS + ("epoch/fid", "samples")) <= set(events)
    for tag, points in events.items():
        steps = [step for step, _ in points]
        assert steps == sorted(set(steps)), f"{tag}: {steps}"
    assert [step for step, _ in events["loss/d"]] == [1, 2, 3, 4, 6, 8, 10, 12]
    assert [step for step, _ in events["samples"]] == [4, 8, 12]
    assert [value for _, value in events["epoch/fid"]] == [10.0, 20.0, 30.0]
    assert events["learning_rate/g"][-1][1] == pytest.approx(tiny_config.learning_rate)
    assert all(0 < value < 1 for _, value in events["d_output/real"] + events["d_output/fake"])
    grid = events["samples"][-1][1]   # width, height, PNG: 8 x 8 images of 32 px, 2 px apart
    assert grid[0] == b"274" and grid[1] == b"274" and grid[2].startswith(b"\x89PNG")


def test_a_cut_short_event_file_counts_up_to_its_last_whole_record(tiny_config, data, tmp_path):
    out = tmp_path / "run"
    one_epoch = tiny_config.__class__(**{**tiny_config.__dict__, "epochs": 1})
    train(one_epoch, data, out, progress=False, log=quiet, tensorboard_every=1)
    (path,) = (out / "tensorboard").glob("events.out.tfevents.*")
    whole = written_steps(out / "tensorboard")
    assert whole["loss/d"] == 4 and whole["samples"] == 4
    path.write_bytes(path.read_bytes()[:-20])   # killed while writing the last record
    assert written_steps(out / "tensorboard")["loss/d"] == 4


def test_tensorboard_changes_no_weight(tiny_config, data, tmp_path):
    one_epoch = tiny_config.__class__(**{**tiny_config.__dict__, "epochs": 1})
    train(one_epoch, data, tmp_path / "with", progress=False, log=quiet, tensorboard_every=1)
    train(one_epoch, data, tmp_path / "without", progress=False, log=quiet, tensorboard_every=0)
    assert not (tmp_path / "without" / "tensorboard").exists()
    for name in ("with", "without"):
        assert (tmp_path / name / "generator.keras").is_file()
    (generator_a, discriminator_a, _), (generator_b, discriminator_b, _) = (
        load_networks(tmp_path / "with"), load_networks(tmp_path / "without"))
    for a, b in zip(generator_a.weights + discriminator_a.weights, generator_b.weights + discriminator_b.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
