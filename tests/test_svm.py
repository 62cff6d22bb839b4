"""The linear L2-SVM protocol: accuracy on toy problems, test data kept out of model selection."""

import numpy as np
import pytest

from utils.evaluation import svm


def toy_problem(num_per_class=40, num_classes=3, dimension=10, separation=6.0, seed=0):
    """Gaussian clusters around class centres that are the same for every seed (train and test share them)."""
    centres = np.random.default_rng(100).normal(size=(num_classes, dimension)) * separation
    generator = np.random.default_rng(seed)
    labels = np.repeat(np.arange(num_classes), num_per_class)
    points = centres[labels] + generator.normal(size=(len(labels), dimension))
    order = generator.permutation(len(labels))
    return points[order], labels[order]


SMALL_GRID = (1e-3, 1e-1, 1e1)


def test_separable_problem_is_classified_almost_perfectly():
    train_x, train_y = toy_problem(seed=0)
    test_x, test_y = toy_problem(seed=1, num_per_class=20)
    result = svm.linear_svm_protocol(train_x, train_y, test_x, test_y, c_grid=SMALL_GRID, seed=1)
    assert result["test_accuracy"] > 0.95
    assert result["test_error"] == pytest.approx(1 - result["test_accuracy"])
    assert result["chosen_c"] in SMALL_GRID and len(result["validation_accuracies"]) == len(SMALL_GRID)
    assert result["num_fit"] + result["num_validation"] == result["num_train"] == len(train_x)
    assert result["num_test"] == len(test_x) and result["seed"] == 1


def linear_rule_problem(num_samples, seed, dimension=10, num_classes=3):
    """Gaussian points labelled by the arg-max of fixed linear scores: separable, but not clustered."""
    weights = np.random.default_rng(100).normal(size=(dimension, num_classes))
    points = np.random.default_rng(seed).normal(size=(num_samples, dimension))
    return points, np.argmax(points @ weights, axis=1)


def test_linear_rule_is_learned_and_shuffled_labels_give_chance_accuracy():
    train_x, train_y = linear_rule_problem(300, seed=2)
    test_x, test_y = linear_rule_problem(600, seed=3)
    learned = svm.linear_svm_protocol(train_x, train_y, test_x, test_y, c_grid=SMALL_GRID)
    shuffled = np.random.default_rng(4).permutation(train_y)
    chance = svm.linear_svm_protocol(train_x, shuffled, test_x, test_y, c_grid=SMALL_GRID)
    assert learned["test_accuracy"] > 0.9
    majority = np.bincount(test_y).max() / len(test_y)
    assert chance["test_accuracy"] < majority + 0.08


def test_model_selection_never_sees_test_data():
    train_x, train_y = toy_problem(seed=4, separation=0.8)   # overlapping: C matters
    test_x, test_y = toy_problem(seed=5, num_per_class=30, separation=0.8)
    clean = svm.linear_svm_protocol(train_x, train_y, test_x, test_y, c_grid=SMALL_GRID)
    poisoned_y = (test_y + 1) % 3
    poisoned = svm.linear_svm_protocol(train_x, train_y, test_x * -5.0, poisoned_y, c_grid=SMALL_GRID)
    assert poisoned["chosen_c"] == clean["chosen_c"]
    assert poisoned["validation_accuracies"] == clean["validation_accuracies"]
    assert poisoned["test_accuracy"] != clean["test_accuracy"]


def test_validation_split_is_stratified_and_disjoint():
    labels = np.repeat(np.arange(4), 5)
    fit_indices, validation_indices = svm.validation_split(labels, 0.2, seed=0)
    assert set(fit_indices).isdisjoint(validation_indices)
    assert len(fit_indices) + len(validation_indices) == len(labels)
    assert set(labels[validation_indices]) == set(labels[fit_indices]) == {0, 1, 2, 3}


def test_few_label_protocol_reports_mean_and_std_over_draws():
    train_x, train_y = toy_problem(num_per_class=50, seed=6)
    test_x, test_y = toy_problem(num_per_class=20, seed=7)
    result = svm.few_label_protocol(train_x, train_y, test_x, test_y, per_class=4, draws=3, seed=0, c_grid=SMALL_GRID)
    assert result["num_labelled"] == 12 and len(result["runs"]) == 3
    assert all(run["num_train"] == 12 for run in result["runs"])
    accuracies = [run["test_accuracy"] for run in result["runs"]]
    assert result["mean_test_accuracy"] == pytest.approx(np.mean(accuracies))
    assert result["std_test_accuracy"] == pytest.approx(np.std(accuracies))
    assert result["mean_test_error"] == pytest.approx(1 - np.mean(accuracies))
    assert result["mean_test_accuracy"] > 0.9
    with pytest.raises(ValueError, match="per_class"):
        svm.few_label_protocol(train_x, train_y, test_x, test_y, per_class=1)


@pytest.mark.parametrize("num_classes, regularization", [(2, 0.1), (3, 1.0), (4, 0.01)])
def test_solver_reaches_linearsvc_optimum(num_classes, regularization):
    """The objective is strictly convex: its unique minimiser is the same whichever solver finds it."""
    from sklearn.svm import LinearSVC

    x, y = linear_rule_problem(400, seed=5, num_classes=num_classes)
    x = x + np.random.default_rng(6).normal(scale=0.7, size=x.shape)   # not separable: every term matters
    ours = svm.LinearL2SVM(regularization, tolerance=1e-5).fit(x, y)
    reference = LinearSVC(C=regularization, loss="squared_hinge", penalty="l2", dual=False, tol=1e-10,
                          max_iter=100_000, intercept_scaling=1.0).fit(x, y)
    expected = np.vstack([reference.coef_.T, reference.intercept_[None, :]])
    assert ours.converged
    np.testing.assert_allclose(ours.weights, expected, atol=1e-3 * np.abs(expected).max())
    assert np.mean(ours.predict(x) == reference.predict(x)) > 0.99


def test_warm_start_reaches_the_same_optimum():
    x, y = linear_rule_problem(300, seed=8)
    cold = svm.LinearL2SVM(1.0, tolerance=1e-5).fit(x, y)
    warm = svm.LinearL2SVM(1.0, tolerance=1e-5).fit(x, y, initial=svm.LinearL2SVM(0.01).fit(x, y).weights)
    np.testing.assert_allclose(warm.weights, cold.weights, atol=1e-3 * np.abs(cold.weights).max())


def test_solver_rejects_a_single_class_and_a_non_positive_c():
    with pytest.raises(ValueError, match="single class"):
        svm.LinearL2SVM(1.0).fit(np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="positive"):
        svm.LinearL2SVM(0.0)
