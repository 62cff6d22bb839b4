"""Durable, atomic writes: a run's files hold either their old content or the complete new one.

Every file of a run directory (config, latent batch, data record, history, grids, models, GIF, results)
is written through `atomic_path`, or `write_atomic` for text: the writer fills a temporary file with a
unique name in the same folder, which is flushed to the disk (fsync), renamed over the final name (an
atomic step on POSIX file systems) and followed by an fsync of the folder, so that the rename itself
survives a power cut. A kill at any moment leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

_UMASK = os.umask(0)   # read once (it can only be read by setting it), and put back at once
os.umask(_UMASK)


def _fsync_path(path: Path, directory: bool = False) -> None:
    descriptor = os.open(path, os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0))
    try:
        os.fsync(descriptor)
    except OSError:   # some file systems cannot fsync a folder; the rename is still atomic there
        if not directory:
            raise
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary name beside `path` to write to; it becomes `path` (fsynced, renamed, folder
    fsynced) only if the block completes, and is removed if it fails.

    The name is unique (two writers never share it) and hidden (`.history.k2x9a1.tmp.csv`: no glob of
    the run's files sees it), and keeps the extension, since writers such as Keras, NumPy and
    matplotlib choose the format by it.
    """
    path = Path(path)
    descriptor, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(descriptor)
    temporary = Path(name)
    try:
        os.chmod(temporary, 0o666 & ~_UMASK)   # mkstemp's 0600 would make the run's files private
        yield temporary
        _fsync_path(temporary)
        os.replace(temporary, path)
        _fsync_path(path.parent, directory=True)
    except OSError as error:
        if error.filename:
            raise
        # Writers such as PIL and matplotlib lose the name; the line the user reads needs it.
        raise OSError(error.errno, error.strerror or str(error), str(path)) from error
    finally:
        temporary.unlink(missing_ok=True)


def write_atomic(path: str | Path, text: str) -> None:
    """Write `text` to `path` through `atomic_path`."""
    with atomic_path(path) as temporary:
        temporary.write_text(text)


# `atomic_path`'s temporary names: ".<stem>.<mkstemp's 8 random characters>.tmp<suffix>".
_TEMPORARY = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp(\.[^./]+)?$")


def remove_leftover_temporaries(folder: str | Path) -> list[Path]:
    """Delete the temporaries that a process killed in the middle of `atomic_path` left in `folder` (not
    its subfolders); call it only where no other process is writing. Returns what was removed."""
    removed = []
    for path in Path(folder).iterdir() if Path(folder).is_dir() else ():
        if path.is_file() and _TEMPORARY.match(path.name):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
