"""FID, KID and Inception score against closed forms and brute force; the Inception loader offline."""

import numpy as np
import pytest
import tensorflow as tf

from utils.evaluation import metrics


def test_frechet_distance_matches_closed_form_for_diagonal_covariances():
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.5])
    variances1, variances2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum(variances1 + variances2 - 2 * np.sqrt(variances1 * variances2))
    distance = metrics.frechet_distance(mu1, np.diag(variances1), mu2, np.diag(variances2))
    assert distance == pytest.approx(expected, rel=1e-10)
    assert distance == pytest.approx(6.25 + 1 + 4 + 1)


def test_frechet_distance_matches_closed_form_for_commuting_covariances():
    rotation, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(4, 4)))
    eigenvalues1, eigenvalues2 = np.array([1.0, 2.0, 3.0, 4.0]), np.array([4.0, 1.0, 0.5, 2.0])
    sigma1 = rotation @ np.diag(eigenvalues1) @ rotation.T
    sigma2 = rotation @ np.diag(eigenvalues2) @ rotation.T
    expected = np.sum(eigenvalues1 + eigenvalues2 - 2 * np.sqrt(eigenvalues1 * eigenvalues2))
    assert metrics.frechet_distance(np.zeros(4), sigma1, np.zeros(4), sigma2) == pytest.approx(expected, rel=1e-8)


def test_frechet_distance_is_zero_for_identical_statistics():
    features = np.random.default_rng(1).normal(size=(200, 5))
    mu, sigma = metrics.feature_statistics(features)
    assert abs(metrics.frechet_distance(mu, sigma, mu, sigma)) < 1e-8


def test_frechet_distance_of_sample_statistics_approaches_the_population_value():
    generator = np.random.default_rng(2)
    scales1, scales2 = np.array([1.0, 2.0, 0.5]), np.array([2.0, 2.0, 1.0])
    shift = np.array([1.0, 0.0, 0.0])
    features1 = generator.normal(size=(20000, 3)) * scales1
    features2 = generator.normal(size=(20000, 3)) * scales2 + shift
    expected = 1.0 + np.sum((scales1 - scales2) ** 2)   # diagonal: tr(S1 + S2 - 2 sqrt(S1 S2)) = sum (s1 - s2)^2
    distance = metrics.frechet_distance(*metrics.feature_statistics(features1), *metrics.feature_statistics(features2))
    assert distance == pytest.approx(expected, abs=0.1)


def test_frechet_distance_handles_singular_covariances():
    features = np.random.default_rng(3).normal(size=(5, 20))   # fewer samples than dimensions
    mu, sigma = metrics.feature_statistics(features)
    assert np.isfinite(metrics.frechet_distance(mu, sigma, mu + 1.0, sigma))


def test_frechet_distance_falls_back_to_an_epsilon_offset_when_sqrtm_fails(monkeypatch):
    real_sqrtm, calls = metrics.linalg.sqrtm, []

    def failing_once(matrix):
        calls.append(matrix)
        return np.full_like(matrix, np.nan) if len(calls) == 1 else real_sqrtm(matrix)

    monkeypatch.setattr(metrics.linalg, "sqrtm", failing_once)
    sigma = np.diag([1.0, 4.0])
    with pytest.warns(UserWarning, match="singular"):
        distance = metrics.frechet_distance(np.zeros(2), sigma, np.ones(2), sigma)
    assert len(calls) == 2
    np.testing.assert_allclose(calls[1], (sigma + 1e-6 * np.eye(2)) @ (sigma + 1e-6 * np.eye(2)))
    assert distance == pytest.approx(2.0, abs=1e-5)


def test_frechet_distance_rejects_a_large_imaginary_part():
    not_a_covariance = np.diag([-1.0, 1.0])   # sqrt of a negative eigenvalue is imaginary
    with pytest.raises(ValueError, match="imaginary"):
        metrics.frechet_distance(np.zeros(2), not_a_covariance, np.zeros(2), np.eye(2))


def test_frechet_distance_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shapes"):
        metrics.frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))


