"""One real training step, the run directory, resuming, and a NaN that stops the run."""

import csv
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from model.gan import DCGAN
from utils.data import load_raw
from utils.data.pipeline import TrainingData
from utils.training.checkpoints import load_networks
from utils.training.trainer import TrainingStopped, train


def test_one_step_gives_finite_losses_and_moves_both_networks(tiny_config):
    gan = DCGAN(tiny_config)
    batch = tf.random.uniform((16, 32, 32, 1), -1, 1, seed=0)
    g_before = [weight.numpy().copy() for weight in gan.generator.trainable_weights]
    d_before = [weight.numpy().copy() for weight in gan.discriminator.trainable_weights]
    values = {key: float(value) for key, value in gan.train_step(batch).items()}
    assert all(np.isfinite(list(values.values())))
    # At initialisation D is near chance: BCE of two near-0.5 predictions is about 2 ln 2.
    assert values["d_loss"] == pytest.approx(2 * np.log(2), abs=0.3)
    assert 0 < values["d_real"] < 1 and 0 < values["d_fake"] < 1
    assert int(gan.step) == 1
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(g_before, gan.generator.trainable_weights))
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(d_before, gan.discriminator.trainable_weights))
    assert int(gan.g_optimizer.iterations) == 1 and int(gan.d_optimizer.iterations) == 1


def test_d_learns_to_separate_real_from_fake(tiny_config):
    """A few steps on a fixed batch: D's loss falls below its starting value."""
    gan = DCGAN(tiny_config)
    batch = tf.random.uniform((16, 32, 32, 1), -1, 1, seed=0)
    first = float(gan.train_step(batch)["d_loss"])
    for _ in range(15):
        last = float(gan.train_step(batch)["d_loss"])
    assert last < first


def test_run_directory_and_resume(tiny_config, mnist_dir, tmp_path):
    data = TrainingData(load_raw("mnist", data_dir=mnist_dir), 32, 1, 16, seed=1)
    out = tmp_path / "run"
    train(tiny_config, data, out, checkpoint_every=3, progress=False, log=lambda line: None)
    for name in ("config.json", "data.json", "history.csv", "losses.png", "progress.gif", "fixed_latent.npy",
                 "generator.keras", "discriminator.keras", "samples/epoch_001.png", "samples/epoch_002.png"):
        assert (out / name).is_file(), name
    assert json.loads((out / "config.json").read_text())["width"] == 8
    # Resume with more epochs: counters continue, no step is logged twice.
    longer = tiny_config.__class__(**{**tiny_config.__dict__, "epochs": 3})
    history = train(longer, data, out, resume=True, checkpoint_every=3, progress=False, log=lambda line: None)
    assert history["step"] == list(range(1, 3 * data.steps_per_epoch + 1))
    assert (out / "samples/epoch_003.png").is_file()
    generator, discriminator, config = load_networks(out)
    assert generator.output_shape == (None, 32, 32, 1) and config.epochs == 3
    with open(out / "history.csv") as handle:
        assert [int(row["step"]) for row in csv.DictReader(handle)] == history["step"]


@pytest.mark.parametrize("batch_norm", [True, False], ids=["bn", "nobn-with-dropout"])
def test_resume_mid_epoch_matches_a_straight_run(tiny_config, mnist_dir, tmp_path, batch_norm):
    """Stopping after a checkpoint and resuming gives the same weights as never stopping (the NOBN
    variant also restores its dropout's random state)."""
    tiny_config = tiny_config.__class__(**{**tiny_config.__dict__, "batch_norm": batch_norm})
    data = TrainingData(load_raw("mnist", data_dir=mnist_dir), 32, 1, 16, seed=1)
    straight = tmp_path / "straight"
    train(tiny_config, data, straight, checkpoint_every=2, progress=False, log=lambda line: None)
    interrupted = tmp_path / "interrupted"
    one_epoch = tiny_config.__class__(**{**tiny_config.__dict__, "epochs": 1})
    train(one_epoch, data, interrupted, checkpoint_every=2, progress=False, log=lambda line: None)
    train(tiny_config, data, interrupted, resume=True, checkpoint_every=2, progress=False, log=lambda line: None)
    a, _, _ = load_networks(straight)
    b, _, _ = load_networks(interrupted)
    for weight_a, weight_b in zip(a.weights, b.weights):
        np.testing.assert_allclose(weight_a.numpy(), weight_b.numpy(), rtol=1e-4, atol=1e-5)


