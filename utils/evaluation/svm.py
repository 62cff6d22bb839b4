"""The linear L2-SVM protocol of Radford et al. 2015, Sec. 5.1 (CIFAR-10, Table 1) and 5.2 (SVHN, Table 2).

Sec. 5.1 trains "a regularized linear L2-SVM classifier" on the discriminator's features: an L2
penalty and the squared hinge loss, one-vs-rest, the L2-SVM of liblinear (Fan et al. 2008) and of
`sklearn.svm.LinearSVC`. `LinearL2SVM` minimises exactly LinearSVC's primal objective (the bias is
an extra feature of value 1, regularised like the weights) but solves it with L-BFGS over dense
float32 matrix products, which run on every core: on 48,000 x 7,168 features that is minutes where
liblinear's single-threaded solver takes hours. `tests/test_svm.py` checks it against LinearSVC.

Features are standardised with statistics of the training set only. The regularisation C is chosen
on a validation split carved out of the training set (stratified), never on the test set; the SVM is
then refitted on the whole training set with that C and scored once on the test set. Sec. 5.2 trains
on 1000 labelled SVHN examples ("using a 10,000 example held out validation set" for
hyper-parameters); `few_label_protocol` repeats the protocol on random draws of N labels per class
and reports mean and standard deviation (Table 2 reports the error, 1 - accuracy).

The baselines of the paper's comparison (raw pixels, an untrained discriminator) go through the same
functions; `utils.evaluation.features.baseline_features` computes their features.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize
from sklearn import model_selection

from utils.errors import UsageError

DEFAULT_C_GRID = tuple(10.0 ** exponent for exponent in range(-4, 2))   # 1e-4 ... 1e1
VALIDATION_FRACTION = 0.2
MAX_ITERATIONS = 5000
TOLERANCE = 1e-4   # stop when the gradient's largest entry has fallen to this fraction of its value at w = 0
CLASSIFIER = ("one-vs-rest linear L2-SVM: L2 penalty + squared hinge, bias regularised (LinearSVC's primal), "
              "L-BFGS; standardised features")


class LinearL2SVM:
    """One-vs-rest linear SVM with LinearSVC's primal objective, for each class k:

        min_w  1/2 |w_k|^2 + C sum_i max(0, 1 - t_ik w_k . [x_i, 1])^2,   t_ik = +1 if y_i = k else -1

    All classes are solved together (the objective is their sum; each w_k only meets its own term).
    `fit(x, y, initial=...)` can start from another fit's weights (a warm start along a C grid).
    """

    def __init__(self, regularization: float, tolerance: float = TOLERANCE, max_iterations: int = MAX_ITERATIONS):
        if regularization <= 0:
            raise ValueError(f"LinearL2SVM: C must be positive, got {regularization}")
        self.regularization, self.tolerance, self.max_iterations = float(regularization), tolerance, max_iterations
        self.weights = self.classes = None
        self.converged = False

    def fit(self, x: np.ndarray, y: np.ndarray, initial: np.ndarray | None = None) -> "LinearL2SVM":
        x = np.ascontiguousarray(x, dtype=np.float32)
        self.classes, indices = np.unique(np.asarray(y), return_inverse=True)
        if len(self.classes) < 2:
            raise ValueError("LinearL2SVM: the labels hold a single class")
        targets = np.where(indices[:, None] == np.arange(len(self.classes))[None, :], 1.0, -1.0).astype(np.float32)
        if len(self.classes) == 2:   # one weight vector, as LinearSVC: class 1 positive
            targets = targets[:, 1:]
        shape = (x.shape[1] + 1, targets.shape[1])
        regularization = self.regularization

        def objective(flat):
            weights = flat.reshape(shape)
            scores = x @ weights[:-1].astype(np.float32) + np.float32(weights[-1])
            slack = np.maximum(0.0, 1.0 - targets * scores)                      # (N, K) float32
            value = 0.5 * float(np.dot(flat, flat)) + regularization * float(np.sum(np.square(slack, dtype=np.float64)))
            pull = (-2.0 * regularization) * (targets * slack)                  # d loss / d scores
            gradient = np.empty(shape)
            gradient[:-1] = x.T @ pull
            gradient[-1] = pull.sum(axis=0, dtype=np.float64)
            gradient += weights
            return value, gradient.ravel()

        start = np.zeros(shape) if initial is None else np.asarray(initial, np.float64).reshape(shape)
        scale = np.abs(objective(np.zeros(int(np.prod(shape))))[1]).max()
        result = optimize.minimize(objective, start.ravel(), jac=True, method="L-BFGS-B",
                                   options={"maxiter": self.max_iterations, "gtol": self.tolerance * scale,
                                            "ftol": 1e-12, "maxcor": 20})
        self.weights = result.x.reshape(shape)
        # float32 products limit how far the gradient can fall; within 10x of the target counts as converged.
        self.converged = bool(result.success) or np.abs(result.jac).max() <= 10 * self.tolerance * scale
        return self

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, np.float32) @ self.weights[:-1].astype(np.float32) + self.weights[-1].astype(np.float32)

    def predict(self, x: np.ndarray) -> np.ndarray:
        scores = self.decision_function(x)
        if scores.shape[1] == 1:
            return self.classes[(scores[:, 0] > 0).astype(int)]
        return self.classes[np.argmax(scores, axis=1)]


def _standardise(train_x, *others):
    """Standardise with the training set's mean and standard deviation (constant features stay 0)."""
    mean = train_x.mean(axis=0, dtype=np.float64)
    std = train_x.std(axis=0, dtype=np.float64)
    std[std == 0] = 1.0
    return [((values - mean) / std).astype(np.float32) for values in (train_x, *others)]


