"""Pictures of `dcgan.py evaluate --metrics svm` results: accuracy per feature set, and the choice of C.

Both take the `svm` part of `utils.evaluation.evaluate.evaluate`'s results (or of the JSON `--out` writes):
{feature set: {"features", "all_labels": {...}, "<N>_per_class": {...}}}.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from utils.errors import UsageError
from utils.pictures.plots import pyplot, save_figure

FEATURE_SETS = {"trained_discriminator": "trained D", "random_discriminator": "random-weights D",
                "raw_pixels": "raw pixels"}


def few_label_key(svm_results: dict) -> str:
    """The "<N>_per_class" key of the few-label protocol in these results."""
    keys = {key for table in svm_results.values() for key in table if key.endswith("_per_class")}
    if len(keys) != 1:
        raise UsageError(f"expected one few-label protocol in the svm results, found {sorted(keys) or 'none'}")
    return keys.pop()


def accuracy_table(svm_results: dict) -> list[dict]:
    """One row per feature set, in percent: all-label accuracy, few-label mean and std, feature count."""
    few = few_label_key(svm_results)
    return [{"features": FEATURE_SETS.get(name, name), "dimensions": table["features"],
             "all_labels": 100 * table["all_labels"]["test_accuracy"],
             "few_mean": 100 * table[few]["mean_test_accuracy"], "few_std": 100 * table[few]["std_test_accuracy"]}
            for name, table in svm_results.items()]


def plot_svm_accuracy(svm_results: dict, path: str | Path | None = None, num_classes: int | None = None):
    """Grouped bars: test accuracy with all labels and with N labels per class (mean +- std over draws).

    A dotted line marks chance (1 / num_classes) when given. Returns the Figure; writes a PNG with `path`.
    """
    few = few_label_key(svm_results)
    rows = accuracy_table(svm_results)
    first = next(iter(svm_results.values()))
    positions, width = np.arange(len(rows)), 0.38
    figure, axes = pyplot.subplots(figsize=(7, 4))
    all_bars = axes.bar(positions - width / 2, [row["all_labels"] for row in rows], width,
                        label=f"all {first['all_labels']['num_train']:,} labels")
    few_bars = axes.bar(positions + width / 2, [row["few_mean"] for row in rows], width,
                        yerr=[row["few_std"] for row in rows], capsize=4,
                        label=f"{first[few]['per_class']} labels per class (mean +- std, {first[few]['draws']} draws)")
    for bars in (all_bars, few_bars):
        axes.bar_label(bars, fmt="%.1f", padding=2, fontsize=8)
    if num_classes:
        axes.axhline(100 / num_classes, color="grey", linestyle=":", linewidth=1, label="chance")
    axes.set_xticks(positions, [f"{row['features']}\n{row['dimensions']:,} features" for row in rows])
    axes.set_ylabel("test accuracy (%)")
    axes.set_ylim(0, 122)   # room above the bars for the legend
    axes.set_yticks(range(0, 101, 20))
    axes.set_title("Linear L2-SVM on each feature set (C chosen on a validation split)")
    axes.legend(fontsize=7.5, loc="upper center", ncol=3)
    figure.tight_layout()
    return save_figure(figure, path)


def plot_c_choice(svm_results: dict, path: str | Path | None = None):
    """Validation accuracy against C for each feature set (all-label protocol), the chosen C ringed."""
    figure, axes = pyplot.subplots(figsize=(6, 3.6))
    for name, table in svm_results.items():
        protocol = table["all_labels"]
        accuracies = 100 * np.asarray(protocol["validation_accuracies"])
        line, = axes.plot(protocol["c_grid"], accuracies, marker="o", label=FEATURE_SETS.get(name, name))
        chosen = protocol["c_grid"].index(protocol["chosen_c"])
        axes.plot(protocol["chosen_c"], accuracies[chosen], marker="o", markersize=14, fillstyle="none",
                  color=line.get_color())
    axes.set_xscale("log")
    axes.set_xlabel("C (squared hinge loss weight; smaller = stronger L2 penalty)")
    axes.set_ylabel("validation accuracy (%)")
    axes.set_title("Choosing C on the validation split (ringed: chosen)")
    axes.legend(fontsize=8)
    figure.tight_layout()
    return save_figure(figure, path)