def test_nan_stops_the_run_and_keeps_the_last_checkpoint(tiny_config, mnist_dir, tmp_path):
    raw = load_raw("mnist", data_dir=mnist_dir)
    data = TrainingData(raw, 32, 1, 16, seed=1)
    out = tmp_path / "run"
    train(tiny_config.__class__(**{**tiny_config.__dict__, "epochs": 1}), data, out, checkpoint_every=2,
          progress=False, log=lambda line: None)
    checkpoint_files = sorted(path.name for path in (out / "checkpoints").iterdir())
    data.images[:] = 0
    poisoned = data.images.astype(np.float32)
    data._base = tf.data.Dataset.from_tensor_slices(np.full_like(poisoned, np.nan))
    with pytest.raises(TrainingStopped, match="non-finite loss") as stopped:
        train(tiny_config, data, out, resume=True, checkpoint_every=1, progress=False, log=lambda line: None)
    assert stopped.value.exit_code != 0
    assert sorted(path.name for path in (out / "checkpoints").iterdir()) == checkpoint_files
    assert tf.train.latest_checkpoint(str(out / "checkpoints")).endswith(f"ckpt-{data.steps_per_epoch}")


def test_existing_run_is_not_overwritten(tiny_config, mnist_dir, tmp_path):
    data = TrainingData(load_raw("mnist", data_dir=mnist_dir), 32, 1, 16, seed=1)
    out = tmp_path / "run"
    out.mkdir()
    (out / "config.json").write_text("{}")
    with pytest.raises(ValueError, match="already holds a run"):
        train(tiny_config, data, out, progress=False)
    assert (out / "config.json").read_text() == "{}"


def test_streamed_epoch_shorter_than_planned_resumes_correctly(tmp_path):
    """Corrupt images are dropped from a stream, so an epoch has fewer batches than planned; resuming
    the next epoch must still start at its beginning."""
    import warnings

    from model.config import DCGANConfig
    from utils.data.fixtures import write_image_folder

    write_image_folder(tmp_path / "images", 40, size=32, corrupt=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = TrainingData(load_raw("folder", data_dir=tmp_path / "images", image_size=32), 32, 3, 8, seed=0)
        assert data.steps_per_epoch == 6   # planned from 48 files; only 40 decode: 5 batches
        data.max_bad_share = 0.2   # a sixth of the files is corrupt on purpose (the default 0.1 would stop)
        config = DCGANConfig(dataset="folder", channels=3, width=8, batch_size=8, epochs=1)
        train(config, data, tmp_path / "run", checkpoint_every=1, progress=False, log=lambda line: None)
        longer = DCGANConfig(**{**config.__dict__, "epochs": 2})
        history = train(longer, data, tmp_path / "run", resume=True, checkpoint_every=1, progress=False,
                        log=lambda line: None)
    assert history["epoch"] == [1] * 5 + [2] * 5
    assert history["step"] == list(range(1, 11))


@pytest.mark.parametrize("precision", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_step(tiny_config, precision):
    import keras

    config = tiny_config.__class__(**{**tiny_config.__dict__, "precision": precision})
    gan = DCGAN(config)
    compute = precision.removeprefix("mixed_")
    assert gan.generator.get_layer("up1").compute_dtype == compute
    assert gan.discriminator.get_layer("down2").compute_dtype == compute
    assert gan.discriminator.get_layer("logit").compute_dtype == "float32"   # logit and losses in float32
    assert gan.generator.get_layer("up1").kernel.dtype == "float32"          # master weights stay float32
    assert keras.config.dtype_policy().name == "float32"                    # nothing leaks into other models
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer) == (precision == "mixed_float16")
    before = gan.generator.get_layer("up1").kernel.numpy().copy()
    batch = tf.random.uniform((16, 32, 32, 1), -1, 1, seed=0)
    for _ in range(2):
        values = {key: float(value) for key, value in gan.train_step(batch).items()}
    assert all(np.isfinite(list(values.values())))
    assert not np.allclose(before, gan.generator.get_layer("up1").kernel.numpy())
    assert gan.generator(tf.zeros((2, 100)), training=False).dtype == tf.float32


def test_one_generator_pass_gives_the_two_pass_update(tiny_config):
    """G's update reuses the G(z) of D's update; it must equal recomputing G(z) under a fresh tape."""
    import keras

    keras.utils.set_random_seed(3)
    gan = DCGAN(tiny_config)
    images = tf.random.uniform((16, 32, 32, 1), -1, 1, seed=1)
    latent = tf.random.normal((16, 100), seed=2)
    g_before = [weight.numpy().copy() for weight in gan.generator.weights]
    d_before = [weight.numpy().copy() for weight in gan.discriminator.weights]
    gan.update(images, latent)
    # The reference: restore the initial weights, update D alone, then G with G(z) recomputed.
    keras.utils.set_random_seed(3)
    reference = DCGAN(tiny_config)
    for weight, value in zip(reference.generator.weights + reference.discriminator.weights, g_before + d_before):
        weight.assign(value)
    with tf.GradientTape() as tape:
        fake = reference.generator(latent, training=True)
        d_loss = (tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
                      labels=tf.ones((16, 1)), logits=reference.discriminator(images, training=True)))
                  + tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
                      labels=tf.zeros((16, 1)), logits=reference.discriminator(fake, training=True))))
    variables = reference.discriminator.trainable_variables
    reference.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, variables), variables))
    with tf.GradientTape() as tape:
        logits = reference.discriminator(reference.generator(latent, training=True), training=True)
        g_loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones((16, 1)), logits=logits))
    variables = reference.generator.trainable_variables
    reference.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, variables), variables))
    for ours, theirs in zip(gan.generator.trainable_weights + gan.discriminator.trainable_weights,
                            reference.generator.trainable_weights + reference.discriminator.trainable_weights):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-6)


