"""Writing files so that a crash never leaves a half-written one under the final name."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary name beside `path` to write to; it becomes `path` (an atomic rename) only if the
    block completes, and is removed if it fails. The temporary name keeps the extension
    (`samples.tmp.npy`), since writers such as Keras, NumPy and matplotlib choose the format by it."""
    path = Path(path)
    temporary = path.with_name(f"{path.stem}.tmp{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
