"""Loss curves of the adversarial game (D and G loss per step, with a smoothed trend), and saving figures."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")   # no display on servers and in CI
import numpy as np  # noqa: E402
from matplotlib import pyplot  # noqa: E402

from utils.files import atomic_path  # noqa: E402


def smooth(values, window: int) -> np.ndarray:
    """Moving average over `window` steps (shorter at the start), same length as `values`."""
    values = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(values) == 0:
        return values
    cumulative = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (cumulative[1:] - cumulative[np.maximum(np.arange(1, len(values) + 1) - window, 0)]) / counts


def plot_losses(history: dict[str, list], path: str | Path | None = None, title: str = "DCGAN losses",
                steps_per_epoch: int | None = None, axes=None):
    """Plot D and G losses against steps; `history` has `step`, `d_loss`, `g_loss` lists.

    Returns the matplotlib Figure; writes a PNG when `path` is given.
    """
    steps = np.asarray(history["step"])
    if axes is None:
        figure, axes = pyplot.subplots(figsize=(8, 4))
    else:
        figure = axes.figure
    window = max(1, len(steps) // 50)
    for key, label, colour in (("d_loss", "discriminator", "tab:blue"), ("g_loss", "generator", "tab:orange")):
        values = np.asarray(history[key], dtype=np.float64)
        axes.plot(steps, values, color=colour, alpha=0.25, linewidth=0.8)
        axes.plot(steps, smooth(values, window), color=colour, label=f"{label} ({window}-step mean)")
    if steps_per_epoch and len(steps) and steps[-1] >= steps_per_epoch:
        for boundary in range(steps_per_epoch, int(steps[-1]) + 1, steps_per_epoch):
            axes.axvline(boundary, color="grey", linewidth=0.5, linestyle=":")
    axes.set_xlabel("training step" + (" (dotted: epoch boundaries)" if steps_per_epoch else ""))
    axes.set_ylabel("binary cross-entropy")
    axes.set_title(title)
    axes.legend()
    figure.tight_layout()
    return save_figure(figure, path)


def save_figure(figure, path: str | Path | None = None):
    """Write `figure` as a PNG to `path` (atomically) and close it; without a path, leave it open. Returns it."""
    if path is not None:
        with atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=100)
        pyplot.close(figure)
    return figure