def test_simultaneous_update_is_the_tutorial_step(tiny_config):
    """--update simultaneous: both gradients from one forward pass, G's under D as it was before D's update."""
    import keras

    config = tiny_config.__class__(**{**tiny_config.__dict__, "update": "simultaneous"})
    keras.utils.set_random_seed(3)
    gan = DCGAN(config)
    keras.utils.set_random_seed(3)
    reference = DCGAN(config)
    images = tf.random.uniform((16, 32, 32, 1), -1, 1, seed=1)
    latent = tf.random.normal((16, 100), seed=2)
    values = gan.update(images, latent)
    cross_entropy = tf.nn.sigmoid_cross_entropy_with_logits
    with tf.GradientTape(persistent=True) as tape:
        fake_logits = reference.discriminator(reference.generator(latent, training=True), training=True)
        real_logits = reference.discriminator(images, training=True)
        d_loss = (tf.reduce_mean(cross_entropy(labels=tf.ones((16, 1)), logits=real_logits))
                  + tf.reduce_mean(cross_entropy(labels=tf.zeros((16, 1)), logits=fake_logits)))
        g_loss = tf.reduce_mean(cross_entropy(labels=tf.ones((16, 1)), logits=fake_logits))
    d_variables, g_variables = reference.discriminator.trainable_variables, reference.generator.trainable_variables
    d_gradients, g_gradients = tape.gradient(d_loss, d_variables), tape.gradient(g_loss, g_variables)
    reference.d_optimizer.apply_gradients(zip(d_gradients, d_variables))
    reference.g_optimizer.apply_gradients(zip(g_gradients, g_variables))
    assert float(values["g_loss"]) == pytest.approx(float(g_loss), rel=1e-5)
    for ours, theirs in zip(gan.generator.trainable_weights + gan.discriminator.trainable_weights,
                            reference.generator.trainable_weights + reference.discriminator.trainable_weights):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-6)
    # ...which is not the alternating update: G's step differs when D has moved first.
    keras.utils.set_random_seed(3)
    alternating = DCGAN(tiny_config)
    alternating.update(images, latent)
    assert not np.allclose(alternating.generator.get_layer("up1").kernel.numpy(),
                           gan.generator.get_layer("up1").kernel.numpy(), atol=1e-7)


