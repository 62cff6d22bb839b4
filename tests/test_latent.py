"""Latent walks and vector arithmetic (paper Sec. 6.1 and 6.3.2) on vectors and a linear toy generator."""

import numpy as np
import pytest

from utils.analysis import latent

LATENT_DIM = 6
IMAGE_SIZE = 8


def test_lerp_midpoint_and_walk_endpoints():
    z_a, z_b = np.array([0.0, 2.0, -4.0]), np.array([2.0, 0.0, 4.0])
    np.testing.assert_allclose(latent.lerp(z_a, z_b, 0.5), [1.0, 1.0, 0.0])
    walk = latent.interpolation_walk(z_a, z_b, steps=9)
    assert walk.shape == (9, 3) and walk.dtype == np.float32
    np.testing.assert_array_equal(walk[0], z_a)
    np.testing.assert_array_equal(walk[-1], z_b)
    np.testing.assert_allclose(walk[4], [1.0, 1.0, 0.0])
    with pytest.raises(ValueError):
        latent.interpolation_walk(z_a, z_b, kind="cubic")


def test_slerp_keeps_endpoints_and_constant_norm_for_equal_norms():
    rng = np.random.default_rng(0)
    z_a = rng.normal(size=100).astype(np.float32)
    z_b = rng.normal(size=100).astype(np.float32)
    z_b *= np.linalg.norm(z_a) / np.linalg.norm(z_b)
    walk = latent.interpolation_walk(z_a, z_b, steps=9, kind="spherical")
    np.testing.assert_array_equal(walk[0], z_a)
    np.testing.assert_array_equal(walk[-1], z_b)
    norms = np.linalg.norm(walk, axis=1)
    np.testing.assert_allclose(norms, np.linalg.norm(z_a), rtol=1e-5)
    # Lerp would cut through the ball: its midpoint is shorter.
    assert np.linalg.norm(latent.lerp(z_a, z_b, 0.5)) < 0.9 * norms[4]
    # Orthogonal unit vectors: the midpoint is on the unit circle at 45 degrees.
    np.testing.assert_allclose(latent.slerp([1.0, 0.0], [0.0, 1.0], 0.5), [2 ** -0.5, 2 ** -0.5], rtol=1e-6)


def test_slerp_interpolates_norms_and_handles_nearly_parallel_vectors():
    middle = latent.slerp([2.0, 0.0], [0.0, 4.0], 0.5)
    np.testing.assert_allclose(np.linalg.norm(middle), 3.0, rtol=1e-6)
    z_a = np.array([1.0, 1.0, 1.0])
    path = latent.slerp(z_a, z_a * 2 + 1e-9, np.linspace(0, 1, 5))
    assert np.all(np.isfinite(path))
    np.testing.assert_allclose(path, latent.lerp(z_a, z_a * 2, np.linspace(0, 1, 5)), rtol=1e-5)
    with pytest.raises(ValueError):
        latent.slerp(z_a, -z_a, 0.5)