def _fit_and_score(train_x, train_y, eval_x, eval_y, regularization: float, max_iterations: int, initial=None):
    """Fit the L2-SVM with C on standardised train_x; returns (accuracy on eval_x, converged, weights)."""
    classifier = LinearL2SVM(regularization, max_iterations=max_iterations).fit(train_x, train_y, initial)
    accuracy = float(np.mean(classifier.predict(eval_x) == np.asarray(eval_y)))
    return accuracy, classifier.converged, classifier.weights


def validation_split(train_y: np.ndarray, validation_fraction: float = VALIDATION_FRACTION, seed: int = 0):
    """Indices (fit, validation) into the training set, stratified by class.

    The validation part holds at least one example per class and leaves at least one per class to fit.
    """
    train_y = np.asarray(train_y)
    classes, counts = np.unique(train_y, return_counts=True)
    if len(classes) < 2 or counts.min() < 2:
        raise UsageError("the SVM protocol needs at least 2 classes and 2 labelled examples per class "
                         f"(to carve a validation split), got class counts {dict(zip(classes.tolist(), counts.tolist()))}")
    num_validation = int(round(validation_fraction * len(train_y)))
    num_validation = min(max(num_validation, len(classes)), len(train_y) - len(classes))
    indices = np.arange(len(train_y))
    fit_indices, validation_indices = model_selection.train_test_split(
        indices, test_size=num_validation, stratify=train_y, random_state=seed)
    return fit_indices, validation_indices


def linear_svm_protocol(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
                        c_grid=DEFAULT_C_GRID, validation_fraction: float = VALIDATION_FRACTION, seed: int = 0,
                        max_iterations: int = MAX_ITERATIONS, progress=None) -> dict:
    """Choose C on a validation split of the training set, refit on all of it, score the test set.

    train_x (N, D), train_y (N,) integer labels; test_x (M, D), test_y (M,). The test set is used
    exactly once, after C is fixed. Returns a JSON-ready dict: test accuracy and error, the chosen C,
    the C grid with each value's validation accuracy, the set sizes and the seed. `progress(1)`, when
    given, is called after each of the len(c_grid) + 1 fits.
    """
    progress = progress or (lambda count=1: None)
    train_x, test_x = np.asarray(train_x, np.float32), np.asarray(test_x, np.float32)
    train_y, test_y = np.asarray(train_y), np.asarray(test_y)
    if len(train_x) != len(train_y) or len(test_x) != len(test_y) or train_x.shape[1:] != test_x.shape[1:]:
        raise ValueError(f"linear_svm_protocol: mismatched shapes: train {train_x.shape}/{train_y.shape}, "
                         f"test {test_x.shape}/{test_y.shape}")
    train_x, test_x = train_x.reshape(len(train_x), -1), test_x.reshape(len(test_x), -1)
    fit_indices, validation_indices = validation_split(train_y, validation_fraction, seed)
    fit_x, validation_x = _standardise(train_x[fit_indices], train_x[validation_indices])   # once for every C
    validation_accuracies, weights, not_converged, initial = {}, {}, 0, None
    for regularization in sorted(c_grid):   # ascending, each fit starting from the previous C's solution
        accuracy, converged, initial = _fit_and_score(fit_x, train_y[fit_indices], validation_x,
                                                      train_y[validation_indices], regularization, max_iterations,
                                                      initial)
        validation_accuracies[regularization], weights[regularization] = accuracy, initial
        not_converged += not converged
        progress(1)
    validation_accuracies = [validation_accuracies[regularization] for regularization in c_grid]
    # Ties go to the smallest C (the strongest regularisation).
    best = max(validation_accuracies)
    chosen_c = float(min(c for c, accuracy in zip(c_grid, validation_accuracies) if accuracy == best))
    del fit_x, validation_x   # free them before the full training set is standardised
    train_x, test_x = _standardise(train_x, test_x)
    test_accuracy, converged, _ = _fit_and_score(train_x, train_y, test_x, test_y, chosen_c, max_iterations,
                                                 weights[chosen_c])
    progress(1)
    return {
        "classifier": CLASSIFIER,
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
        "not_converged_fits": not_converged + (not converged),
    }


def few_label_protocol(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
                       per_class: int, draws: int = 10, seed: int = 0, c_grid=DEFAULT_C_GRID,
                       validation_fraction: float = VALIDATION_FRACTION, progress=None) -> dict:
    """Sec. 5.2 / Table 2: the SVM protocol on `draws` random draws of `per_class` labels per class.

    Each draw keeps `per_class` examples of every class (without replacement, from a generator seeded
    with `seed`); C is chosen on a validation split of those labelled examples only. Returns mean and
    standard deviation of test accuracy and error over draws, plus every draw's result. `progress(1)`,
    when given, is called after every fit (draws * (len(c_grid) + 1) of them).
    """
    train_y = np.asarray(train_y)
    classes, counts = np.unique(train_y, return_counts=True)
    if per_class < 2 or counts.min() < per_class:
        raise UsageError(f"few_label_protocol: per_class must be at least 2 and at most the smallest class "
                         f"size ({counts.min()}), got {per_class}")
    generator = np.random.default_rng(seed)
    results = []
    for draw in range(draws):
        chosen = np.concatenate([generator.choice(np.flatnonzero(train_y == label), per_class, replace=False)
                                 for label in classes])
        results.append(linear_svm_protocol(np.asarray(train_x)[chosen], train_y[chosen], test_x, test_y,
                                           c_grid, validation_fraction, seed=seed + draw, progress=progress))
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
