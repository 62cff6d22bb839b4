"""The FID/KID protocol (utils.evaluation.fid): resizing, cropping, sample checks, caching, and the CLI."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from utils.evaluation import fid

REPO = Path(__file__).resolve().parents[1]


def tf1_bilinear(image: np.ndarray, size: int) -> np.ndarray:
    """TF1's resize_bilinear(align_corners=False, half_pixel_centers=False) written out: the output pixel
    i samples the input at i * in / out (no half-pixel shift), clamped at the last row and column."""
    height, width = image.shape[:2]
    rows, cols = np.arange(size) * height / size, np.arange(size) * width / size
    top, left = np.floor(rows).astype(int), np.floor(cols).astype(int)
    bottom, right = np.minimum(top + 1, height - 1), np.minimum(left + 1, width - 1)
    dy, dx = (rows - top)[:, None, None], (cols - left)[None, :, None]
    upper = image[top][:, left] * (1 - dx) + image[top][:, right] * dx
    lower = image[bottom][:, left] * (1 - dx) + image[bottom][:, right] * dx
    return upper * (1 - dy) + lower * dy


def test_the_protocol_resize_is_tf1_bilinear_without_half_pixel_centres():
    image = np.random.default_rng(0).uniform(0, 255, (1, 28, 28, 1)).astype(np.float32)
    resized = fid.to_inception_input(image, "compare_gan").numpy()
    assert resized.shape == (1, 299, 299, 3)
    expected = tf1_bilinear(image[0].astype(np.float64), 299)[..., 0]
    np.testing.assert_allclose(resized[0, ..., 0], expected, atol=1e-3)
    np.testing.assert_array_equal(resized[0, ..., 0], resized[0, ..., 2])   # grayscale repeated


def test_clean_resize_rounds_to_8_bits_and_differs_from_the_protocol():
    image = np.full((1, 28, 28, 1), 100.4, np.float32)
    assert float(fid.to_inception_input(image, "clean").numpy().max()) == pytest.approx(100.0)
    assert float(fid.to_inception_input(image, "compare_gan").numpy().max()) == pytest.approx(100.4, abs=1e-4)
    varied = np.random.default_rng(1).uniform(0, 255, (1, 28, 28, 3)).astype(np.float32)
    assert not np.allclose(fid.to_inception_input(varied, "clean"), fid.to_inception_input(varied, "compare_gan"))
    with pytest.raises(ValueError, match="unknown resize"):
        fid.to_inception_input(image, "lanczos")


def test_generated_images_lose_their_padding_and_are_not_rounded():
    images = np.full((2, 32, 32, 1), -1.0, np.float32)
    images[:, 2:30, 2:30] = 0.001
    pixels = fid.generated_to_pixels(images, "fashion_mnist")
    assert pixels.shape == (2, 28, 28, 1) and pixels.dtype == np.float32
    assert np.allclose(pixels, 127.5 * 1.001)                     # unrounded
    assert fid.generated_to_pixels(images, "cifar10").shape == (2, 32, 32, 1)   # other datasets keep their size


def test_protocols():
    assert fid.protocol_for("fashion_mnist") == {"name": "lucic2018", "split": "test", "num_samples": 10_000,
                                                 "image_size": 28}
    assert fid.protocol_for("cifar10")["split"] == "train" and fid.protocol_for("celeba")["num_samples"] == 50_000


@pytest.mark.parametrize("images,message", [
    (np.zeros((3000, 28, 28, 1), np.float32), "must be uint8"),
    (np.zeros((3000, 28, 28, 2), np.uint8), "must be (N, H, W)"),
    (np.zeros((3000, 28), np.uint8), "must be (N, H, W)"),
    (np.zeros((100, 28, 28, 1), np.uint8), "needs at least 2048"),
])
def test_bad_samples_are_refused_with_the_fix(images, message):
    with pytest.raises(fid.SampleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fid.check_samples(images, "fashion_mnist")


def test_samples_from_generate_are_cropped_and_few_are_allowed_when_asked():
    checked = fid.check_samples(np.zeros((10, 32, 32), np.uint8), "mnist", allow_few=True)
    assert checked.shape == (10, 28, 28, 1)
    assert fid.check_samples(np.zeros((10, 64, 64, 3), np.uint8), "celeba", allow_few=True).shape == (10, 64, 64, 3)


def test_samples_load_from_npy_without_pickle_and_from_a_folder(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28), dtype=np.uint8)
    np.save(tmp_path / "samples.npy", images)
    np.testing.assert_array_equal(fid.load_samples(tmp_path / "samples.npy"), images)
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(fid.SampleError, match="not a plain .npy"):
        fid.load_samples(tmp_path / "objects.npy")
    folder = tmp_path / "pngs"
    folder.mkdir()
    for index, image in enumerate(images):
        Image.fromarray(image).save(folder / f"{index:03d}.png")
    np.testing.assert_array_equal(fid.load_samples(folder), images)
    with pytest.raises(fid.SampleError, match="a .npy file or a folder"):
        fid.load_samples(tmp_path / "samples.txt")


def test_real_features_are_computed_once_then_read_from_the_cache(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return np.arange(6, dtype=np.float64).reshape(3, 2) / 7

    first = fid.cached_features("key", compute, tmp_path)
    second = fid.cached_features("key", compute, tmp_path)
    assert len(calls) == 1 and first.dtype == np.float32
    np.testing.assert_array_equal(first, second)
    assert [path.name for path in tmp_path.iterdir()] == ["key.npy"]


def test_scores_of_a_set_against_itself_are_zero_and_grow_with_a_shift():
    features = np.random.default_rng(0).standard_normal((1200, 16)).astype(np.float32)
    same = fid.scores(features, features, ("fid", "kid"))
    shifted = fid.scores(features, features + 1.0, ("fid", "kid"))
    assert abs(same["fid"]) < 1e-6 and shifted["fid"] == pytest.approx(16.0, rel=1e-3)   # ||mu1 - mu2||^2
    # KID is unbiased, so about 0 (either sign) for one distribution, and far above it for a shifted one.
    assert abs(same["kid"]["mean"]) < 0.05 * shifted["kid"]["mean"]
    assert "kid" not in fid.scores(features, features, ("fid",))


def run(*args, cache_dir=None):
    """dcgan.py in a subprocess; real-set features cached in `cache_dir` (never the repository's for fixtures)."""
    environment = {**os.environ, "DCGAN_CACHE_DIR": str(cache_dir or tempfile.mkdtemp(prefix="dcgan_cache_"))}
    return subprocess.run([sys.executable, str(REPO / "dcgan.py"), *args], capture_output=True, text=True,
                          timeout=600, cwd=REPO, env=environment)


def test_evaluate_scores_samples_made_by_any_program(mnist_dir, tmp_path):
    """`evaluate --samples` on a uint8 .npy: FID and KID with the protocol recorded in the JSON (a few
    samples, so --allow-few-samples; the real set is the fixture's test split)."""
    samples = np.random.default_rng(0).integers(0, 256, (40, 32, 32, 1), dtype=np.uint8)
    np.save(tmp_path / "samples.npy", samples)
    out = tmp_path / "fid.json"
    result = run("evaluate", "--samples", str(tmp_path / "samples.npy"), "--dataset", "mnist", "--data-dir",
                 str(mnist_dir), "--metrics", "kid,fid", "--allow-few-samples", "--cache-dir", str(tmp_path / "cache"),
                 "--out", str(out))
    assert result.returncode == 0, result.stderr
    results = json.loads(out.read_text())
    assert results["protocol"]["name"] == "lucic2018" and results["protocol"]["image_size"] == 28
    assert results["protocol"]["generated_images"] == 40 and results["protocol"]["resize"] == "compare_gan"
    assert results["protocol"]["network_sha1"] == "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"
    assert np.isfinite(results["kid"]["mean"]) and "fid" in results
    assert len(list((tmp_path / "cache" / "statistics").glob("mnist-test*-28-compare_gan-inception2015-*.npy"))) == 1


@pytest.mark.parametrize("args,message", [
    (["--metrics", "fid"], "FID needs at least 2048"),
    (["--metrics", "svm"], "fid and kid only"),
])
def test_evaluate_samples_errors_are_one_line(tmp_path, args, message):
    np.save(tmp_path / "few.npy", np.zeros((10, 28, 28), np.uint8))
    result = run("evaluate", "--samples", str(tmp_path / "few.npy"), "--dataset", "mnist", *args)
    assert result.returncode == 2 and message in result.stderr.strip().splitlines()[-1]
    assert "Traceback" not in result.stderr


def test_train_with_fid_every_writes_fid_and_kid_per_epoch(mnist_dir, tmp_path):
    """The real Inception network on a tiny run: one epoch, 40 samples (far too few to compare with
    published numbers, as the warning says), the numbers in the epoch line and epoch_metrics.csv."""
    out = tmp_path / "run"
    result = run("train", "--dataset", "mnist", "--data-dir", str(mnist_dir), "--epochs", "1", "--width", "8",
                 "--batch-size", "16", "--no-progress", "--fid-every", "1", "--fid-samples", "40", "--out", str(out),
                 cache_dir=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert "--fid-samples 40 is below 2048" in result.stdout
    assert "epoch 1/1:" in result.stdout and ", fid " in result.stdout and ", kid " in result.stdout
    header, row = (out / "epoch_metrics.csv").read_text().splitlines()
    assert header == "epoch,step,fid,kid,kid_std" and row.startswith("1,4,")
    assert len(list((tmp_path / "cache" / "statistics").glob("mnist-test*.npy"))) == 1
