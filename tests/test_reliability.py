"""Faults injected for real: damaged checkpoints, a failing checkpoint write, a full disk, collapse."""

import collections

import numpy as np
import pytest
import tensorflow as tf

from utils.data import load_raw
from utils.data.pipeline import TrainingData
from utils.training import trainer
from utils.training.trainer import CollapseWatch, TrainingStopped, train


def quiet(line):
    pass


@pytest.fixture
def data(mnist_dir):
    return TrainingData(load_raw("mnist", data_dir=mnist_dir), 32, 1, 16, seed=1)


def test_truncated_latest_checkpoint_falls_back_to_the_one_before(tiny_config, data, tmp_path):
    out = tmp_path / "run"
    one_epoch = tiny_config.__class__(**{**tiny_config.__dict__, "epochs": 1})
    train(one_epoch, data, out, checkpoint_every=1, progress=False, log=quiet)   # checkpoints at steps 2, 3, 4
    damaged = out / "checkpoints" / "ckpt-4.data-00000-of-00001"
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    lines = []
    history = train(tiny_config, data, out, resume=True, checkpoint_every=1, progress=False, log=lines.append)
    assert any("ckpt-4 is damaged" in line for line in lines)
    assert any("resumed from" in line and "step 3" in line for line in lines)
    assert history["step"] == list(range(1, 9))   # steps 4.. redone once, none duplicated


def test_a_failing_checkpoint_write_stops_and_keeps_the_previous_one(tiny_config, data, tmp_path, monkeypatch):
    out = tmp_path / "run"
    real_save = tf.train.CheckpointManager.save
    calls = collections.Counter()

    def save_then_fail(self, *args, **kwargs):
        calls["save"] += 1
        if calls["save"] == 3:
            raise OSError(28, "No space left on device")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(tf.train.CheckpointManager, "save", save_then_fail)
    with pytest.raises(TrainingStopped, match="No space left on device.*ckpt-2.*is intact") as stopped:
        train(tiny_config, data, out, checkpoint_every=1, progress=False, log=quiet)
    assert stopped.value.exit_code == 4
    assert tf.train.latest_checkpoint(str(out / "checkpoints")).endswith("ckpt-2")
    monkeypatch.undo()
    history = train(tiny_config, data, out, resume=True, checkpoint_every=1, progress=False, log=quiet)
    assert history["step"] == list(range(1, 9))


def test_too_little_free_space_is_reported_before_training(tiny_config, data, tmp_path, monkeypatch):
    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(trainer.shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 2**20, 2**20))
    with pytest.raises(ValueError, match="1 MiB free and a run needs about"):
        train(tiny_config, data, tmp_path / "run", progress=False, log=quiet)
    assert not (tmp_path / "run" / "checkpoints").exists()


def test_collapse_watch_reports_each_failure_once():
    lines = []
    watch = CollapseWatch(lines.append)
    for step in range(1, CollapseWatch.PATIENCE):
        watch.update(0.001, step)
    assert lines == []
    watch.update(0.5, 0)   # the streak is broken...
    for step in range(1, 2 * CollapseWatch.PATIENCE + 1):
        watch.update(0.001, step)
    assert len(lines) == 1 and "D wins outright" in lines[0]
    watch.check_samples(np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 1)), 1)
    assert len(lines) == 1
    alike = np.zeros((64, 8, 8, 1)) + np.random.default_rng(0).normal(0, 1e-3, (64, 1, 1, 1))
    watch.check_samples(alike, 1, steps_done=CollapseWatch.PATIENCE - 1)   # an untrained G: no warning yet
    assert len(lines) == 1
    watch.check_samples(alike, 2, steps_done=CollapseWatch.PATIENCE)
    assert len(lines) == 2 and "mode collapse" in lines[1]


def test_a_non_finite_weight_is_never_checkpointed(tiny_config, data, tmp_path, monkeypatch):
    """An Inf weight whose losses still look finite: the next checkpoint refuses to save it."""
    from model import gan as gan_module

    real_step = gan_module.DCGAN._train_step

    def step_then_poison(self, real_images):
        result = real_step(self, real_images)
        weight = self.generator.get_layer("up1").kernel
        weight.assign(tf.where(self.step >= 4, tf.fill(weight.shape, float("inf")), weight))
        return result

    monkeypatch.setattr(gan_module.DCGAN, "_train_step", step_then_poison)
    with pytest.raises(TrainingStopped, match="non-finite values in generator/up1/kernel") as stopped:
        train(tiny_config, data, tmp_path / "run", checkpoint_every=2, progress=False, log=quiet)
    assert stopped.value.exit_code == 3
    assert tf.train.latest_checkpoint(str(tmp_path / "run" / "checkpoints")).endswith("ckpt-2")
    assert not list((tmp_path / "run" / "checkpoints").glob("ckpt-4*"))


def test_no_readable_checkpoint_stops_without_touching_the_run(tiny_config, data, tmp_path):
    out = tmp_path / "run"
    one_epoch = tiny_config.__class__(**{**tiny_config.__dict__, "epochs": 1})
    train(one_epoch, data, out, checkpoint_every=2, progress=False, log=quiet)
    for damaged in (out / "checkpoints").glob("ckpt-*.data-*"):
        damaged.write_bytes(damaged.read_bytes()[:100])
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    lines = []
    with pytest.raises(ValueError, match="none of the checkpoints .* can be restored"):
        train(tiny_config, data, out, resume=True, progress=False, log=lines.append)
    assert sum("is damaged" in line for line in lines) == len(list((out / "checkpoints").glob("ckpt-*.index")))
    assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == before
