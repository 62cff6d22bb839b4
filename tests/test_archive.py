"""Safe archive extraction: path traversal and escaping links are refused before anything is written."""

import io
import tarfile
import zipfile

import pytest

from utils.data import archive


def _add(bundle, name, data=b"x", kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, link, len(data) if kind == tarfile.REGTYPE else 0
    bundle.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def test_good_archives_extract(tmp_path):
    with tarfile.open(tmp_path / "good.tar.gz", "w:gz") as bundle:
        _add(bundle, "top/a.txt", b"hello")
        _add(bundle, "top/link", kind=tarfile.SYMTYPE, link="a.txt")
    with zipfile.ZipFile(tmp_path / "good.zip", "w") as bundle:
        bundle.writestr("top/sub/b.txt", "world")
    archive.safe_extract(tmp_path / "good.tar.gz", tmp_path / "out")
    archive.safe_extract(tmp_path / "good.zip", tmp_path / "out")
    assert (tmp_path / "out" / "top" / "a.txt").read_bytes() == b"hello"
    assert (tmp_path / "out" / "top" / "sub" / "b.txt").read_text() == "world"


@pytest.mark.parametrize("name", ["../evil.txt", "top/../../evil.txt", "/tmp/evil.txt"])
def test_traversal_is_refused_and_nothing_written(tmp_path, name):
    target = tmp_path / "deep" / "target"
    with tarfile.open(tmp_path / "bad.tar", "w") as bundle:
        _add(bundle, "fine.txt")
        _add(bundle, name)
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as bundle:
        bundle.writestr("fine.txt", "x")
        bundle.writestr(name, "x")
    for path in (tmp_path / "bad.tar", tmp_path / "bad.zip"):
        with pytest.raises(ValueError, match="unsafe"):
            archive.safe_extract(path, target)
    assert not target.exists()  # not even the harmless member
    assert not (tmp_path / "deep" / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()


@pytest.mark.parametrize("kind,link", [(tarfile.SYMTYPE, "../../outside"), (tarfile.SYMTYPE, "/etc/passwd"),
                                       (tarfile.LNKTYPE, "../outside")])
def test_links_pointing_out_are_refused(tmp_path, kind, link):
    with tarfile.open(tmp_path / "links.tar", "w") as bundle:
        _add(bundle, "top/link", kind=kind, link=link)
    with pytest.raises(ValueError, match="outside"):
        archive.safe_extract(tmp_path / "links.tar", tmp_path / "target")
    assert not (tmp_path / "target").exists()


def test_zip_symlink_and_non_archive(tmp_path):
    info = zipfile.ZipInfo("link")
    info.external_attr = (0o120777 << 16)
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as bundle:
        bundle.writestr(info, "../../outside")
    with pytest.raises(ValueError, match="symlink"):
        archive.safe_extract(tmp_path / "link.zip", tmp_path / "target")
    (tmp_path / "plain.txt").write_text("hello")
    with pytest.raises(ValueError, match="not a zip or tar"):
        archive.check_members(tmp_path / "plain.txt")


def test_command_line(tmp_path):
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as bundle:
        bundle.writestr("../evil.txt", "x")
    assert archive.main([str(tmp_path / "bad.zip"), str(tmp_path / "out")]) == 2
    assert archive.main([]) == 2