@pytest.mark.parametrize("update", ["alternating", "simultaneous"])
def test_steps_per_call_do_not_change_the_run(tiny_config, mnist_dir, tmp_path, update):
    """Several steps per compiled call: the same losses step by step and the same weights as one per call,
    with calls cut at checkpoints (every 3 steps) and epoch ends (4 steps per epoch; the newest 3 kept)."""
    config = tiny_config.__class__(**{**tiny_config.__dict__, "update": update})
    data = TrainingData(load_raw("mnist", data_dir=mnist_dir), 32, 1, 16, seed=1)
    runs = {}
    for steps_per_call in (1, 5):
        out = tmp_path / f"run{steps_per_call}"
        runs[steps_per_call] = train(config, data, out, checkpoint_every=3, progress=False, log=lambda line: None,
                                     steps_per_call=steps_per_call)
        assert sorted(int(path.stem.split("-")[1]) for path in (out / "checkpoints").glob("ckpt-*.index")) == [4, 6, 8]
    assert runs[5]["step"] == runs[1]["step"] == list(range(1, 9))
    assert runs[5]["epoch"] == [1] * 4 + [2] * 4
    np.testing.assert_allclose(runs[5]["d_loss"], runs[1]["d_loss"], rtol=1e-4)
    a, _, _ = load_networks(tmp_path / "run1")
    b, _, _ = load_networks(tmp_path / "run5")
    for weight_a, weight_b in zip(a.weights, b.weights):
        np.testing.assert_allclose(weight_a.numpy(), weight_b.numpy(), rtol=1e-4, atol=1e-5)


def test_train_steps_stops_where_the_batches_end(tiny_config):
    gan = DCGAN(tiny_config)
    batches = iter(tf.data.Dataset.from_tensor_slices(tf.zeros((5, 16, 32, 32, 1))))
    assert [len(gan.train_steps(batches, tf.constant(3))["d_loss"]) for _ in range(3)] == [3, 2, 0]
    assert int(gan.step) == 5 and gan.train_steps.experimental_get_tracing_count() == 1


