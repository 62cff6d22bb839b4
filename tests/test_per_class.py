"""train --per-class: one resumable run per class under one parent, the gallery, generate --class."""

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO
from utils.training import per_class


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    from utils.data.idx import write_mnist_fixture

    return write_mnist_fixture(tmp_path_factory.mktemp("mnist400"), num_images=400)


def run(*args):
    return subprocess.run([sys.executable, str(REPO / "dcgan.py"), *args], capture_output=True, text=True,
                          timeout=300, cwd=REPO)


def test_one_run_per_class_a_gallery_generate_and_resume(data_dir, tmp_path):
    out = tmp_path / "classes"
    common = ["--dataset", "mnist", "--data-dir", str(data_dir), "--per-class", "--classes", "3,7", "--width", "8",
              "--batch-size", "8", "--limit", "16", "--no-progress", "--out", str(out)]
    result = run("train", *common, "--epochs", "1")
    assert result.returncode == 0, result.stderr
    record = json.loads((out / "config.json").read_text())["per_class"]
    assert record == {"labels": [3, 7], "names": ["3", "7"], "runs": ["class_3_3", "class_7_7"]}
    for label in (3, 7):
        child = out / f"class_{label}_{label}"
        config = json.loads((child / "config.json").read_text())
        assert config["classes"] == [label] and config["limit"] == 16
        assert (child / "generator.keras").is_file() and (child / "progress.gif").is_file()
        assert len((child / "history.csv").read_text().splitlines()) == 1 + 2   # 16 images of the class, batches of 8
    assert (out / "gallery.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and not (out / "samples").exists()

    result = run("generate", "--model", str(out), "--class", "7", "--n", "5", "--out", str(tmp_path / "c7.npy"))
    assert result.returncode == 0, result.stderr
    direct = run("generate", "--model", str(out / "class_7_7"), "--n", "5", "--out", str(tmp_path / "direct.npy"))
    assert direct.returncode == 0
    np.testing.assert_array_equal(np.load(tmp_path / "c7.npy"), np.load(tmp_path / "direct.npy"))
    result = run("generate", "--model", str(out), "--out", str(tmp_path / "rows.png"))
    assert result.returncode == 0 and "2 rows of 10 samples, one per class" in result.stdout, result.stderr
    result = run("generate", "--model", str(out), "--class", "4", "--out", str(tmp_path / "c4.png"))
    assert result.returncode == 2 and "has classes 3, 7" in result.stderr

    # Resuming the parent (without --per-class) trains every class further; no class is started again.
    result = run("train", "--resume", "--out", str(out), "--data-dir", str(data_dir), "--epochs", "2", "--no-progress")
    assert result.returncode == 0, result.stderr
    for label in (3, 7):
        steps = [line.split(",")[0] for line in (out / f"class_{label}_{label}" / "history.csv").read_text().splitlines()[1:]]
        assert steps == ["1", "2", "3", "4"]
    # gallery.gif: a frame per epoch, each the top-left 4x4 samples of both classes' grids of that epoch
    from PIL import Image

    gif = Image.open(out / "gallery.gif")
    assert gif.n_frames == 2 and gif.size == (2 * (4 * 34 + 2), 2 * 14 + 4 * 34 + 2)
    gif.seek(1)
    frame = np.asarray(gif.convert("L"))[14:14 + 138, 138:276]   # class 7's corner at epoch 2
    grid = np.asarray(Image.open(out / "class_7_7" / "samples" / "epoch_002.png").convert("L"))
    np.testing.assert_array_equal(frame, grid[:276:2, :276:2])


def test_per_class_refuses_what_it_cannot_do(data_dir, tmp_path):
    result = run("train", "--dataset", "mnist", "--data-dir", str(data_dir), "--per-class", "--fid-every", "1",
                 "--out", str(tmp_path / "x"))
    assert result.returncode == 2 and "--metrics domain" in result.stderr.strip().splitlines()[-1]


def test_class_names_and_folder_names():
    assert per_class.class_name("fashion_mnist", 0) == "T-shirt/top" and per_class.class_name("cifar10", 3) == "cat"
    assert per_class.class_name("svhn", 4) == "4"
    assert per_class.child_name(0, "T-shirt/top") == "class_0_t-shirt_top"


def test_evaluate_gives_each_class_its_share_judged_as_that_class(data_dir, tmp_path):
    out = tmp_path / "classes"
    result = run("train", "--dataset", "mnist", "--data-dir", str(data_dir), "--per-class", "--classes", "1,2",
                 "--width", "8", "--batch-size", "8", "--limit", "8", "--epochs", "1", "--no-progress", "--out", str(out))
    assert result.returncode == 0, result.stderr
    result = run("evaluate", "--model", str(out), "--data-dir", str(data_dir), "--metrics", "domain",
                 "--num-samples", "50", "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    results = json.loads((tmp_path / "r.json").read_text())
    assert set(results["classes"]) == {"1", "2"} and results["samples_per_class"] == 50
    shares = [entry["judged_as_its_class"] for entry in results["classes"].values()]
    assert all(0.0 <= share <= 1.0 for share in shares)
    assert results["mean_judged_as_its_class"] == pytest.approx(sum(shares) / 2)
    assert "class 1 (1): " in result.stdout and "samples judged 1" in result.stdout
    result = run("evaluate", "--model", str(out), "--metrics", "fid")
    assert result.returncode == 2 and "--metrics domain" in result.stderr


def test_evaluate_scores_every_class_together_by_fid(data_dir, tmp_path):
    """evaluate --metrics domain,fid,kid on a per-class run: the same number of samples from each class's
    G, scored together against the test set; it equals evaluate --samples on those very samples."""
    import numpy as np

    from utils.evaluation import fid
    from utils.pictures.samples import generate_fake_samples
    from utils.training.checkpoints import load_networks

    out = tmp_path / "classes"
    result = run("train", "--dataset", "mnist", "--data-dir", str(data_dir), "--per-class", "--classes", "1,2",
                 "--width", "8", "--batch-size", "8", "--limit", "8", "--epochs", "1", "--no-progress", "--out", str(out))
    assert result.returncode == 0, result.stderr
    cache = ["--cache-dir", str(tmp_path / "cache"), "--data-dir", str(data_dir)]
    result = run("evaluate", "--model", str(out), "--metrics", "domain,fid,kid", "--num-samples", "40",
                 "--allow-few-samples", *cache, "--out", str(tmp_path / "r.json"))
    assert result.returncode == 0, result.stderr
    results = json.loads((tmp_path / "r.json").read_text())
    assert set(results["classes"]) == {"1", "2"} and results["fid"] > 0 and "kid" in results
    together = np.concatenate([fid.generated_to_pixels(
        generate_fake_samples(load_networks(per_class.child_dir(out, label))[0], 40, seed=0)[0], "mnist")
        for label in (1, 2)]).astype(np.uint8)
    np.save(tmp_path / "together.npy", together)
    result = run("evaluate", "--samples", str(tmp_path / "together.npy"), "--dataset", "mnist", "--metrics", "fid",
                 "--allow-few-samples", *cache, "--out", str(tmp_path / "s.json"))
    assert result.returncode == 0, result.stderr
    assert results["fid"] == pytest.approx(json.loads((tmp_path / "s.json").read_text())["fid"], rel=1e-3)
    result = run("evaluate", "--model", str(out), "--metrics", "domain,fid", "--num-samples", "40", *cache)
    assert result.returncode == 2 and "at least 2048 samples in all" in result.stderr
