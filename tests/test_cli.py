"""The headless CLI as a user runs it: real subprocesses, real exit codes, real files."""

import json
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.conftest import REPO

TINY = ["--width", "8", "--batch-size", "16", "--no-progress"]


def run(*args, timeout=300):
    return subprocess.run([sys.executable, str(REPO / "dcgan.py"), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def last_line(result):
    return result.stderr.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory, mnist_dir):
    out = tmp_path_factory.mktemp("cli") / "run"
    result = run("train", "--dataset", "mnist", "--data-dir", str(mnist_dir), "--epochs", "1", "--out", str(out), *TINY)
    assert result.returncode == 0, result.stderr
    return out


def test_train_writes_a_complete_run(trained_run):
    for name in ("samples/epoch_001.png", "losses.png", "progress.gif", "generator.keras", "discriminator.keras"):
        assert (trained_run / name).is_file()


def test_generate_png_and_npy(trained_run, tmp_path):
    result = run("generate", "--model", str(trained_run), "--n", "10", "--out", str(tmp_path / "grid.png"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "grid.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = run("generate", "--model", str(trained_run / "generator.keras"), "--n", "7", "--seed", "3",
                 "--out", str(tmp_path / "samples.npy"))
    assert result.returncode == 0, result.stderr
    images = np.load(tmp_path / "samples.npy")
    assert images.shape == (7, 32, 32, 1) and images.dtype == np.uint8 and images.max() > images.min()


def test_generate_walks_start_and_end_at_the_samples_of_two_seeds(trained_run, tmp_path):
    """Row i of `--walk` goes from sample i of --seed to sample i of --seed + 1 (what `generate` draws)."""
    for seed in ("3", "4"):
        assert run("generate", "--model", str(trained_run), "--n", "3", "--seed", seed,
                   "--out", str(tmp_path / f"seed{seed}.npy")).returncode == 0
    result = run("generate", "--model", str(trained_run), "--n", "3", "--seed", "3", "--walk", "spherical",
                 "--steps", "5", "--out", str(tmp_path / "walks.npy"))
    assert result.returncode == 0, result.stderr
    assert "3 spherical walks of 5 images" in result.stdout
    walks = np.load(tmp_path / "walks.npy").reshape(3, 5, 32, 32, 1).astype(int)
    assert np.abs(walks[:, 0] - np.load(tmp_path / "seed3.npy")).max() <= 1
    assert np.abs(walks[:, -1] - np.load(tmp_path / "seed4.npy")).max() <= 1
    assert np.abs(walks[:, 2] - walks[:, 0]).mean() > 0   # the middle is neither endpoint
    result = run("generate", "--model", str(trained_run), "--n", "2", "--walk", "linear",
                 "--out", str(tmp_path / "walks.png"))
    assert result.returncode == 0 and (tmp_path / "walks.png").read_bytes()[:4] == b"\x89PNG"
    result = run("generate", "--model", str(trained_run), "--walk", "linear", "--steps", "1",
                 "--out", str(tmp_path / "w.png"))
    assert result.returncode == 2 and "at least 2 images" in last_line(result)


def test_generate_walks_come_with_a_gif_and_the_same_seed_gives_the_same_pictures(trained_run, tmp_path):
    """A .png of walks gets <name>.gif beside it (or --gif FILE): frame t is the grid of every walk's t-th
    image, forward then back; the same command twice writes the same bytes."""
    from PIL import Image, ImageSequence

    from utils.pictures.images import make_grid

    args = ["generate", "--model", str(trained_run), "--n", "3", "--walk", "spherical", "--steps", "5"]
    for name in ("a", "b"):
        result = run(*args, "--out", str(tmp_path / f"{name}.png"))
        assert result.returncode == 0, result.stderr
        assert f"(animated: {tmp_path / name}.gif)" in result.stdout
    for suffix in (".png", ".gif"):
        assert (tmp_path / f"a{suffix}").read_bytes() == (tmp_path / f"b{suffix}").read_bytes()
    assert run(*args, "--out", str(tmp_path / "walks.npy"), "--gif", str(tmp_path / "named.gif")).returncode == 0
    walks = np.load(tmp_path / "walks.npy").reshape(3, 5, 32, 32, 1)
    with Image.open(tmp_path / "named.gif") as gif:
        frames = [np.asarray(frame.convert("L")) for frame in ImageSequence.Iterator(gif)]
    assert len(frames) == 5 + 3   # steps 0..4, then back through 3, 2, 1
    for frame, step in ((frames[0], 0), (frames[4], 4), (frames[5], 3)):
        expected = make_grid(walks[:, step])[..., 0].repeat(2, axis=0).repeat(2, axis=1)   # drawn at 2x
        assert np.abs(frame.astype(int) - expected).max() <= 1
    result = run("generate", "--model", str(trained_run), "--out", str(tmp_path / "x.png"), "--gif", str(tmp_path / "x.gif"))
    assert result.returncode == 2 and "a GIF is made of --walk frames" in last_line(result)


def test_generate_sweeps_one_latent_dimension(trained_run, tmp_path):
    """--walk dimension --dim K: row i is the i-th z of --seed with z[K] from -RANGE to +RANGE."""
    import keras

    from utils.analysis.latent import dimension_sweep
    from utils.pictures.samples import latent_samples

    result = run("generate", "--model", str(trained_run), "--n", "2", "--seed", "5", "--walk", "dimension",
                 "--dim", "7", "--steps", "4", "--range", "2", "--out", str(tmp_path / "sweep.npy"))
    assert result.returncode == 0, result.stderr
    assert "2 sweeps of z[7] from -2 to 2 of 4 images" in result.stdout
    generator = keras.saving.load_model(trained_run / "generator.keras")
    z = np.concatenate([dimension_sweep(start, 7, np.linspace(-2, 2, 4)) for start in latent_samples(2, 100, 5)])
    expected = np.round((np.asarray(generator(z, training=False)) + 1) * 127.5)
    assert np.abs(np.load(tmp_path / "sweep.npy").astype(int) - expected).max() <= 1
    for extra, message in ((["--walk", "dimension"], "needs --dim K"), (["--dim", "3"], "needs --dim K"),
                           (["--walk", "dimension", "--dim", "100"], "has 100 coordinates (0 to 99)")):
        result = run("generate", "--model", str(trained_run), *extra, "--out", str(tmp_path / "x.png"))
        assert result.returncode == 2 and message in last_line(result), result.stderr


def test_generate_vector_arithmetic_on_sample_indices(trained_run, tmp_path):
    """--arithmetic "0 - 1 + 2": G(z0 - z1 + z2) of --seed and 8 neighbours; .png draws the labelled rows."""
    import keras

    from utils.pictures.samples import latent_samples

    result = run("generate", "--model", str(trained_run), "--seed", "1", "--arithmetic", "0 - 1 + 2",
                 "--out", str(tmp_path / "result.npy"))
    assert result.returncode == 0, result.stderr
    assert "wrote #0 - #1 + #2 = G(result) and 8 neighbours" in result.stdout
    z = latent_samples(3, 100, 1)
    generator = keras.saving.load_model(trained_run / "generator.keras")
    expected = np.round((np.asarray(generator((z[0] - z[1] + z[2])[None], training=False)) + 1) * 127.5)
    images = np.load(tmp_path / "result.npy")
    assert images.shape == (9, 32, 32, 1) and np.abs(images[:1].astype(int) - expected).max() <= 1
    result = run("generate", "--model", str(trained_run), "--arithmetic", "0 - 1 + 2", "--out", str(tmp_path / "a.png"))
    assert result.returncode == 0 and (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
    result = run("generate", "--model", str(trained_run), "--arithmetic", "Sandal - 1 + 2", "--out", str(tmp_path / "b.png"))
    assert result.returncode == 2 and "'Sandal' is neither a sample index nor a class name" in last_line(result)


def test_generate_vector_arithmetic_on_class_names_uses_the_committed_classifier(mnist_dir, tmp_path):
    """Fashion-MNIST class names are judged by saved_models/' domain classifier (here on a tiny run read
    from IDX fixture files, so only the mechanics are checked: the verdict is printed, the figure written)."""
    out = tmp_path / "run"
    assert run("train", "--dataset", "fashion_mnist", "--data-dir", str(mnist_dir), "--epochs", "1", "--out",
               str(out), *TINY).returncode == 0
    result = run("generate", "--model", str(out), "--arithmetic", "Ankle boot - Sneaker + Sandal",
                 "--out", str(tmp_path / "arithmetic.png"))
    assert result.returncode == 0, result.stderr
    assert "wrote Ankle boot - Sneaker + Sandal = G(result) and 8 neighbours" in result.stdout
    counts = re.search(r"the domain classifier calls them (.*)$", result.stdout.strip()).group(1)
    assert sum(int(part.split()[0]) for part in counts.split(", ")) == 9
    assert (tmp_path / "arithmetic.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("args,message", [
    (["train", "--dataset", "imagenet"], "invalid choice: 'imagenet'"),
    (["train", "--epochs", "0"], "--epochs: must be at least 1"),
    (["train", "--dataset", "mnist", "--data-dir", "/nonexistent-folder", "--out", "{tmp}/r"],
     "bash datasets/download_mnist.sh"),
    (["train", "--out", "/proc/dcgan-cannot-write-here"], "cannot write to /proc/dcgan-cannot-write-here"),
    (["train", "--resume", "--out", "{tmp}/never-ran"], "holds no run"),
    (["train", "--steps-per-call", "0"], "--steps-per-call: must be at least 1"),
    (["train", "--update", "together"], "invalid choice: 'together'"),
    (["generate", "--model", "{tmp}/missing", "--out", "{tmp}/x.png"], "no such run directory"),
    (["generate", "--model", "{tmp}", "--out", "{tmp}/x.jpg"], "must end in .png"),
])
def test_user_mistakes_get_one_line_and_exit_2(args, message, tmp_path):
    result = run(*[arg.replace("{tmp}", str(tmp_path)) for arg in args])
    assert result.returncode == 2
    assert message in last_line(result)
    assert "Traceback" not in result.stderr


def test_corrupt_file_is_named(tmp_path, mnist_dir):
    data = tmp_path / "data"
    data.mkdir()
    for path in mnist_dir.iterdir():
        (data / path.name).write_bytes(path.read_bytes())
    (data / "train-labels-idx1-ubyte.gz").write_bytes(b"not gzip at all")
    result = run("train", "--dataset", "mnist", "--data-dir", str(data), "--out", str(tmp_path / "r"), *TINY)
    assert result.returncode == 2 and "train-labels-idx1-ubyte.gz: cannot read" in last_line(result)


def test_existing_run_is_refused_and_kept(trained_run):
    before = sorted(path.name for path in trained_run.rglob("*"))
    result = run("train", "--dataset", "mnist", "--out", str(trained_run), *TINY)
    assert result.returncode == 2 and "pass --resume" in last_line(result)
    assert sorted(path.name for path in trained_run.rglob("*")) == before


def _history_steps(out):
    lines = (out / "history.csv").read_text().splitlines()[1:]
    return [int(line.split(",")[0]) for line in lines]


def test_train_simultaneous_several_steps_per_call_with_xla(mnist_dir, tmp_path):
    """--update is recorded in the run and kept on --resume; --steps-per-call and --xla still log every step."""
    import json

    out = tmp_path / "run"
    result = run("train", "--dataset", "mnist", "--data-dir", str(mnist_dir), "--epochs", "1", "--out", str(out),
                 "--update", "simultaneous", "--steps-per-call", "3", "--xla", *TINY)
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "config.json").read_text())["update"] == "simultaneous"
    assert _history_steps(out) == [1, 2, 3, 4]
    result = run("train", "--resume", "--epochs", "2", "--data-dir", str(mnist_dir), "--out", str(out),
                 "--steps-per-call", "2", *TINY)
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "config.json").read_text())["update"] == "simultaneous"
    assert _history_steps(out) == list(range(1, 9))


