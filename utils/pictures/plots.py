"""Loss curves of the adversarial game (D and G loss per step, with a smoothed trend), labelled rows of
pictures, and saving figures."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")   # no display on servers and in CI
import numpy as np  # noqa: E402
from matplotlib import pyplot  # noqa: E402

from utils.files import atomic_path  # noqa: E402
from utils.pictures import images as image_utils  # noqa: E402


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


def image_rows(rows, labels=None, title: str | None = None, tile_inches: float = 1.1):
    """A matplotlib Figure with one labelled row of images per entry of `rows`.

    rows: a list of image batches (k, H, W, C), float in [-1, 1] or uint8 (e.g. Grad-CAM overlays);
    rows may differ in length and channels. labels: one text per row, written at its left.
    """
    rows = [np.asarray(row) for row in rows]
    if not rows or any(row.ndim != 4 or len(row) == 0 for row in rows):
        raise ValueError("rows must be a non-empty list of non-empty (k, H, W, C) image batches")
    labels = list(labels) if labels is not None else [""] * len(rows)
    if len(labels) != len(rows):
        raise ValueError(f"{len(labels)} labels for {len(rows)} rows")
    columns = max(len(row) for row in rows)
    figure, axes = pyplot.subplots(len(rows), 1, figsize=(tile_inches * columns + 1.8, tile_inches * len(rows) + 0.4),
                                   squeeze=False)
    grids = [image_utils.make_grid(row, columns=len(row), padding=1) for row in rows]
    widest = max(grid.shape[1] for grid in grids)
    for axis, grid, label in zip(axes[:, 0], grids, labels):
        axis.imshow(grid[..., 0] if grid.shape[-1] == 1 else grid, cmap="gray", vmin=0, vmax=255)
        axis.set_xlim(-0.5, widest - 0.5)   # rows of different lengths start at the same left edge
        axis.set_xticks([])
        axis.set_yticks([])
        for side in axis.spines.values():
            side.set_visible(False)
        axis.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    return figure
