"""The domain classifier (MNIST-family FID and mode coverage) on synthetic, separable images."""

import numpy as np
import pytest

from utils.evaluation import domain

CLASS_NAMES = [f"class_{label}" for label in range(10)]


def square_images(num_per_class, seed, image_size=32):
    """Class k is a bright 8x8 square in cell k of a 4x4 grid, on noise, in [-1, 1]."""
    generator = np.random.default_rng(seed)
    labels = np.repeat(np.arange(10), num_per_class)
    images = generator.uniform(-1.0, -0.5, size=(len(labels), image_size, image_size, 1)).astype(np.float32)
    for index, label in enumerate(labels):
        row, column = divmod(int(label), 4)
        images[index, 8 * row:8 * row + 8, 8 * column:8 * column + 8, 0] = 1.0
    return images, labels


@pytest.fixture(scope="module")
def trained_classifier():
    images, labels = square_images(20, seed=0)
    return domain.train_domain_classifier(images, labels, epochs=5, seed=0, batch_size=32, width=8)


def test_domain_classifier_learns_a_separable_set(trained_classifier):
    test_images, test_labels = square_images(10, seed=1)
    features, probabilities = domain.domain_outputs(trained_classifier, test_images)
    assert features.shape == (100, 32) and probabilities.shape == (100, 10)
    assert np.mean(probabilities.argmax(axis=1) == test_labels) > 0.9


@pytest.mark.filterwarnings("ignore:Matrix is singular")   # 100 samples, some dead ReLU features
def test_domain_frechet_distance_is_small_for_the_same_classes(trained_classifier):
    real_images, _ = square_images(10, seed=2)
    same_images, _ = square_images(10, seed=3)
    # A "generator" that only draws classes 0 and 1.
    collapsed_images, _ = square_images(50, seed=4)
    collapsed_images = collapsed_images[:100]
    same = domain.domain_frechet_distance(trained_classifier, real_images, same_images)
    collapsed = domain.domain_frechet_distance(trained_classifier, real_images, collapsed_images)
    assert collapsed > 5 * same


def test_load_or_train_saves_and_reloads(tmp_path, trained_classifier):
    images, labels = square_images(2, seed=5)
    path = tmp_path / "domain_test.keras"
    first = domain.load_or_train(path, images, labels, epochs=1, seed=0, width=4)
    assert path.is_file()
    reloaded = domain.load_or_train(path)   # no data needed once cached
    np.testing.assert_allclose(first(images, training=False), reloaded(images, training=False), rtol=1e-5)
    with pytest.raises(FileNotFoundError, match="no domain classifier"):
        domain.load_or_train(tmp_path / "missing.keras")


def test_mode_coverage_flags_missing_and_over_produced_classes():
    predicted = np.array([0] * 40 + [1] * 20 + list(range(2, 9)) * 5 + [0] * 5)   # class 9 never drawn
    probabilities = np.eye(10)[predicted]
    coverage = domain.mode_coverage(probabilities, CLASS_NAMES, threshold=0.1)
    assert coverage["missing"] == ["class_9"]
    assert coverage["over_produced"] == ["class_0"]
    assert coverage["counts"]["class_0"] == 45 and coverage["num_samples"] == len(predicted)
    fractions = np.bincount(predicted, minlength=10) / len(predicted)
    nonzero = fractions[fractions > 0]
    assert coverage["kl_to_uniform"] == pytest.approx(np.sum(nonzero * np.log(nonzero * 10)))
    assert coverage["entropy"] == pytest.approx(-np.sum(nonzero * np.log(nonzero)))
    balanced = domain.mode_coverage(np.tile(np.eye(10), (3, 1)), CLASS_NAMES)
    assert balanced["missing"] == [] and balanced["over_produced"] == [] and balanced["kl_to_uniform"] == pytest.approx(0)
    assert balanced["entropy"] == pytest.approx(np.log(10))
