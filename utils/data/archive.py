"""Safe extraction of downloaded .zip and .tar(.gz) archives.

Every member is checked before anything is written: absolute paths, '..' components, drive
letters, device files, and symlinks or hard links that point outside the target folder are
refused with ValueError ("zip slip", CVE-2007-4559; see the `tarfile` security warning and
extraction filters in https://docs.python.org/3/library/tarfile.html#extraction-filters).
The download scripts run it as `python3 utils/data/archive.py ARCHIVE TARGET` (standard library only,
so it works before the project's virtual environment exists).
"""

from __future__ import annotations

import posixpath
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

from utils.errors import UsageError


def _check_name(archive: Path, name: str) -> str:
    """The member name, normalised; ValueError when it would land outside the target."""
    cleaned = name.replace("\\", "/")
    if (cleaned.startswith("/") or (len(cleaned) > 1 and cleaned[1] == ":")
            or ".." in cleaned.split("/") or "\x00" in cleaned):
        raise UsageError(f"{archive}: unsafe member {name!r} (absolute path or '..'); refusing to extract")
    return posixpath.normpath(cleaned)


def _check_link(archive: Path, member: tarfile.TarInfo) -> None:
    if member.issym():
        target = posixpath.normpath(posixpath.join(posixpath.dirname(member.name), member.linkname))
    else:
        target = posixpath.normpath(member.linkname)
    if member.linkname.startswith("/") or target == ".." or target.startswith("../"):
        raise UsageError(f"{archive}: link {member.name!r} -> {member.linkname!r} points outside the "
                         "target folder; refusing to extract")


def check_members(archive: str | Path) -> list[str]:
    """The member names of a zip or tar archive, after checking every one is safe to extract."""
    archive = Path(archive)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as bundle:
            names = []
            for info in bundle.infolist():
                names.append(_check_name(archive, info.filename))
                mode = info.external_attr >> 16
                if (mode & 0o170000) == 0o120000:  # a symlink stored in a zip by Info-ZIP
                    raise UsageError(f"{archive}: symlink member {info.filename!r}; refusing to extract")
            return names
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as bundle:
            names = []
            for member in bundle.getmembers():
                names.append(_check_name(archive, member.name))
                if member.issym() or member.islnk():
                    _check_link(archive, member)
                elif not (member.isfile() or member.isdir()):
                    raise UsageError(f"{archive}: special file {member.name!r}; refusing to extract")
            return names
    raise UsageError(f"{archive}: not a zip or tar archive")


def safe_extract(archive: str | Path, target: str | Path) -> Path:
    """Extract `archive` into `target` (created) after `check_members`; returns the target folder.

    Nothing is written when any member is unsafe. Links inside tar archives are extracted as
    links only when they stay inside the target.
    """
    archive, target = Path(archive), Path(target)
    check_members(archive)
    target.mkdir(parents=True, exist_ok=True)
    root = target.resolve()
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as bundle:
            for info in bundle.infolist():
                destination = (root / _check_name(archive, info.filename)).resolve()
                if root not in destination.parents and destination != root:
                    raise UsageError(f"{archive}: member {info.filename!r} escapes {target}")
                if info.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(info) as source, open(destination, "wb") as sink:
                    shutil.copyfileobj(source, sink)
        return target
    with tarfile.open(archive) as bundle:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.12 (and security backports)
            bundle.extractall(root, filter="data")
        else:  # members were checked above
            bundle.extractall(root)
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m utils.data.archive ARCHIVE TARGET_FOLDER", file=sys.stderr)
        return 2
    try:
        safe_extract(argv[0], argv[1])
    except (ValueError, OSError, tarfile.TarError, zipfile.BadZipFile) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
