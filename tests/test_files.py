"""Atomic writes: the final name holds either the old file or the complete new one."""

import pytest

from utils.files import atomic_path


def test_the_file_appears_only_when_the_write_completes(tmp_path):
    target = tmp_path / "history.csv"
    target.write_text("old")
    with atomic_path(target) as temporary:
        assert temporary.name == "history.tmp.csv" and temporary.parent == tmp_path
        temporary.write_text("new")
        assert target.read_text() == "old"
    assert target.read_text() == "new" and not temporary.exists()


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "samples.npy"
    target.write_text("old")
    with pytest.raises(OSError, match="disk full"):
        with atomic_path(target) as temporary:
            temporary.write_text("half")
            raise OSError("disk full")
    assert target.read_text() == "old" and sorted(path.name for path in tmp_path.iterdir()) == ["samples.npy"]
