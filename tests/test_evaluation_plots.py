"""The pictures of the feature-classification results show the numbers of the protocol that made them."""

import numpy as np
import pytest

from tests.test_svm import SMALL_GRID, toy_problem
from utils.evaluation import svm
from utils.evaluation.svm_plots import accuracy_table, few_label_key, plot_c_choice, plot_svm_accuracy


@pytest.fixture(scope="module")
def svm_results():
    """Results shaped as `evaluate` writes them, from the real protocols: an easy and a hard feature set."""
    results = {}
    for name, separation in (("trained_discriminator", 6.0), ("raw_pixels", 0.3)):
        train_x, train_y = toy_problem(separation=separation, seed=0)
        test_x, test_y = toy_problem(separation=separation, seed=1, num_per_class=20)
        results[name] = {
            "features": train_x.shape[1],
            "all_labels": svm.linear_svm_protocol(train_x, train_y, test_x, test_y, c_grid=SMALL_GRID),
            "5_per_class": svm.few_label_protocol(train_x, train_y, test_x, test_y, per_class=5, draws=3,
                                                  c_grid=SMALL_GRID),
        }
    return results


def test_bars_are_the_accuracies_in_percent(svm_results, tmp_path):
    figure = plot_svm_accuracy(svm_results, num_classes=3)
    axes = figure.axes[0]
    heights = [patch.get_height() for patch in axes.patches]
    rows = accuracy_table(svm_results)
    assert heights == pytest.approx([row["all_labels"] for row in rows] + [row["few_mean"] for row in rows])
    assert rows[0]["features"] == "trained D" and rows[0]["all_labels"] > 95 > rows[1]["all_labels"]
    assert rows[0]["few_mean"] == pytest.approx(100 * svm_results["trained_discriminator"]["5_per_class"][
        "mean_test_accuracy"])
    assert any(line.get_ydata()[0] == pytest.approx(100 / 3) for line in axes.lines)   # chance
    plot_svm_accuracy(svm_results, tmp_path / "accuracy.png")
    assert (tmp_path / "accuracy.png").read_bytes()[:4] == b"\x89PNG"


def test_c_choice_rings_the_chosen_c(svm_results, tmp_path):
    figure = plot_c_choice(svm_results)
    lines = figure.axes[0].lines
    for index, table in enumerate(svm_results.values()):
        curve, ring = lines[2 * index], lines[2 * index + 1]
        assert list(curve.get_xdata()) == list(SMALL_GRID)
        np.testing.assert_allclose(curve.get_ydata(), 100 * np.asarray(table["all_labels"]["validation_accuracies"]))
        assert ring.get_xdata()[0] == table["all_labels"]["chosen_c"]
    plot_c_choice(svm_results, tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"


def test_results_without_a_single_few_label_protocol_are_refused(svm_results):
    mixed = {"a": {"2_per_class": {}}, "b": {"5_per_class": {}}}
    with pytest.raises(ValueError, match="one few-label protocol"):
        few_label_key(mixed)
    assert few_label_key(svm_results) == "5_per_class"
