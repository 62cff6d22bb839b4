"""The user's mistakes, told apart from the code's.

A `UsageError` is something the user can fix: a flag, a file, a folder, a dataset. The front doors
(`dcgan.py`, the notebooks' helpers) print its message as one line and exit with code 2; every other
exception is a bug and keeps its traceback. `UsageError` is a `ValueError` and `MissingError` a
`FileNotFoundError` too, so code that catches those keeps working.

This module imports nothing, so every layer may raise them (model/ included).
"""

from __future__ import annotations

import errno


class UsageError(ValueError):
    """A mistake the user can fix; the message names the cause and the fix in one line."""


class MissingError(UsageError, FileNotFoundError):
    """A file or folder the user named (or the command needs) is not there."""


# Errors of the machine around the run, not of the code: each is told as one line and the run's files
# written so far stay (they are all written atomically, see utils.files).
ENVIRONMENT_ERRNOS = {
    errno.ENOSPC: "the disk is full; free some space",
    errno.EDQUOT: "the disk quota is used up; free some space",
    errno.EFBIG: "the file size limit is reached (ulimit -f); raise it or free some space",
    errno.EROFS: "the file system is read-only; choose a writable folder",
    errno.EACCES: "permission denied; choose a folder you can write to, or fix its permissions",
    errno.EPERM: "operation not permitted; choose a folder you can write to, or fix its permissions",
    errno.ENOENT: "it does not exist (any more?); check the path",
    errno.ENOTDIR: "a part of the path is not a folder; check the path",
}


def environment_message(error: OSError) -> str | None:
    """One line for an OSError of the machine around the run (full disk, read-only or vanished folder),
    or None for an error that is not one of those."""
    hint = ENVIRONMENT_ERRNOS.get(error.errno)
    if hint is None:
        return None
    where = f" {error.filename}" if error.filename else ""
    return f"cannot use{where} ({error.strerror or error}): {hint}"
