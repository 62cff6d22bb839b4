"""A quiet start (utils/startup.py): TensorFlow's C++ start-up lines are hidden, every other line still shows."""

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.test_architecture import own_imports
from utils.startup import filter_startup_lines

# What TensorFlow 2.21 printed here (2 CPU cores, no GPU) on `import tensorflow` and the first device query.
START_UP = """\
WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1796231483.966890    2874 port.cc:153] oneDNN custom operations are on. You may see slightly \
different numerical results due to floating-point round-off errors from different computation orders. To turn \
them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.
I0000 00:00:1796231483.967261    2874 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will \
not be used.
E0000 00:00:1796231488.415650    2874 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: Failed \
call to cuInit: UNKNOWN ERROR (303)
"""
NOISE_MARKS = ("cuInit", "cudart_stub", "oneDNN custom operations", "absl::InitializeLog")


def user_environment(**env) -> dict[str, str]:
    """This process's environment as a user's shell has it (conftest sets TF_CPP_MIN_LOG_LEVEL), plus `env`."""
    return {**{key: value for key, value in os.environ.items()
               if key not in ("TF_CPP_MIN_LOG_LEVEL", "DCGAN_VERBOSE")}, **env}


def python(code: str, **env):
    """Run `code` in a fresh interpreter (TensorFlow not yet imported)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=REPO,
                          env=user_environment(**env))


def noise_in(text: str) -> list[str]:
    return [line for line in text.splitlines() if any(mark in line for mark in NOISE_MARKS)]


def test_the_filter_drops_the_start_up_lines_and_keeps_everything_else():
    unknown = ("E0000 00:00:1796231488.5 2874 some_kernel.cc:12] a real C++ error\n"
               "/work/x.py:3: UserWarning: a Python warning\n"
               "Traceback (most recent call last):\n")
    assert filter_startup_lines(START_UP) == ""
    assert filter_startup_lines(START_UP + unknown) == unknown
    assert filter_startup_lines(unknown + START_UP + "last line, no newline") == unknown + "last line, no newline"
    # With a CUDA driver found, a failing cuInit is a real problem: it stays.
    cuinit = START_UP.splitlines(keepends=True)[-1]
    assert filter_startup_lines(cuinit) == cuinit


def test_startup_imports_nothing_of_the_project():
    assert own_imports(REPO / "utils" / "startup.py") == []


def test_generate_prints_no_start_up_lines_and_verbose_brings_them_back(tmp_path, mnist_dir):
    command, environment = [sys.executable, str(REPO / "dcgan.py")], user_environment()
    run = tmp_path / "run"
    train = subprocess.run([*command, "train", "--dataset", "mnist", "--data-dir", str(mnist_dir), "--epochs", "1",
                            "--out", str(run), "--width", "8", "--batch-size", "16", "--no-progress"],
                           capture_output=True, text=True, timeout=300, cwd=REPO, env=environment)
    assert train.returncode == 0, train.stderr
    assert noise_in(train.stderr) == []
    generate = [*command, "generate", "--model", str(run), "--n", "4", "--out", str(tmp_path / "x.png")]
    quiet = subprocess.run(generate, capture_output=True, text=True, timeout=300, cwd=REPO, env=environment)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    # What TensorFlow itself prints here; where it prints none of it, there is nothing to bring back.
    plain = python("import tensorflow as tf; tf.config.list_physical_devices()", TF_ENABLE_ONEDNN_OPTS="1")
    if not noise_in(plain.stderr):
        pytest.skip("TensorFlow prints no start-up lines on this machine")
    marks = {mark for mark in NOISE_MARKS if mark in plain.stderr}
    verbose = subprocess.run([*generate[:2], "--verbose", *generate[2:]], capture_output=True, text=True,
                             timeout=300, cwd=REPO, env=environment)
    variable = subprocess.run(generate, capture_output=True, text=True, timeout=300, cwd=REPO,
                              env=user_environment(DCGAN_VERBOSE="1"))
    for result in (verbose, variable):
        assert result.returncode == 0, result.stderr
        assert {mark for mark in NOISE_MARKS if mark in result.stderr} == marks


def test_a_line_written_to_stderr_during_the_guarded_import_still_shows():
    """C++ writes to file descriptor 2 and Python warnings during the import reach stderr; the noise does not."""
    result = python(
        "import os, sys, warnings\n"
        "sys.path.insert(0, '.')\n"
        "from utils import startup\n"
        "with startup.filtered_stderr():\n"
        "    os.write(2, b'E0000 00:00:1.5 1 kernel.cc:1] a real error\\n')\n"
        "    warnings.warn('a Python warning')\n"
        "    import tensorflow as tf\n"
        "    tf.config.list_physical_devices()\n"
        "print('imported', file=sys.stderr)\n", TF_CPP_MIN_LOG_LEVEL="2")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "E0000 00:00:1.5 1 kernel.cc:1] a real error"
    assert "UserWarning: a Python warning" in lines[1]
    assert lines[-1] == "imported" and noise_in(result.stderr) == []


def test_a_failing_import_still_shows_its_traceback():
    result = python("import sys; sys.path.insert(0, '.')\n"
                    "from utils import startup\n"
                    "with startup.filtered_stderr():\n"
                    "    import a_module_that_does_not_exist\n")
    assert result.returncode == 1
    assert "ModuleNotFoundError: No module named 'a_module_that_does_not_exist'" in result.stderr