def test_epoch_metrics_run_every_n_epochs_and_the_last_and_survive_a_resume(tiny_config, mnist_dir, tmp_path):
    """`train --fid-every`'s hook: called after epochs 2 and 3 (the last) of 3 with fid_every=2, with the
    current generator; its numbers go into the epoch line and epoch_metrics.csv; a resume keeps the rows
    of the epochs it does not train again and adds its own."""
    data = TrainingData(load_raw("mnist", data_dir=mnist_dir), 32, 1, 16, seed=1)
    config = tiny_config.__class__(**{**tiny_config.__dict__, "epochs": 3, "fid_every": 2})
    calls, lines = [], []

    def measure(generator, epoch):
        calls.append((epoch, generator.output_shape))
        return {"fid": 100.0 / epoch, "kid": 0.5}

    out = tmp_path / "run"
    train(config, data, out, progress=False, log=lines.append, epoch_metrics=measure)
    assert calls == [(2, (None, 32, 32, 1)), (3, (None, 32, 32, 1))]
    assert any(line.startswith("epoch 2/3:") and "fid 50" in line and "kid 0.5" in line for line in lines)
    with open(out / "epoch_metrics.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["epoch"], float(row["fid"])) for row in rows] == [("2", 50.0), ("3", 100.0 / 3)]
    assert int(rows[-1]["step"]) == 3 * data.steps_per_epoch
    longer = config.__class__(**{**config.__dict__, "epochs": 4})
    train(longer, data, out, resume=True, progress=False, log=lines.append, epoch_metrics=measure)
    with open(out / "epoch_metrics.csv") as handle:
        assert [row["epoch"] for row in csv.DictReader(handle)] == ["2", "3", "4"]
    assert json.loads((out / "config.json").read_text())["fid_every"] == 2


def test_a_run_stopped_during_an_epochs_metrics_measures_that_epoch_on_resume(tiny_config, mnist_dir, tmp_path):
    """The metrics run after the epoch's checkpoint and take minutes: a run that dies inside them (here the
    hook raises, as a kill would stop it) has epoch 2 checkpointed but no row for it. --resume measures
    epoch 2 before training epoch 3, so the file has the rows a straight run writes, each once."""
    data = TrainingData(load_raw("mnist", data_dir=mnist_dir), 32, 1, 16, seed=1)
    config = tiny_config.__class__(**{**tiny_config.__dict__, "epochs": 3, "fid_every": 2})
    calls, lines = [], []

    def dies(generator, epoch):
        raise KeyboardInterrupt("killed while measuring")

    def measure(generator, epoch):
        calls.append(epoch)
        return {"fid": 100.0 / epoch}

    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        train(config, data, out, progress=False, log=lines.append, epoch_metrics=dies)
    assert not (out / "epoch_metrics.csv").exists()
    train(config, data, out, resume=True, progress=False, log=lines.append, epoch_metrics=measure)
    assert calls == [2, 3]
    assert "epoch 2: measuring the metrics the stopped run did not write" in lines
    with open(out / "epoch_metrics.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["epoch"], int(row["step"])) for row in rows] == [("2", 2 * data.steps_per_epoch),
                                                                  ("3", 3 * data.steps_per_epoch)]
    train(config, data, out, resume=True, progress=False, log=lines.append, epoch_metrics=measure)
    assert calls == [2, 3]   # a finished run measures nothing again


def test_two_time_scale_learning_rates_reach_each_optimizer(tiny_config):
    """--lr-d / --lr-g (TTUR): each network's Adam gets its own rate; Adam's first step moves every weight
    by about its learning rate, so a G at 1e-9 barely moves while D moves by about 4e-4."""
    from model.config import DCGANConfig

    config = DCGANConfig(**{**tiny_config.__dict__, "learning_rate_d": 4e-4, "learning_rate_g": 1e-9})
    gan = DCGAN(config)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(4e-4)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(1e-9)
    assert DCGAN(tiny_config).g_optimizer.learning_rate.numpy() == pytest.approx(2e-4)   # --lr for both
    before_g = [w.numpy().copy() for w in gan.generator.trainable_variables]
    before_d = [w.numpy().copy() for w in gan.discriminator.trainable_variables]
    real = tf.random.uniform((16, 32, 32, 1), -1, 1, seed=0)
    gan.update(real, tf.random.normal((16, config.latent_dim), seed=1))
    g_move = max(np.abs(w.numpy() - b).max() for w, b in zip(gan.generator.trainable_variables, before_g))
    d_move = max(np.abs(w.numpy() - b).max() for w, b in zip(gan.discriminator.trainable_variables, before_d))
    assert g_move < 1e-8 and d_move == pytest.approx(4e-4, rel=0.05)


def test_one_sided_label_smoothing_changes_only_the_real_targets(tiny_config):
    """With --label-smoothing 0.1, D's loss is BCE(0.9, D(x)) + BCE(0, D(G(z))) on the step's own logits."""
    from model.config import DCGANConfig

    real = tf.random.uniform((16, 32, 32, 1), -1, 1, seed=0)
    latent = tf.random.normal((16, tiny_config.latent_dim), seed=1)
    losses = {}
    for smoothing in (0.0, 0.1):
        tf.keras.utils.set_random_seed(3)
        gan = DCGAN(DCGANConfig(**{**tiny_config.__dict__, "label_smoothing": smoothing}))
        fake_logits = gan.discriminator(gan.generator(latent, training=True), training=True)
        real_logits = gan.discriminator(real, training=True)
        expected = (tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(tf.fill((16, 1), 1.0 - smoothing),
                                                                           real_logits))
                    + tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(tf.zeros((16, 1)), fake_logits)))
        values = gan.update(real, latent)
        assert float(values["d_loss"]) == pytest.approx(float(expected), rel=1e-4)
        losses[smoothing] = float(values["d_loss"])
    assert losses[0.1] != pytest.approx(losses[0.0], rel=1e-3)
    with pytest.raises(ValueError, match="label-smoothing"):
        DCGANConfig(label_smoothing=1.0)


