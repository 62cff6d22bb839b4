"""The linear L2-SVM protocol of Radford et al. 2015, Sec. 5.1 (CIFAR-10, Table 1) and 5.2 (SVHN, Table 2).

Sec. 5.1 trains "a regularized linear L2-SVM classifier" on the discriminator's features. Here:
`sklearn.svm.LinearSVC` with the squared hinge loss and an L2 penalty (the L2-SVM of the liblinear
paper, Fan et al. 2008). Features are standardised with statistics of the training set only. The
regularisation C is chosen on a validation split carved out of the training set (stratified), never
on the test set; the SVM is then refitted on the whole training set with that C and scored once on
the test set. Sec. 5.2 trains on 1000 labelled SVHN examples ("using a 10,000 example held out
validation set" for hyper-parameters); `few_label_protocol` repeats the protocol on random draws of
N labels per class and reports mean and standard deviation (Table 2 reports the error, 1 - accuracy).

The baselines of the paper's comparison (raw pixels, an untrained discriminator) go through the same
functions; `utils.features.baseline_features` computes their features.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn import exceptions, model_selection, preprocessing, svm

DEFAULT_C_GRID = tuple(10.0 ** exponent for exponent in range(-4, 2))   # 1e-4 ... 1e1
VALIDATION_FRACTION = 0.2
MAX_ITERATIONS = 5000


def _fit_and_score(train_x, train_y, eval_x, eval_y, regularization: float, seed: int, max_iterations: int):
    """Standardise on train_x, fit LinearSVC(C) on it, return (accuracy on eval, convergence warnings)."""
    scaler = preprocessing.StandardScaler().fit(train_x)
    classifier = svm.LinearSVC(C=regularization, loss="squared_hinge", penalty="l2", dual="auto",
                               max_iter=max_iterations, random_state=seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", exceptions.ConvergenceWarning)
        classifier.fit(scaler.transform(train_x), train_y)
    not_converged = sum(issubclass(warning.category, exceptions.ConvergenceWarning) for warning in caught)
    accuracy = float(np.mean(classifier.predict(scaler.transform(eval_x)) == eval_y))
    return accuracy, not_converged


def validation_split(train_y: np.ndarray, validation_fraction: float = VALIDATION_FRACTION, seed: int = 0):
    """Indices (fit, validation) into the training set, stratified by class.

    The validation part holds at least one example per class and leaves at least one per class to fit.
    """
    train_y = np.asarray(train_y)
    classes, counts = np.unique(train_y, return_counts=True)
    if len(classes) < 2 or counts.min() < 2:
        raise ValueError("the SVM protocol needs at least 2 classes and 2 labelled examples per class "
                         f"(to carve a validation split), got class counts {dict(zip(classes.tolist(), counts.tolist()))}")
    num_validation = int(round(validation_fraction * len(train_y)))
    num_validation = min(max(num_validation, len(classes)), len(train_y) - len(classes))
    indices = np.arange(len(train_y))
    fit_indices, validation_indices = model_selection.train_test_split(
        indices, test_size=num_validation, stratify=train_y, random_state=seed)
    return fit_indices, validation_indices


def linear_svm_protocol(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
                        c_grid=DEFAULT_C_GRID, validation_fraction: float = VALIDATION_FRACTION, seed: int = 0,
                        max_iterations: int = MAX_ITERATIONS) -> dict:
    """Choose C on a validation split of the training set, refit on all of it, score the test set.

    train_x (N, D), train_y (N,) integer labels; test_x (M, D), test_y (M,). The test set is used
    exactly once, after C is fixed. Returns a JSON-ready dict: test accuracy and error, the chosen C,
    the C grid with each value's validation accuracy, the set sizes and the seed.
    """
    train_x, test_x = np.asarray(train_x, np.float64), np.asarray(test_x, np.float64)
    train_y, test_y = np.asarray(train_y), np.asarray(test_y)
    if len(train_x) != len(train_y) or len(test_x) != len(test_y) or train_x.shape[1:] != test_x.shape[1:]:
        raise ValueError(f"linear_svm_protocol: mismatched shapes: train {train_x.shape}/{train_y.shape}, "
                         f"test {test_x.shape}/{test_y.shape}")
    fit_indices, validation_indices = validation_split(train_y, validation_fraction, seed)
    validation_accuracies, not_converged = [], 0
    for regularization in c_grid:
        accuracy, warnings_count = _fit_and_score(train_x[fit_indices], train_y[fit_indices],
                                                  train_x[validation_indices], train_y[validation_indices],
                                                  regularization, seed, max_iterations)
        validation_accuracies.append(accuracy)
        not_converged += warnings_count
    # Ties go to the smallest C (the strongest regularisation).
    chosen_c = float(c_grid[int(np.argmax(validation_accuracies))])
    test_accuracy, warnings_count = _fit_and_score(train_x, train_y, test_x, test_y, chosen_c, seed, max_iterations)
    return {
        "classifier": "sklearn.svm.LinearSVC(loss='squared_hinge', penalty='l2'), standardised features",
        "test_accuracy": test_accuracy,
        "test_error": 1.0 - test_accuracy,
        "chosen_c": chosen_c,
        "c_grid": [float(value) for value in c_grid],
        "validation_accuracies": validation_accuracies,
        "num_train": int(len(train_x)),
        "num_fit": int(len(fit_indices)),
        "num_validation": int(len(validation_indices)),
        "num_test": int(len(test_x)),
        "num_features": int(np.prod(train_x.shape[1:])),
        "seed": seed,
        "not_converged_fits": not_converged + warnings_count,
    }


def few_label_protocol(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
                       per_class: int, draws: int = 10, seed: int = 0, c_grid=DEFAULT_C_GRID,
                       validation_fraction: float = VALIDATION_FRACTION) -> dict:
    """Sec. 5.2 / Table 2: the SVM protocol on `draws` random draws of `per_class` labels per class.

    Each draw keeps `per_class` examples of every class (without replacement, from a generator seeded
    with `seed`); C is chosen on a validation split of those labelled examples only. Returns mean and
    standard deviation of test accuracy and error over draws, plus every draw's result.
    """
    train_y = np.asarray(train_y)
    classes, counts = np.unique(train_y, return_counts=True)
    if per_class < 2 or counts.min() < per_class:
        raise ValueError(f"few_label_protocol: per_class must be at least 2 and at most the smallest class "
                         f"size ({counts.min()}), got {per_class}")
    generator = np.random.default_rng(seed)
    results = []
    for draw in range(draws):
        chosen = np.concatenate([generator.choice(np.flatnonzero(train_y == label), per_class, replace=False)
                                 for label in classes])
        results.append(linear_svm_protocol(np.asarray(train_x)[chosen], train_y[chosen], test_x, test_y,
                                           c_grid, validation_fraction, seed=seed + draw))
    accuracies = np.array([result["test_accuracy"] for result in results])
    return {
        "per_class": per_class,
        "num_classes": int(len(classes)),
        "num_labelled": int(per_class * len(classes)),
        "draws": draws,
        "seed": seed,
        "mean_test_accuracy": float(accuracies.mean()),
        "std_test_accuracy": float(accuracies.std()),
        "mean_test_error": float(1.0 - accuracies.mean()),
        "std_test_error": float(accuracies.std()),
        "chosen_c": [result["chosen_c"] for result in results],
        "runs": results,
    }