def test_dimension_sweep_changes_only_one_coordinate():
    z = np.arange(5, dtype=np.float32)
    sweep = latent.dimension_sweep(z, 2, [-1.0, 0.0, 1.0])
    assert sweep.shape == (3, 5)
    np.testing.assert_array_equal(sweep[:, 2], [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(np.delete(sweep, 2, axis=1), np.repeat(np.delete(z, 2)[None], 3, axis=0))


def test_neighbours_lie_within_a_quarter():
    z = np.zeros(100, np.float32)
    close = latent.neighbours(z, num_neighbours=8, noise=0.25, seed=0)
    assert close.shape == (8, 100)
    assert np.abs(close - z).max() <= 0.25
    assert np.abs(close - z).max() > 0.2          # actually spread out, not all at z
    np.testing.assert_array_equal(close, latent.neighbours(z, 8, 0.25, seed=0))


class LinearToyGenerator:
    """G(z) = W z with planted concepts: z[0] is "smile", z[1] is "woman"."""

    def __init__(self, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.weights = rng.normal(size=(IMAGE_SIZE * IMAGE_SIZE, LATENT_DIM))
        self.read_back = np.linalg.pinv(self.weights)

    def __call__(self, z):
        return (np.asarray(z) @ self.weights.T).reshape(-1, IMAGE_SIZE, IMAGE_SIZE, 1)

    def classifier(self, images):
        codes = images.reshape(len(images), -1) @ self.read_back.T
        smile, woman = codes[:, 0], codes[:, 1]
        return {"smile": smile, "woman": woman, "smiling_woman": smile + woman,
                "neutral_woman": -smile + woman, "neutral_man": -smile - woman}


def test_vector_arithmetic_recovers_planted_concepts():
    generator = LinearToyGenerator()
    zs = np.random.default_rng(1).normal(size=(400, LATENT_DIM))
    images = generator(zs)

    def concept(name):
        return latent.concept_vector(zs[latent.pick_exemplars(images, generator.classifier, name, k=3)])

    result = latent.arithmetic(concept("smiling_woman"), concept("neutral_woman"), concept("neutral_man"))
    scores = generator.classifier(generator(result[None]))
    # smiling woman - neutral woman + neutral man = smiling man.
    assert scores["smile"][0] > 1.0
    assert scores["woman"][0] < -1.0
    close = latent.neighbours(result, seed=0)
    assert np.all(generator.classifier(generator(close))["smile"] > 0.5)


def test_turn_vector_finds_the_planted_direction_and_walks_along_it():
    generator = LinearToyGenerator()
    zs = np.random.default_rng(2).normal(size=(400, LATENT_DIM))
    images = generator(zs)
    smiling = latent.pick_exemplars(images, generator.classifier, "smile", positive=True, k=10)
    neutral = latent.pick_exemplars(images, generator.classifier, "smile", positive=False, k=10)
    assert np.all(zs[smiling, 0] > zs[neutral, 0].max())
    direction = latent.turn_vector(zs[neutral], zs[smiling])
    cosine = direction[0] / np.linalg.norm(direction)
    assert cosine > 0.8
    walk = latent.apply_along(zs[0], direction, steps=9)
    np.testing.assert_allclose(walk[0], zs[0], rtol=1e-6)
    smile_along = generator.classifier(generator(walk))["smile"]
    assert np.all(np.diff(smile_along) > 0)


def test_pick_exemplars_validates_its_scores():
    images = np.zeros((4, 2, 2, 1))
    np.testing.assert_array_equal(latent.pick_exemplars(images, np.array([0.1, 0.9, 0.5, -1.0]), k=2), [1, 2])
    np.testing.assert_array_equal(latent.pick_exemplars(images, np.array([0.1, 0.9, 0.5, -1.0]), positive=False, k=1), [3])
    with pytest.raises(ValueError):
        latent.pick_exemplars(images, np.zeros((4, 3)))
    with pytest.raises(ValueError):
        latent.pick_exemplars(images, np.zeros(3))


class ToyKerasLikeGenerator(LinearToyGenerator):
    """The toy generator with the two things `generate_images` asks of a Keras model."""

    input_shape = (None, LATENT_DIM)

    def __call__(self, z, training=False):
        return super().__call__(z)


def test_generate_arithmetic_by_class_names_and_sample_indices():
    """`generate --arithmetic`: class names pick the classifier's most typical samples of the seed (the
    paper's smiling woman - neutral woman + neutral man gives a smiling man); numbers are sample indices."""
    from utils.analysis.arithmetic import POOL_SAMPLES, expression_arithmetic, parse_expression
    from utils.pictures.samples import latent_samples

    generator = ToyKerasLikeGenerator()
    names = ["smiling woman", "neutral woman", "neutral man"]
    classify = lambda images: np.stack([generator.classifier(images)[name.replace(" ", "_")]  # noqa: E731
                                        for name in names], axis=1)
    outcome = expression_arithmetic(generator, "Smiling woman - neutral_woman + Neutral man", seed=4,
                                    class_names=names, classify=classify)
    assert outcome.labels[:3] == ["smiling woman", "- neutral woman", "+ neutral man"]
    assert [len(row) for row in outcome.rows] == [4, 4, 4, 9]   # 3 exemplars + their average; result + 8
    scores = generator.classifier(outcome.rows[-1][:1])
    assert scores["smile"][0] > 1.0 and scores["woman"][0] < -1.0
    pool = latent_samples(POOL_SAMPLES, LATENT_DIM, 4)
    best = np.argsort(-classify(generator(pool))[:, 0], kind="stable")[:3]
    np.testing.assert_allclose(outcome.terms[0][1], pool[best])

    outcome = expression_arithmetic(generator, "3 - 1 + 700", seed=2)
    z = latent_samples(701, LATENT_DIM, 2)
    np.testing.assert_allclose(outcome.result_z[0], z[3] - z[1] + z[700], rtol=1e-5, atol=1e-5)
    assert outcome.labels[:3] == ["#3", "- #1", "+ #700"] and [len(row) for row in outcome.rows] == [1, 1, 1, 9]
    assert np.abs(outcome.result_z[1:] - outcome.result_z[0]).max() <= 0.25

    assert parse_expression("T-shirt/top - Shirt + Dress") == ("T-shirt/top", "Shirt", "Dress")
    with pytest.raises(ValueError, match="spaces around"):
        parse_expression("1-2+3")
    with pytest.raises(ValueError, match="'hat' is neither a sample index nor a class name"):
        expression_arithmetic(generator, "hat - 1 + 2", class_names=names, classify=classify)
    with pytest.raises(ValueError, match="needs a classifier"):
        expression_arithmetic(generator, "neutral man - 1 + 2", class_names=names)
