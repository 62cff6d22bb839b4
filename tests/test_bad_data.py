"""Data that cannot train stops the run: unreadable files are counted, named and refused before training."""

import numpy as np
import pytest
import scipy.io

from tests.test_cli import TINY, last_line, run
from utils.data import fixtures, load_raw
from utils.data.pipeline import TrainingData
from utils.training.trainer import TrainingStopped, train


def test_a_folder_of_files_that_are_not_images_stops_before_training_and_writes_nothing(tmp_path):
    fixtures.write_image_folder(tmp_path / "data", 0, corrupt=40)
    out = tmp_path / "run"
    result = run("train", "--dataset", "folder", "--data-dir", str(tmp_path / "data"), "--epochs", "1",
                 "--out", str(out), *TINY)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    line = last_line(result)
    assert "40 of the first 40 files of folder" in line and "do not decode as images (100%" in line
    assert line.count("corrupt_") == 3   # three examples, by name
    assert "done" not in result.stdout and not (out / "generator.keras").exists() and not (out / "config.json").exists()


def test_a_few_bad_files_are_skipped_and_reported_and_too_many_stop_unless_allowed(tmp_path):
    fixtures.write_image_folder(tmp_path / "few", 38, size=32, corrupt=2)   # 5%: under the default 10%
    result = run("train", "--dataset", "folder", "--data-dir", str(tmp_path / "few"), "--epochs", "1",
                 "--out", str(tmp_path / "a"), *TINY)
    assert result.returncode == 0, result.stderr
    assert "epoch 1/1:" in result.stdout and "skipped 2 unreadable file(s)" in result.stdout
    fixtures.write_image_folder(tmp_path / "many", 24, size=32, corrupt=16)   # 40%
    args = ["train", "--dataset", "folder", "--data-dir", str(tmp_path / "many"), "--epochs", "1", *TINY]
    result = run(*args, "--out", str(tmp_path / "b"))
    assert result.returncode == 2 and "16 of the first 40 files" in last_line(result)
    assert "more than --max-bad-files 0.1" in last_line(result)
    result = run(*args, "--out", str(tmp_path / "c"), "--max-bad-files", "0.5")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "c" / "generator.keras").is_file()
    assert "must be between 0 and 1" in last_line(run(*args, "--out", str(tmp_path / "d"), "--max-bad-files", "2"))


def test_a_run_that_trains_no_step_stops_and_writes_no_model(tiny_config, tmp_path):
    """Without the check before training (a library caller), an epoch of 0 steps still stops the run."""
    fixtures.write_image_folder(tmp_path / "data", 0, corrupt=40)
    data = TrainingData(load_raw("folder", data_dir=tmp_path / "data", image_size=32, channels=1), 32, 1, 16, seed=0)
    with pytest.raises(TrainingStopped, match="epoch 1: 40 of the 40 files read did not decode") as stopped:
        train(tiny_config, data, tmp_path / "run", progress=False, log=lambda line: None)
    assert stopped.value.exit_code == 2 and "latest checkpoint (none yet)" in str(stopped.value)
    data.max_bad_share = 1.0   # even a caller who accepts every bad file gets no model from 0 steps
    with pytest.raises(TrainingStopped, match="0 steps were trained and no model was written") as stopped:
        train(tiny_config, data, tmp_path / "run", resume=True, progress=False, log=lambda line: None)
    assert stopped.value.exit_code == 2
    assert not list((tmp_path / "run").glob("*.keras"))


def test_a_truncated_svhn_file_is_named(tmp_path):
    scipy.io.savemat(tmp_path / "train_32x32.mat", {"X": np.zeros((32, 32, 3, 20), np.uint8),
                                                    "y": np.ones((20, 1), np.uint8)})
    data = (tmp_path / "train_32x32.mat").read_bytes()
    (tmp_path / "train_32x32.mat").write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match="train_32x32.mat: not a readable MAT file"):
        load_raw("svhn", data_dir=tmp_path)