def test_ema_is_the_debiased_moving_average_of_every_weight_of_g(tiny_config):
    """After t updates the average is sum_s (1 - d) d^(t - s) G_s / (1 - d^t) over G's weights after each
    update (none on the initial ones), BatchNorm's moving statistics included; off by default."""
    from model.config import DCGANConfig

    assert DCGAN(tiny_config).ema_generator is None
    gan = DCGAN(DCGANConfig(**{**tiny_config.__dict__, "ema": 0.9}))
    real = tf.random.uniform((16, 32, 32, 1), -1, 1, seed=0)
    trajectory = []
    for index in range(3):
        gan.update(real, tf.random.normal((16, tiny_config.latent_dim), seed=index))
        trajectory.append([weight.numpy().copy() for weight in gan.generator.weights])
        if index == 0:   # the first average is G itself
            for average, weight in zip(gan.ema_generator.weights, gan.generator.weights):
                np.testing.assert_allclose(average.numpy(), weight.numpy(), rtol=1e-6, atol=1e-7)
    shares = np.array([0.1 * 0.9 ** (3 - s) for s in (1, 2, 3)]) / (1 - 0.9 ** 3)
    expected = [sum(share * weights[index] for share, weights in zip(shares, trajectory))
                for index in range(len(trajectory[0]))]
    names = [weight.path for weight in gan.generator.weights]
    assert any("moving_mean" in name for name in names)
    for name, average, weight in zip(names, expected, gan.ema_generator.weights):
        np.testing.assert_allclose(weight.numpy(), average, rtol=1e-5, atol=1e-6, err_msg=name)
    assert not np.allclose(gan.ema_generator.weights[0].numpy(), gan.generator.weights[0].numpy())


def test_ema_never_feeds_back_into_training(tiny_config, mnist_dir, tmp_path):
    """The same run with and without --ema trains the same G and D (so one --ema run measures both, and
    its raw-G FIDs are those of the paper's default), and with --fid-every the hook sees both generators."""
    from model.config import DCGANConfig

    data = TrainingData(load_raw("mnist", data_dir=mnist_dir), 32, 1, 16, seed=1)
    config = DCGANConfig(**{**tiny_config.__dict__, "fid_every": 1, "epochs": 1})
    seen = []

    def measure(generator, epoch):
        seen.append(generator.name)
        return {"fid": float(np.mean(generator.get_weights()[0]))}

    plain, averaged = tmp_path / "plain", tmp_path / "averaged"
    train(config, data, plain, progress=False, log=lambda line: None)
    train(DCGANConfig(**{**config.__dict__, "ema": 0.9}), data, averaged, progress=False, log=lambda line: None,
          epoch_metrics=measure)
    assert seen == ["generator_ema", "generator"]
    for name in ("generator", "discriminator"):
        first, second = (keras.saving.load_model(run / f"{name}.keras") for run in (plain, averaged))
        for a, b in zip(first.get_weights(), second.get_weights()):
            np.testing.assert_array_equal(a, b, err_msg=name)
    with open(averaged / "epoch_metrics.csv") as handle:
        row = next(csv.DictReader(handle))
    assert set(row) == {"epoch", "step", "fid", "fid_raw"} and row["fid"] != row["fid_raw"]


def test_an_ema_run_resumes_exactly_and_is_what_loading_gives(tiny_config, mnist_dir, tmp_path):
    from model.config import DCGANConfig

    config = DCGANConfig(**{**tiny_config.__dict__, "ema": 0.9})
    data = TrainingData(load_raw("mnist", data_dir=mnist_dir), 32, 1, 16, seed=1)
    straight, interrupted = tmp_path / "straight", tmp_path / "interrupted"
    train(config, data, straight, checkpoint_every=2, progress=False, log=lambda line: None)
    train(DCGANConfig(**{**config.__dict__, "epochs": 1}), data, interrupted, checkpoint_every=2, progress=False,
          log=lambda line: None)
    train(config, data, interrupted, resume=True, checkpoint_every=2, progress=False, log=lambda line: None)
    assert (straight / "generator_ema.keras").is_file()
    averaged, _, _ = load_networks(straight)
    raw, _, _ = load_networks(straight, raw=True)
    assert averaged.name == "generator_ema" and raw.name == "generator"
    resumed, _, _ = load_networks(interrupted)
    for a, b in zip(averaged.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # The epoch grids are drawn by the averaged G (the last grid equals its samples of the fixed batch).
    fixed = np.load(straight / "fixed_latent.npy")
    from utils.pictures.images import save_grid

    save_grid(np.asarray(averaged(fixed, training=False)), tmp_path / "ema_grid.png", columns=8)
    assert (tmp_path / "ema_grid.png").read_bytes() == (straight / "samples" / "epoch_002.png").read_bytes()
