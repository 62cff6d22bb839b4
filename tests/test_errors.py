"""Errors that tell the truth: the user's mistakes are one line (exit 2), the machine's (full disk,
read-only or vanished folder) one line that keeps what was written, and a bug keeps its traceback."""

import errno
import json
import resource
import subprocess
import sys

import pytest

from tests.test_cli import REPO, TINY, last_line, run
from utils.data import fixtures, load_raw
from utils.data.pipeline import TrainingData
from utils.errors import MissingError, UsageError, environment_message
from utils.training.trainer import TrainingStopped, train


def run_with(prelude: str, *args, limit_file_size: int | None = None):
    """dcgan.py's `run(args)` in a child process, after `prelude` (Python that injects a fault)."""
    code = f"import sys; sys.path.insert(0, {str(REPO)!r}); import dcgan\n{prelude}\nsys.exit(dcgan.run(sys.argv[1:]))"

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300, cwd=REPO,
                          preexec_fn=limit if limit_file_size else None)


def test_the_users_mistakes_are_of_one_type_that_the_old_handlers_still_catch():
    assert issubclass(UsageError, ValueError) and issubclass(MissingError, UsageError)
    assert issubclass(MissingError, FileNotFoundError)
    assert "the disk is full" in environment_message(OSError(errno.ENOSPC, "No space left on device", "x.png"))
    assert environment_message(OSError(errno.EBADF, "Bad file descriptor")) is None


def test_a_mistake_is_one_line_and_a_bug_keeps_its_traceback_and_says_it_is_one(tmp_path):
    mistake = run("generate", "--model", str(tmp_path / "nothing"), "--out", str(tmp_path / "a.png"))
    assert mistake.returncode == 2 and "Traceback" not in mistake.stderr
    assert last_line(mistake) == f"dcgan.py generate: error: {tmp_path / 'nothing'}: no such run directory or .keras file"
    # A ValueError of the code's own (here from NumPy), not a UsageError: a bug, with its traceback.
    bug = run_with("import numpy as np\ndcgan.command_generate = lambda args: np.zeros(3).reshape(2, 2)",
                   "generate", "--model", str(tmp_path / "nothing"), "--out", str(tmp_path / "a.png"))
    assert bug.returncode == 1
    assert "Traceback (most recent call last)" in bug.stderr and "ValueError: cannot reshape array" in bug.stderr
    assert last_line(bug).startswith("dcgan.py: this is a bug in dcgan.py, not a mistake of yours (ValueError above)")


@pytest.fixture(scope="module")
def folder_data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("folder") / "images"
    fixtures.write_image_folder(folder, 48, size=32)
    return folder


def test_a_full_disk_stops_the_run_with_one_line_and_a_resume_finishes_it(tmp_path, folder_data):
    """RLIMIT_FSIZE makes every write past 40 KB fail as a full disk would (EFBIG), here the first epoch's
    pictures. The files written before stay whole, and a resume without the limit finishes the run."""
    out = tmp_path / "run"
    args = ["train", "--dataset", "folder", "--data-dir", str(folder_data), "--epochs", "2", "--out", str(out), *TINY]
    result = run_with("", *args, limit_file_size=40_000)
    assert result.returncode == 4 and "Traceback" not in result.stderr, result.stderr
    line = last_line(result)
    assert line.startswith("dcgan.py: cannot use ") and "(File too large): the file size limit is reached" in line
    assert "stopped at step 3" in line
    assert f"resume with --resume --out {out}" in line
    assert json.loads((out / "config.json").read_text())["epochs"] == 2   # what was written is whole
    assert not list(out.rglob(".*.tmp*")) and not (out / "generator.keras").exists()
    resumed = run(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert (out / "generator.keras").is_file() and "epoch 2/2:" in resumed.stdout


def test_a_folder_that_turns_read_only_mid_run_gives_one_line_and_keeps_the_checkpoints(tmp_path, folder_data):
    """The first sample grid's rename fails as on a read-only file system (EROFS; injected, since root may
    write anywhere): one line, exit 4, a checkpoint of the steps trained is there and a resume finishes
    (the epoch whose grid could not be written has no grid)."""
    out = tmp_path / "run"
    prelude = ("import errno, os\nreal = os.replace\n"
               "def replace(a, b):\n"
               "    if str(b).endswith('epoch_001.png'):\n"
               "        raise OSError(errno.EROFS, 'Read-only file system', str(b))\n"
               "    return real(a, b)\n"
               "os.replace = replace")
    args = ["train", "--dataset", "folder", "--data-dir", str(folder_data), "--out", str(out), *TINY]
    result = run_with(prelude, *args, "--epochs", "1")
    assert result.returncode == 4 and "Traceback" not in result.stderr, result.stderr
    line = last_line(result)
    assert f"cannot use {out / 'samples' / 'epoch_001.png'} (Read-only file system)" in line
    assert "stopped at step 3" in line and "the latest checkpoint" in line and "ckpt-3" in line
    assert not list(out.rglob(".*.tmp*")) and not (out / "samples" / "epoch_001.png").exists()
    resumed = run(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from" in resumed.stdout and "ckpt-3" in resumed.stdout and (out / "generator.keras").is_file()


def test_a_data_folder_that_vanishes_mid_run_stops_it_with_the_cause(tiny_config, tmp_path):
    import shutil

    folder = tmp_path / "images"
    fixtures.write_image_folder(folder, 48, size=32)
    data = TrainingData(load_raw("folder", data_dir=folder, image_size=32, channels=1), 32, 1, 16, seed=0)
    data.check_readable()

    def log(line):
        if line.startswith("epoch 1/"):
            shutil.rmtree(folder)

    with pytest.raises(TrainingStopped) as stopped:
        train(tiny_config, data, tmp_path / "run", progress=False, log=log)
    message = str(stopped.value)
    assert stopped.value.exit_code == 2
    assert message.startswith("epoch 2: 48 of the 48 files read did not decode (e.g. ")
    assert f"{folder} is not there any more" in message and "ckpt-3" in message
    assert "resume with --resume" in message
    assert not list((tmp_path / "run").glob("*.keras"))
