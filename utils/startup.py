"""A quiet start: import TensorFlow without the C++ lines it prints on a machine without a GPU.

TensorFlow 2.21 logs through absl before `absl::InitializeLog()` has run, and such lines go straight
to file descriptor 2 whatever TF_CPP_MIN_LOG_LEVEL says (level 3 hides the cuInit error but none of
the info lines, and would hide real C++ errors too; tensorflow/tensorflow#100442 is still open and
neither TensorFlow nor absl offers a setting for them). On a CPU machine that is, before the first
useful line:

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:... port.cc:153] oneDNN custom operations are on. ...
    I0000 00:00:... cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.
    (the three again, from TensorFlow's second shared library)
    E0000 00:00:... cuda_platform.cc:52] failed call to cuInit: ... UNKNOWN ERROR (303)

`import_tensorflow()` points file descriptor 2 at a temporary file around `import tensorflow` and
the first device initialisation (`tf.config.list_physical_devices()`, which calls cuInit), puts it
back, and writes back every captured line that is not one of those (`NOISE`): C++ errors, Python
warnings and a traceback of a failed import still reach stderr, only after the import instead of
during it. The cuInit error counts as noise only next to cudart_stub's "Could not find cuda drivers"
(no driver at all); with a driver installed, a failing cuInit is a real problem and is shown. A hard
crash inside the import (an abort) would lose the captured text: `faulthandler` then still names the
crash on the real stderr, and DCGAN_VERBOSE=1 shows everything.

Verbose (`verbose=True`, `dcgan.py --verbose`, or DCGAN_VERBOSE set to anything but "" or "0"):
nothing is captured and TF_CPP_MIN_LOG_LEVEL keeps TensorFlow's own default, so every C++ line
shows as TensorFlow prints it. Otherwise TF_CPP_MIN_LOG_LEVEL defaults to 2 (TensorFlow's later
info and warning lines hidden). Either way TF_ENABLE_ONEDNN_OPTS defaults to 1 (oneDNN kernels,
off by default on some CPUs, are much faster on this workload); a value the user set always wins.

A leaf module: imports nothing of the project, so dcgan.py, the notebooks and the tests can call
it before anything else imports TensorFlow.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import re
import sys
import tempfile

VERBOSE_VARIABLE = "DCGAN_VERBOSE"

# The start-up lines TensorFlow 2.21 prints on a machine without a GPU, matched after the log prefix.
NOISE = (
    re.compile(r"^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$"),
    re.compile(r"\bport\.cc:\d+\] oneDNN custom operations are (?:on|off)\b"),
    re.compile(r"\bcudart_stub\.cc:\d+\] Could not find cuda drivers on your machine, GPU will not be used\."),
)
NO_CUDA_DRIVER = NOISE[2]
CUINIT_FAILED = re.compile(r"\bcuda_platform\.cc:\d+\] failed call to cuInit: ")


def verbose_requested(verbose: bool | None = None) -> bool:
    """`verbose` if given, else whether DCGAN_VERBOSE is set to anything but "" or "0"."""
    if verbose is not None:
        return verbose
    return os.environ.get(VERBOSE_VARIABLE, "") not in ("", "0")


def filter_startup_lines(text: str) -> str:
    """`text` (what reached file descriptor 2) without TensorFlow's known start-up lines; other lines kept as they were."""
    lines = text.splitlines(keepends=True)
    no_driver = any(NO_CUDA_DRIVER.search(line) for line in lines)
    kept = [line for line in lines
            if not any(pattern.search(line.rstrip("\n")) for pattern in NOISE)
            and not (no_driver and CUINIT_FAILED.search(line))]
    return "".join(kept)


@contextlib.contextmanager
def filtered_stderr():
    """Inside the block, file descriptor 2 goes to a temporary file; afterwards the lines that are not
    start-up noise are written to the real one (also when the block raises)."""
    sys.stderr.flush()
    try:
        real_stderr = os.dup(2)
    except OSError:   # no file descriptor 2 (a detached process): nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        # Python's own writes to sys.stderr go to the same descriptor: captured and written back too.
        # A crash in C++ (an abort) still names itself on the real stderr (unless a crash reporter,
        # pytest's say, is already on: it keeps its own file).
        report_crashes = not faulthandler.is_enabled()
        if report_crashes:
            faulthandler.enable(file=real_stderr)
        try:
            yield
        finally:
            sys.stderr.flush()
            if report_crashes:
                faulthandler.disable()
            os.dup2(real_stderr, 2)
            capture.seek(0)
            kept = filter_startup_lines(capture.read().decode(errors="replace"))
            if kept:
                os.write(2, kept.encode())
            os.close(real_stderr)


def import_tensorflow(verbose: bool | None = None):
    """`import tensorflow` and its first device initialisation without the start-up lines; returns the module.

    Does nothing new (and hides nothing) if TensorFlow is already imported.
    """
    verbose = verbose_requested(verbose)
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    if not verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" in sys.modules or verbose:
        import tensorflow as tf

        return tf
    with filtered_stderr():
        import tensorflow as tf

        tf.config.list_physical_devices()
    return tf
