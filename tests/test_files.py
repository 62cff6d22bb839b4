"""Atomic, durable writes: the final name holds either the old file or the complete new one."""

import os

import pytest

from utils import files
from utils.files import atomic_path, write_atomic


def test_the_file_appears_only_when_the_write_completes(tmp_path):
    target = tmp_path / "history.csv"
    target.write_text("old")
    with atomic_path(target) as temporary:
        assert temporary.parent == tmp_path and temporary.name.startswith(".history.")
        assert temporary.name.endswith(".tmp.csv")   # the writer still sees the extension
        temporary.write_text("new")
        assert target.read_text() == "old"
    assert target.read_text() == "new" and not temporary.exists()
    assert target.stat().st_mode & 0o777 == 0o666 & ~files._UMASK   # not mkstemp's private 0600


def test_two_writers_of_one_file_never_share_a_temporary_name(tmp_path):
    target = tmp_path / "config.json"
    with atomic_path(target) as first, atomic_path(target) as second:
        assert first != second
        first.write_text("first")
        second.write_text("second")
    assert target.read_text() == "first"   # the outer block finishes last
    assert sorted(path.name for path in tmp_path.iterdir()) == ["config.json"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "samples.npy"
    target.write_text("old")
    with pytest.raises(OSError, match="disk full"):
        with atomic_path(target) as temporary:
            temporary.write_text("half")
            raise OSError("disk full")
    assert target.read_text() == "old" and sorted(path.name for path in tmp_path.iterdir()) == ["samples.npy"]


def test_an_error_without_a_file_name_gets_the_final_name(tmp_path):
    with pytest.raises(OSError) as raised:
        with atomic_path(tmp_path / "grid.png"):
            raise OSError(27, "File too large")
    assert raised.value.filename == str(tmp_path / "grid.png") and raised.value.errno == 27


def test_the_file_and_then_its_folder_are_fsynced_around_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(files.os, "fsync", lambda fd: (events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}"))),
                                                        real_fsync(fd))[1])
    monkeypatch.setattr(files.os, "replace", lambda a, b: (events.append(("rename", str(b))), real_replace(a, b))[1])
    write_atomic(tmp_path / "data.json", "{}\n")
    kinds = [kind for kind, _ in events]
    assert kinds == ["fsync", "rename", "fsync"], events
    assert events[0][1].endswith(".tmp.json") and events[1][1] == str(tmp_path / "data.json")
    assert events[2][1] == str(tmp_path)
    assert (tmp_path / "data.json").read_text() == "{}\n"


def test_leftover_temporaries_of_a_killed_write_are_removed(tmp_path):
    """What a kill -9 inside atomic_path leaves (its hidden temporary) is cleared; the run's own files stay."""
    from utils.files import remove_leftover_temporaries

    for name in ("history.csv", "epoch_001.png", ".hidden_by_the_user", ".epoch_003.tmp.png", "notes.tmp.txt"):
        (tmp_path / name).write_text("x")
    with atomic_path(tmp_path / "epoch_002.png") as temporary:
        left = temporary   # the name a writer killed before its rename leaves behind
        temporary.write_text("whole")
    left.write_text("half")   # as if the process had died before the rename
    removed = remove_leftover_temporaries(tmp_path)
    assert removed == [left] and not left.exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        ".epoch_003.tmp.png", ".hidden_by_the_user", "epoch_001.png", "epoch_002.png", "history.csv", "notes.tmp.txt"]