def _final_weights(run_dir):
    import keras

    return [weight for name in ("generator", "discriminator")
            for weight in keras.saving.load_model(run_dir / f"{name}.keras", compile=False).get_weights()]


def _registered_checkpoint(run_dir) -> int:
    """The step of the checkpoint the manager's state file names (the one --resume starts from): a kill
    between writing a checkpoint's files and updating that file leaves the newer files unregistered."""
    state = (run_dir / "checkpoints" / "checkpoint").read_text().splitlines()[0]   # model_checkpoint_path: "ckpt-N"
    return int(state.split('"')[1].split("-")[1])


def _wait_for_checkpoint(run_dir, step, process, seconds=240):
    """Until the run's registered checkpoint is at `step` or later (or the process ends)."""
    state = run_dir / "checkpoints" / "checkpoint"
    deadline = time.time() + seconds
    while time.time() < deadline and process.poll() is None:
        try:
            if state.exists() and _registered_checkpoint(run_dir) >= step:
                return
        except (IndexError, ValueError):   # the state file caught while being replaced
            pass
        time.sleep(0.01)
    raise AssertionError(f"the run in {run_dir} never registered a checkpoint at step {step}")


def test_killed_or_stopped_mid_epoch_then_resumed_ends_with_the_weights_of_a_straight_run(mnist_dir, tmp_path):
    """The issue's acceptance check, on weights: kill -9 in the middle of an epoch, or SIGTERM there,
    then --resume, ends with G and D bit for bit equal to those of a run that was never interrupted
    (--deterministic: enable_op_determinism); the SIGTERM stop leaves a checkpoint at its stop step."""
    # 64 images in batches of 2: 32 steps per epoch, a checkpoint every 4 steps, so the checkpoints a
    # kill can leave registered (8, 12, ..., 28) all lie inside epoch 1.
    args = ["train", "--dataset", "mnist", "--data-dir", str(mnist_dir), "--epochs", "2", "--width", "8",
            "--batch-size", "2", "--checkpoint-every", "4", "--no-progress", "--tensorboard-every", "0",
            "--deterministic"]
    command = [sys.executable, str(REPO / "dcgan.py"), *args]
    straight = tmp_path / "straight"
    result = run(*args, "--out", str(straight))
    assert result.returncode == 0, result.stderr
    expected = _final_weights(straight)

    killed = tmp_path / "killed"
    process = subprocess.Popen([*command, "--out", str(killed)], cwd=REPO, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _wait_for_checkpoint(killed, 8, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (killed / "generator.keras").exists()
    killed_at = _registered_checkpoint(killed)
    assert 8 <= killed_at < 32, killed_at   # inside epoch 1, not at its end

    stopped = tmp_path / "stopped"
    process = subprocess.Popen([*command, "--out", str(stopped)], cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    _wait_for_checkpoint(stopped, 8, process)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    stopped_at = int(re.search(r"stopped at step (\d+) with a checkpoint", stderr).group(1))
    assert 8 <= stopped_at < 32, stopped_at
    # The stop wrote its own checkpoint (and the history up to it), whatever the regular cadence.
    assert _registered_checkpoint(stopped) == stopped_at and (stopped / "checkpoints" / f"ckpt-{stopped_at}.index").exists()
    assert _history_steps(stopped) == list(range(1, stopped_at + 1))

    for run_dir, at in ((killed, killed_at), (stopped, stopped_at)):
        result = run(*args, "--resume", "--out", str(run_dir))
        assert result.returncode == 0, result.stderr
        assert f"epoch 0, step {at}" in result.stdout   # "resumed from ...: epoch E, step S"
        assert _history_steps(run_dir) == list(range(1, 65))
        for got, want in zip(_final_weights(run_dir), expected, strict=True):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_sigterm_checkpoints_and_says_how_to_resume(mnist_dir, tmp_path, stop_signal):
    out = tmp_path / "run"
    args = [sys.executable, str(REPO / "dcgan.py"), "train", "--dataset", "mnist", "--data-dir", str(mnist_dir),
            "--epochs", "50", "--out", str(out), "--checkpoint-every", "1000", *TINY]
    process = subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    while time.time() < deadline and not (out / "samples" / "epoch_001.png").exists():
        time.sleep(0.05)
    process.send_signal(stop_signal)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert "--resume" in stderr.strip().splitlines()[-1]
    steps = _history_steps(out)
    assert steps and steps == list(range(1, len(steps) + 1))


def test_bench_prints_train_and_pipeline_rates(mnist_dir):
    result = run("bench", "--width", "8", "--batch-size", "8", "--steps", "2", "--data", "mnist",
                 "--data-dir", str(mnist_dir), "--inception")
    assert result.returncode == 0, result.stderr
    assert re.search(r"FID's Inception network \(float32, batch 50\): [\d.]+ images/s, 11\.\d GFLOP per image, "
                     r"[\d.]+ GFLOP/s achieved, [\d.]+x the train step's FLOP/s", result.stdout), result.stdout
    assert "32 px, width 8, batch 8, 1 channel(s), float32, 1 step(s) per call" in result.stdout
    for update in ("alternating", "simultaneous"):
        assert re.search(rf"our step, {update}.*: [\d.]+ images/s, [\d.]+ GFLOP per image, [\d.]+ GFLOP/s achieved",
                         result.stdout), result.stdout
        assert re.search(rf"ours, {update}, is [\d.]+x the reference", result.stdout), result.stdout
    assert "reference step (tutorial style, same networks, simultaneous)" in result.stdout
    assert "input pipeline (mnist" in result.stdout and "x the train step" in result.stdout
    assert "peak memory of this process" in result.stdout
    # Not a terminal: each timed stage says when it starts and how long it took, on stderr.
    for name in ("train step (alternating): 2 calls ...", "reference step: 2 calls ...",
                 "inception network: 200 images ...", "input pipeline (mnist): 8 batches ..."):
        assert name in result.stderr, result.stderr
    assert re.search(r"^train step \(simultaneous\): done in \d+ s$", result.stderr, re.MULTILINE)


def test_bench_on_synthetic_native_files():
    result = run("bench", "--width", "8", "--batch-size", "8", "--steps", "1", "--image-size", "64",
                 "--data", "celeba", "--synthetic", "24", "--no-reference", "--precision", "mixed_bfloat16",
                 "--xla")
    assert result.returncode == 0, result.stderr
    assert "64 px, width 8, batch 8, 3 channel(s), mixed_bfloat16, 1 step(s) per call" in result.stdout
    assert "reference step" not in result.stdout and "the reference" not in result.stdout
    assert re.search(r"compiled with XLA \(jit_compile\): [\d.]+ images/s", result.stdout), result.stdout
    assert re.search(r"input pipeline \(celeba, 24 synthetic images, [1-9]\d* batches\): \d+ images/s, "
                     r"[\d.]+x the train step", result.stdout), result.stdout


def test_bench_times_every_architecture_side_by_side():
    """bench --architectures: one line per option with its rate, its ratio to the default and the
    parameter counts of the networks that train builds for it."""
    from model.config import DCGANConfig
    from model.dcgan import build_discriminator, build_generator

    result = run("bench", "--width", "8", "--batch-size", "8", "--steps", "1", "--no-reference", "--architectures")
    assert result.returncode == 0, result.stderr
    for name, change in (("dcgan, 5x5 kernels (the default)", {}), ("dcgan, --kernel-size 4", {"kernel_size": 4}),
                         ("--architecture lin", {"architecture": "lin"})):
        config = DCGANConfig(width=8, batch_size=8, **change)
        expected = (f"G {build_generator(config).count_params():,} and "
                    f"D {build_discriminator(config).count_params():,} parameters")
        assert re.search(rf"^{re.escape(name)}: [\d.]+ images/s \([\d.]+x the default\), [\d.]+ GFLOP per image, "
                         rf"{re.escape(expected)}$", result.stdout, re.MULTILINE), result.stdout
    assert "dcgan, 5x5 kernels (the default): " in result.stdout and "(1.00x the default)" in result.stdout


def test_help_on_every_command():
    for command in ("train", "generate", "evaluate", "bench"):
        result = run(command, "--help")
        assert result.returncode == 0 and "usage: dcgan.py " + command in result.stdout


def test_sigkill_at_random_moments_including_checkpoint_writes(mnist_dir, tmp_path):
    """Several kill -9 at random points of a run that checkpoints every step (so many kills land in a
    checkpoint write); every restart resumes from a complete checkpoint and the run ends whole."""
    import random

    out = tmp_path / "run"
    args = [sys.executable, str(REPO / "dcgan.py"), "train", "--dataset", "mnist", "--data-dir", str(mnist_dir),
            "--epochs", "6", "--out", str(out), "--checkpoint-every", "1", *TINY]
    rng = random.Random(7)
    for trial in range(3):
        process = subprocess.Popen(args + (["--resume"] if trial else []), cwd=REPO,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        before = len(list((out / "checkpoints").glob("ckpt-*.index"))) if (out / "checkpoints").exists() else 0
        deadline = time.time() + 240
        # Wait for this process's first new checkpoint, then let it run a random fraction of a second more.
        while time.time() < deadline and process.poll() is None:
            if (out / "checkpoints").exists() and (out / "checkpoints" / "checkpoint").exists() and \
                    len(list((out / "checkpoints").glob("ckpt-*.index"))) > before:
                break
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 1.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
    result = run("train", "--resume", "--dataset", "mnist", "--data-dir", str(mnist_dir), "--out", str(out), *TINY)
    assert result.returncode == 0, result.stderr
    assert _history_steps(out) == list(range(1, 25))
    assert sorted(path.name for path in (out / "samples").iterdir()) == [f"epoch_00{i}.png" for i in range(1, 7)]   # no leftover temporary
    assert (out / "generator.keras").is_file()


@pytest.mark.parametrize("args,message", [
    (["--dataset", "cats"], "TFDS has no such dataset"),
    (["--dataset", "mnist", "--data-dir", "{tmp}/empty"], "tfds build mnist"),
])
def test_tfds_source_errors_are_one_line(args, message, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run("train", "--source", "tfds", "--out", str(tmp_path / "run"),
                 *[arg.replace("{tmp}", str(tmp_path)) for arg in args])
    assert result.returncode == 2 and message in last_line(result) and "Traceback" not in result.stderr


def test_evaluate_writes_svm_and_domain_results(trained_run, mnist_dir, tmp_path):
    import json

    result = run("evaluate", "--model", str(trained_run), "--data-dir", str(mnist_dir), "--metrics", "svm,domain",
                 "--per-class", "2", "--draws", "2", "--num-samples", "40", "--cache-dir", str(tmp_path / "cache"),
                 "--out", str(tmp_path / "results.json"))
    assert result.returncode == 0, result.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results["svm"]) == {"trained_discriminator", "random_discriminator", "raw_pixels"}
    assert results["svm"]["trained_discriminator"]["features"] == 112 * 8   # 4*4*(W + 2W + 4W), W = 8
    assert 0.0 <= results["svm"]["raw_pixels"]["all_labels"]["test_accuracy"] <= 1.0
    assert results["svm"]["trained_discriminator"]["2_per_class"]["draws"] == 2
    assert sum(results["domain"]["mode_coverage"]["counts"].values()) == 40
    assert list((tmp_path / "cache").glob("domain_classifier_mnist_32px_1ch_64.keras"))
    for line in ("svm trained_discriminator: features: 128 images ...", "svm raw_pixels: all labels, C grid: 7 fits ...",
                 "svm random_discriminator: 2 labels per class, 2 draws: 14 fits ..."):
        assert line in result.stderr, result.stderr


@pytest.mark.parametrize("args,message", [
    (["--metrics", "svm,bleu"], "unknown bleu"),
    (["--svm-c", "0.1,0"], "expected positive numbers"),
    (["--metrics", "is"], "classify_image_graph_def.pb"),
    (["--metrics", "fid"], "FID needs at least 2048 samples"),
])
def test_evaluate_errors_are_one_line(trained_run, mnist_dir, tmp_path, args, message, monkeypatch):
    monkeypatch.setenv("DCGAN_INCEPTION_DIR", str(tmp_path / "no-inception-here"))
    result = run("evaluate", "--model", str(trained_run), "--data-dir", str(mnist_dir), "--num-samples", "8", *args)
    assert result.returncode == 2 and message in last_line(result) and "Traceback" not in result.stderr


def test_train_with_the_mirrored_strategy_flag(mnist_dir, tmp_path):
    """On one device MirroredStrategy has one replica, but the distributed code path runs end to end."""
    out = tmp_path / "run"
    result = run("train", "--dataset", "mnist", "--data-dir", str(mnist_dir), "--epochs", "1", "--out", str(out),
                 "--strategy", "mirrored", "--sync-batch-norm", *TINY)
    assert result.returncode == 0, result.stderr
    assert (out / "generator.keras").is_file()
    assert '"sync_batch_norm": true' in (out / "config.json").read_text()


def test_generate_into_an_unwritable_folder_is_one_line(trained_run):
    result = run("generate", "--model", str(trained_run), "--n", "4", "--out", "/proc/dcgan-no/x.png")
    assert result.returncode == 2 and "cannot write to /proc/dcgan-no" in last_line(result)


def test_train_options_of_the_field_are_saved_and_kept_on_resume(mnist_dir, tmp_path):
    """--lr-d/--lr-g (TTUR) and --label-smoothing go into config.json, and a resumed run keeps them."""
    out = tmp_path / "run"
    result = run("train", "--dataset", "mnist", "--data-dir", str(mnist_dir), "--epochs", "1", "--out", str(out),
                 "--lr-d", "4e-4", "--lr-g", "1e-4", "--label-smoothing", "0.1", *TINY)
    assert result.returncode == 0, result.stderr
    saved = json.loads((out / "config.json").read_text())
    assert (saved["learning_rate_d"], saved["learning_rate_g"], saved["label_smoothing"]) == (4e-4, 1e-4, 0.1)
    result = run("train", "--data-dir", str(mnist_dir), "--epochs", "2", "--out", str(out), "--resume", *TINY)
    assert result.returncode == 0, result.stderr
    resumed = json.loads((out / "config.json").read_text())
    assert resumed["epochs"] == 2 and resumed["learning_rate_d"] == 4e-4 and resumed["label_smoothing"] == 0.1
    assert "argument --lr-g: must be a positive number, got 0" in last_line(run("train", "--lr-g", "0"))


def test_resume_refuses_settings_it_would_ignore_and_says_what_it_applies(trained_run, mnist_dir, tmp_path):
    """A run made at width 8, batch 16: --resume with --width 32 or --batch-size 64 is one line and exit 2,
    and the run is untouched; the same values pass; --epochs and --fid-every are applied and said."""
    import shutil

    out = tmp_path / "run"
    shutil.copytree(trained_run, out)
    before = (out / "config.json").read_text()
    base = ["train", "--resume", "--out", str(out), "--data-dir", str(mnist_dir), "--no-progress"]
    for extra, message in ((["--width", "32"], "--width 32: the run in"), (["--batch-size", "64"], "has batch_size = 16"),
                           (["--no-batch-norm"], "--no-batch-norm True"), (["--ema", "0.999"], "has ema = 0.0"),
                           (["--dataset", "fashion_mnist"], "has dataset = 'mnist'")):
        result = run(*base, *extra)
        assert result.returncode == 2 and message in last_line(result), result.stderr
        assert "a resumed run keeps its settings" in last_line(result) and "Traceback" not in result.stderr
    assert (out / "config.json").read_text() == before
    result = run(*base, "--width", "8", "--batch-size", "16", "--epochs", "2", "--checkpoint-every", "3")
    assert result.returncode == 0, result.stderr
    assert "resuming with --epochs 2 (the run had 1)" in result.stdout
    assert json.loads((out / "config.json").read_text())["epochs"] == 2


def test_generate_uses_the_averaged_generator_unless_asked_for_the_raw_one(mnist_dir, tmp_path):
    out = tmp_path / "run"
    result = run("train", "--dataset", "mnist", "--data-dir", str(mnist_dir), "--epochs", "1", "--out", str(out),
                 "--ema", "0.9", *TINY)
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "config.json").read_text())["ema"] == 0.9
    for name, extra in (("ema.npy", []), ("raw.npy", ["--raw-generator"])):
        assert run("generate", "--model", str(out), "--n", "4", "--out", str(tmp_path / name), *extra).returncode == 0
    assert not np.array_equal(np.load(tmp_path / "ema.npy"), np.load(tmp_path / "raw.npy"))
    assert "--ema must be a decay in [0, 1)" in last_line(run("train", "--ema", "1.5", "--out", str(tmp_path / "x")))
