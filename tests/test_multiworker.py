"""`train --strategy multiworker` with real worker processes on 127.0.0.1: one run directory, the data
split between the workers, a dead worker noticed, a restart with --resume."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO

TINY = ["--width", "8", "--batch-size", "16", "--no-progress", "--tensorboard-every", "0"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """256 MNIST-format images: 16 global batches of 16 per epoch."""
    from utils.data.idx import write_mnist_fixture

    return write_mnist_fixture(tmp_path_factory.mktemp("mnist256"), num_images=256)


def start_workers(args, tmp_path, count=2):
    """One `dcgan.py train` per worker, each with its TF_CONFIG; TMPDIR is tmp_path (the workers' private folders)."""
    from utils.evaluation.bench import local_cluster_configs

    processes = []
    for tf_config in local_cluster_configs(count):
        environment = {**os.environ, "TMPDIR": str(tmp_path), "TF_CONFIG": tf_config}
        processes.append(subprocess.Popen([sys.executable, str(REPO / "dcgan.py"), "train", *args], cwd=REPO,
                                          env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    return processes


def finish(processes, timeout=240):
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=timeout)
        results.append((process.returncode, stdout, stderr))
    return results


def history(run_dir):
    lines = (run_dir / "history.csv").read_text().splitlines()
    columns = lines[0].split(",")
    return [dict(zip(columns, line.split(","))) for line in lines[1:]]


def test_two_workers_write_one_complete_run_with_the_global_batch_of_one_process(data_dir, tmp_path):
    """(a) the run completes and the chief's outputs are complete and readable; (b) against one process
    with the same global batch and seed: the same number of steps per epoch, and at step 1 the same D(x)
    (same initial weights, the two workers' shards of the first batch are together the one process's
    batch, and --sync-batch-norm normalises over all of it). Later steps are not compared: G's latent
    vectors come from a random stream split per replica, so the fakes (and from step 1 on the updates)
    differ from one process's."""
    from utils.training.checkpoints import load_networks

    args = ["--dataset", "mnist", "--data-dir", str(data_dir), "--epochs", "2", "--sync-batch-norm",
            "--checkpoint-every", "8", *TINY]
    run_dir = tmp_path / "cluster"
    results = finish(start_workers([*args, "--strategy", "multiworker", "--out", str(run_dir)], tmp_path))
    for code, _, stderr in results:
        assert code == 0, stderr[-3000:]
    chief_out, worker_out = results[0][1], results[1][1]
    assert "16 steps per epoch of 16 images over 2 workers" in chief_out
    assert "(written by the chief)" in worker_out and "epoch 1/2" not in worker_out
    for name in ("config.json", "data.json", "history.csv", "losses.png", "progress.gif", "fixed_latent.npy",
                 "generator.keras", "discriminator.keras", "samples/epoch_001.png", "samples/epoch_002.png"):
        assert (run_dir / name).is_file(), name
    assert len(json.loads((run_dir / "data.json").read_text())["records"]) == 1   # one writer
    generator, discriminator, config = load_networks(run_dir)
    assert generator.output_shape == (None, 32, 32, 1) and config.batch_size == 16
    assert not list(tmp_path.glob("dcgan_*_worker*")), "a worker left its private folder behind"

    single = tmp_path / "single"
    result = subprocess.run([sys.executable, str(REPO / "dcgan.py"), "train", *args, "--out", str(single)],
                            cwd=REPO, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    cluster_rows, single_rows = history(run_dir), history(single)
    assert [row["step"] for row in cluster_rows] == [row["step"] for row in single_rows] == [str(i) for i in range(1, 33)]
    assert float(cluster_rows[0]["d_real"]) == pytest.approx(float(single_rows[0]["d_real"]), abs=1e-6)


def test_two_workers_split_a_folder_by_file(tmp_path):
    """Item 3 for streams: 64 images and 2 corrupt files (listed last, so one in each worker's share).
    Each worker decodes only its own files: the chief's epoch line counts 1 unreadable file where one
    process counts both, and the run still has 4 steps of 16 images an epoch, every step once."""
    from utils.data.fixtures import write_image_folder

    folder = tmp_path / "images"
    write_image_folder(folder, 64, size=32, corrupt=2)
    run_dir = tmp_path / "run"
    args = ["--dataset", "folder", "--data-dir", str(folder), "--epochs", "2", "--strategy", "multiworker",
            "--out", str(run_dir), *TINY]
    results = finish(start_workers(args, tmp_path))
    for code, _, stderr in results:
        assert code == 0, stderr[-3000:]
    chief_out, worker_out = results[0][1], results[1][1]
    assert "66 images" in chief_out and "4 steps per epoch of 16 images over 2 workers, each decoding only its " \
        "own share of the files" in chief_out
    assert "each decoding only its own share" in worker_out
    epoch_lines = [line for line in chief_out.splitlines() if line.startswith("epoch ")]
    assert len(epoch_lines) == 2 and all(line.endswith("skipped 1 unreadable file(s)") for line in epoch_lines), \
        epoch_lines
    assert [int(row["step"]) for row in history(run_dir)] == list(range(1, 9))
    assert (run_dir / "generator.keras").is_file()


def test_a_killed_worker_stops_the_other_and_both_resume(data_dir, tmp_path):
    """(c) kill -9 one worker mid-run: the other stops within a minute with one line naming the lost task
    and the resume command (exit 4); both restarted with --resume finish the run, no step lost or repeated."""
    run_dir = tmp_path / "run"
    args = ["--dataset", "mnist", "--data-dir", str(data_dir), "--strategy", "multiworker", "--out", str(run_dir),
            "--checkpoint-every", "4", *TINY]
    chief, worker = start_workers([*args, "--epochs", "40"], tmp_path)
    deadline = time.time() + 240
    state = run_dir / "checkpoints" / "checkpoint"
    while time.time() < deadline and chief.poll() is None and not (
            state.exists() and '"ckpt-' in state.read_text() and int(state.read_text().split('"')[1][5:]) >= 8):
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    killed = time.time()
    _, stderr = chief.communicate(timeout=120)
    assert time.time() - killed < 90, "the chief waited too long for the dead worker"
    assert chief.returncode == 4, stderr[-3000:]
    last = stderr.strip().splitlines()[-1]
    assert "a worker of the cluster stopped or cannot be reached" in last and "task:1" in last, last
    assert "--resume --out" in last and "Traceback" not in stderr
    assert not (run_dir / "generator.keras").exists()

    results = finish(start_workers([*args, "--resume", "--epochs", "3"], tmp_path))
    for code, _, stderr in results:
        assert code == 0, stderr[-3000:]
    assert "resumed from" in results[0][1] and "resumed from" in results[1][1]
    assert [int(row["step"]) for row in history(run_dir)] == list(range(1, 49))
    assert sorted(path.name for path in (run_dir / "samples").iterdir()) == [f"epoch_00{i}.png" for i in (1, 2, 3)]
    assert not list(tmp_path.glob("dcgan_*_worker*")), "a restarted worker did not clear its private folder"


@pytest.mark.parametrize("tf_config,message", [
    (None, "TF_CONFIG is not set"),
    ("{cluster: 1}", "TF_CONFIG is not JSON"),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "worker", "index": 3}}', "is not in its cluster"),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}}', 'no "task"'),
])
def test_a_missing_or_malformed_tf_config_is_one_line(tf_config, message, tmp_path):
    environment = {key: value for key, value in os.environ.items() if key != "TF_CONFIG"}
    if tf_config is not None:
        environment["TF_CONFIG"] = tf_config
    result = subprocess.run([sys.executable, str(REPO / "dcgan.py"), "train", "--strategy", "multiworker",
                             "--out", str(tmp_path / "run")], cwd=REPO, env=environment, capture_output=True,
                            text=True, timeout=120)
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode == 2 and message in last and "TF_CONFIG='" in last, result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "run").exists()


def test_slurm_outside_a_job_is_one_line(tmp_path):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("SLURM_")}
    result = subprocess.run([sys.executable, str(REPO / "dcgan.py"), "train", "--strategy", "multiworker",
                             "--cluster", "slurm", "--out", str(tmp_path / "run")], cwd=REPO, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "not in a Slurm job" in result.stderr.strip().splitlines()[-1], result.stderr


def test_bench_times_the_step_over_two_local_workers():
    result = subprocess.run([sys.executable, str(REPO / "dcgan.py"), "bench", "--width", "8", "--batch-size", "16",
                             "--steps", "2", "--no-reference", "--strategy", "multiworker"], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"2 worker processes on this machine \(MultiWorkerMirroredStrategy, 127\.0\.0\.1, global batch 16\): "
                     r"[\d.]+ images/s, [\d.]+x one process, scaling efficiency [\d.]+", result.stdout), result.stdout