def brute_force_mmd2(features_a, features_b):
    dimension = features_a.shape[1]

    def kernel(x, y):
        return (np.dot(x, y) / dimension + 1.0) ** 3

    m, n = len(features_a), len(features_b)
    within_a = sum(kernel(features_a[i], features_a[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    within_b = sum(kernel(features_b[i], features_b[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    cross = sum(kernel(features_a[i], features_b[j]) for i in range(m) for j in range(n)) / (m * n)
    return within_a + within_b - 2 * cross


def test_kid_equals_brute_force_on_whole_sets():
    generator = np.random.default_rng(4)
    features_a, features_b = generator.normal(size=(12, 6)), generator.normal(size=(12, 6)) + 0.3
    mean, std = metrics.kernel_inception_distance(features_a, features_b, num_subsets=1, subset_size=1000)
    assert mean == pytest.approx(brute_force_mmd2(features_a, features_b), rel=1e-10)
    assert std == 0.0


def test_kid_is_near_zero_for_the_same_distribution_and_larger_when_shifted():
    generator = np.random.default_rng(5)
    features_a, features_b = generator.normal(size=(400, 8)), generator.normal(size=(400, 8))
    same, _ = metrics.kernel_inception_distance(features_a, features_b, num_subsets=10, subset_size=200, seed=0)
    shifted, _ = metrics.kernel_inception_distance(features_a, features_b + 1.0, num_subsets=10, subset_size=200)
    assert abs(same) < 0.05
    assert shifted > 10 * max(abs(same), 1e-3)


def test_inception_score_equals_exp_mean_kl_by_hand():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.5, 0.25, 0.25]])
    marginal = probabilities.mean(axis=0)
    kl = [np.sum(row * np.log(row / marginal)) for row in probabilities]
    mean, std = metrics.inception_score(probabilities, splits=1)
    assert mean == pytest.approx(np.exp(np.mean(kl)), rel=1e-12)
    assert std == 0.0


def test_inception_score_is_number_of_classes_for_confident_uniform_predictions():
    probabilities = np.tile(np.eye(5), (4, 1))   # 20 one-hot predictions, 4 of each class
    mean, std = metrics.inception_score(probabilities, splits=4)
    assert mean == pytest.approx(5.0)
    assert std == pytest.approx(0.0)
    assert metrics.inception_score(np.full((10, 5), 0.2), splits=2)[0] == pytest.approx(1.0)


def test_statistics_key_names_everything_the_numbers_depend_on():
    assert metrics.statistics_key("cifar10", "train", 32, "inception2015") == "cifar10-train-32-inception2015"
    assert metrics.statistics_key("my data", "test", 28, "a/b") == "my_data-test-28-a_b"


def test_prepare_images_maps_both_input_ranges_to_the_same_pixels():
    uint8_images = np.random.default_rng(6).integers(0, 256, size=(2, 8, 8, 1), dtype=np.uint8)
    float_images = uint8_images.astype(np.float32) / 127.5 - 1.0
    prepared_uint8 = metrics.prepare_images(uint8_images).numpy()
    prepared_float = metrics.prepare_images(float_images).numpy()
    assert prepared_uint8.shape == (2, 299, 299, 3)
    np.testing.assert_allclose(prepared_uint8, prepared_float, atol=1e-3)


def test_missing_inception_file_names_the_path_and_url(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        metrics.InceptionExtractor(tmp_path / "inception")
    assert str(tmp_path / "inception" / metrics.INCEPTION_GRAPH_FILE) in str(error.value)
    assert metrics.INCEPTION_URL in str(error.value)


def write_fake_inception_graph(path):
    """A stand-in with the 2015 graph's tensor names: DecodeJpeg -> ExpandDims -> ... -> pool_3 -> logits."""
    graph = tf.Graph()
    with graph.as_default():
        decoded = tf.compat.v1.placeholder(tf.float32, [None, None, 3], name="DecodeJpeg")
        batch = tf.expand_dims(decoded, 0, name="ExpandDims")
        channel_means = tf.reduce_mean(batch, axis=[1, 2], keepdims=True)
        projection = tf.constant(np.linspace(-1, 1, 3 * 2048, dtype=np.float32).reshape(1, 1, 3, 2048))
        pool = tf.identity(tf.nn.conv2d(channel_means, projection, 1, "VALID"), name="pool_3")
        flat = tf.reshape(pool, [1, 2048], name="pool_3/_reshape")   # fixed to batch 1, like the real graph
        weights = tf.constant(np.linspace(-1e-3, 1e-3, 2048 * 1008, dtype=np.float32).reshape(2048, 1008))
        tf.matmul(flat, weights, name="softmax/logits/MatMul")
    path.write_bytes(graph.as_graph_def().SerializeToString())


def test_inception_extractor_loads_a_graph_def_and_runs_batches(tmp_path, monkeypatch):
    write_fake_inception_graph(tmp_path / metrics.INCEPTION_GRAPH_FILE)
    monkeypatch.setenv("DCGAN_INCEPTION_DIR", str(tmp_path))
    extractor = metrics.InceptionExtractor(batch_size=3)
    images = np.random.default_rng(7).uniform(-1, 1, size=(5, 16, 16, 1)).astype(np.float32)
    features, probabilities = extractor(images)
    assert features.shape == (5, 2048) and probabilities.shape == (5, 1008)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    # pool_3 of the stand-in projects the mean pixel of the 299x299 input in [0, 255].
    projection = np.linspace(-1, 1, 3 * 2048, dtype=np.float32).reshape(3, 2048)
    mean_pixels = metrics.prepare_images(images).numpy().mean(axis=(1, 2))
    np.testing.assert_allclose(features, mean_pixels @ projection, rtol=1e-4, atol=1e-3)
