"""The download scripts: syntax, shellcheck, and the shared fetch/verify logic on file:// mirrors."""

import gzip
import hashlib
import shutil
import subprocess

import pytest

from tests.conftest import REPO

SCRIPTS = sorted((REPO / "datasets").glob("*.sh"))


def test_every_dataset_has_a_download_script():
    from utils.data import dataset_names

    names = {path.stem.removeprefix("download_") for path in SCRIPTS}
    assert set(dataset_names()) - {"folder"} <= names


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_bash_syntax(script):
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed (make test installs it)")
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_shellcheck(script):
    result = subprocess.run(["shellcheck", "-x", f"datasets/{script.name}"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout


def fetch(file, check, *urls):
    command = f'source "{REPO}/datasets/_common.sh"; fetch "$@"'
    return subprocess.run(["bash", "-c", command, "fetch", str(file), check, *urls], capture_output=True, text=True)


@pytest.fixture
def mirror(tmp_path):
    folder = tmp_path / "mirror"
    folder.mkdir()
    content = bytes(range(256)) * 40
    (folder / "data.gz").write_bytes(gzip.compress(content))
    return folder, hashlib.sha256(content).hexdigest()


def test_fetch_verifies_falls_back_and_skips_what_it_has(mirror, tmp_path):
    folder, content_sha = mirror
    target = tmp_path / "out" / "data.gz"
    result = fetch(target, f"content-sha256:{content_sha}", "file:///nonexistent/data.gz", f"file://{folder}/data.gz")
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == (folder / "data.gz").read_bytes()
    assert not (target.parent / "data.gz.part").exists()
    again = fetch(target, f"content-sha256:{content_sha}", "file:///nonexistent/data.gz")
    assert again.returncode == 0 and "already verified" in again.stdout


def test_a_wrong_checksum_never_lands_under_the_final_name(mirror, tmp_path):
    folder, _ = mirror
    target = tmp_path / "out" / "data.gz"
    result = fetch(target, "md5:" + "0" * 32, f"file://{folder}/data.gz")
    assert result.returncode == 1 and "did not verify" in result.stderr
    assert not target.exists() and not (target.parent / "data.gz.part").exists()


def test_md5_and_sha256_checks(mirror, tmp_path):
    folder, _ = mirror
    data = (folder / "data.gz").read_bytes()
    for check in (f"md5:{hashlib.md5(data).hexdigest()}", f"sha256:{hashlib.sha256(data).hexdigest()}"):
        target = tmp_path / check[:3] / "data.gz"
        assert fetch(target, check, f"file://{folder}/data.gz").returncode == 0
        assert target.is_file()
