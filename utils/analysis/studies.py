"""Comparisons between training runs: the three studies of the 2021 E4040 reproduction.

(1) BatchNorm against no BatchNorm, (2) a small training set against the full one, (3) the loss
curves of several datasets; and the sample-quality study (FID against epochs of several training
options, from `train --fid-every`'s `epoch_metrics.csv`). Each study trains or reuses run directories (`utils.training.trainer` writes
them) and compares what they hold: `history.csv`, the per-epoch grids in `samples/`, and the
saved generator. The study notebooks call these functions; nothing here trains.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from utils.errors import MissingError, UsageError
from utils.pictures.plots import pyplot, save_figure, smooth
from utils.training.trainer import read_history, read_rows

COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive")


def run_history(run_dir: str | Path) -> dict[str, list]:
    """Every row of `<run_dir>/history.csv` as lists (step, epoch, d_loss, g_loss, d_real, d_fake)."""
    path = Path(run_dir) / "history.csv"
    if not path.is_file():
        raise MissingError(f"{run_dir} holds no history.csv; train the run first")
    return read_history(path)


def epoch_means(history: dict[str, list]) -> dict[str, list]:
    """Per-epoch means of the losses and of D's outputs: {"epoch": [...], "d_loss": [...], ...}."""
    epochs = np.asarray(history["epoch"])
    table = {"epoch": [int(epoch) for epoch in np.unique(epochs)]}
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        values = np.asarray(history[key], dtype=np.float64)
        table[key] = [float(values[epochs == epoch].mean()) for epoch in table["epoch"]]
    return table


def _fractional_epochs(history: dict[str, list]) -> np.ndarray:
    """x positions in epochs: step s of epoch e (with n steps in it) sits at e - 1 + k/n."""
    epochs = np.asarray(history["epoch"])
    positions = np.empty(len(epochs), dtype=np.float64)
    for epoch in np.unique(epochs):
        where = np.flatnonzero(epochs == epoch)
        positions[where] = epoch - 1 + (np.arange(len(where)) + 1) / len(where)
    return positions


def compare_losses(histories: dict[str, dict], title: str = "", path: str | Path | None = None,
                   by_epoch: bool = True):
    """D's and G's loss of several runs on one figure: two panels, one colour per run.

    `histories` maps a label to a history (`run_history`). With `by_epoch` the x axis is in epochs,
    so that runs with different numbers of steps per epoch (datasets or subsets of other sizes)
    line up; otherwise it is the training step. Each curve is a moving average over about 1/50 of
    the run, drawn over the faint per-step values. Returns the Figure; writes a PNG when `path` is given.
    """
    if not histories:
        raise UsageError("compare_losses needs at least one history")
    figure, axes = pyplot.subplots(1, 2, figsize=(13, 4.5), sharex=True)
    for (label, history), colour in zip(histories.items(), COLOURS * 4):
        x = _fractional_epochs(history) if by_epoch else np.asarray(history["step"], dtype=np.float64)
        window = max(1, len(x) // 50)
        for axis, key in zip(axes, ("d_loss", "g_loss")):
            values = np.asarray(history[key], dtype=np.float64)
            axis.plot(x, values, color=colour, alpha=0.15, linewidth=0.6)
            axis.plot(x, smooth(values, window), color=colour, label=label)
    for axis, name in zip(axes, ("discriminator", "generator")):
        axis.set_title(f"{name} loss" + (f": {title}" if title else ""))
        axis.set_xlabel("epoch" if by_epoch else "training step")
        axis.set_ylabel("binary cross-entropy")
    axes[0].axhline(2 * np.log(2), color="grey", linewidth=0.6, linestyle="--")   # D at chance: 2 ln 2
    axes[0].legend()
    figure.tight_layout()
    return save_figure(figure, path)


def run_metrics(run_dir: str | Path) -> list[dict]:
    """The rows of `<run_dir>/epoch_metrics.csv` (`train --fid-every`), numbers as floats, epochs as ints."""
    path = Path(run_dir) / "epoch_metrics.csv"
    if not path.is_file():
        raise MissingError(f"{run_dir} holds no epoch_metrics.csv; train it with --fid-every N")
    return [{key: int(value) if key in ("epoch", "step") else float(value) for key, value in row.items()}
            for row in read_rows(path)]


def compare_metric(curves: dict[str, tuple[str | Path, str]], ylabel: str = "FID", references=None,
                   title: str = "", path: str | Path | None = None, log_scale: bool = True):
    """One metric against epochs for several runs on one figure.

    `curves` maps a label to (run directory, column of its epoch_metrics.csv), e.g. ("runs/x", "fid")
    for the averaged G of an --ema run and ("runs/x", "fid_raw") for G as trained. `references` maps a
    label to a published value, drawn as a dashed horizontal line. Returns the Figure; writes a PNG
    when `path` is given.
    """
    if not curves:
        raise UsageError("compare_metric needs at least one curve")
    figure, axis = pyplot.subplots(figsize=(8, 4.8))
    for (label, (run_dir, column)), colour in zip(curves.items(), COLOURS * 4):
        rows = run_metrics(run_dir)
        if not rows or column not in rows[0]:
            raise UsageError(f"{run_dir}/epoch_metrics.csv has no column {column!r} "
                             f"(it has {', '.join(rows[0]) if rows else 'no rows'})")
        axis.plot([row["epoch"] for row in rows], [row[column] for row in rows], marker="o", markersize=3,
                  color=colour, label=label)
    for (label, value), colour in zip((references or {}).items(), ("grey", "black", "tab:gray", "dimgray")):
        axis.axhline(value, color=colour, linestyle="--", linewidth=0.8)
        axis.annotate(f"{label} {value:g}", (axis.get_xlim()[0], value), fontsize=8, va="bottom", color=colour)
    if log_scale:
        axis.set_yscale("log")
    axis.set_xlabel("epoch")
    axis.set_ylabel(ylabel)
    if title:
        axis.set_title(title)
    axis.legend(fontsize=8)
    figure.tight_layout()
    return save_figure(figure, path)


def epoch_grid_path(run_dir: str | Path, epoch: int) -> Path:
    path = Path(run_dir) / "samples" / f"epoch_{epoch:03d}.png"
    if not path.is_file():
        available = sorted(int(found.stem.split("_")[1]) for found in path.parent.glob("epoch_*.png"))
        raise MissingError(f"{path} does not exist; the run has grids for epochs {available or 'none'}")
    return path


def compare_grids(run_dirs: dict[str, str | Path], epochs: list[int], path: str | Path | None = None):
    """A table of sample grids: one row per run, one column per epoch (`samples/epoch_NNN.png`).

    Every run draws its grids from the same fixed latent batch when the runs share the seed, so a
    cell of one row and the same cell of another row come from the same z. An empty label titles
    the panels with the epoch alone. Returns the Figure; writes a PNG when `path` is given.
    """
    from PIL import Image

    if not run_dirs or not epochs:
        raise UsageError("compare_grids needs at least one run and one epoch")
    rows, columns = len(run_dirs), len(epochs)
    figure, axes = pyplot.subplots(rows, columns, figsize=(3.6 * columns, 3.8 * rows), squeeze=False)
    for row, (label, run_dir) in enumerate(run_dirs.items()):
        for column, epoch in enumerate(epochs):
            axis = axes[row][column]
            axis.imshow(np.asarray(Image.open(epoch_grid_path(run_dir, epoch))), cmap="gray", vmin=0, vmax=255)
            axis.set_title(f"{label}, epoch {epoch}" if label else f"epoch {epoch}", fontsize=10)
            axis.axis("off")
    figure.tight_layout()
    return save_figure(figure, path)


def sample_diversity(images: np.ndarray, num_pairs: int = 2000, seed: int = 0) -> float:
    """Mean root-mean-square difference between random pairs of distinct images (values in [-1, 1]).

    A collapsed generator, drawing the same picture for every z, scores near 0; compare a
    generator's score with the real data's (the same function on real images).
    """
    images = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    if len(images) < 2:
        raise UsageError("sample_diversity needs at least 2 images")
    generator = np.random.default_rng(seed)
    first = generator.integers(0, len(images), num_pairs)
    second = (first + generator.integers(1, len(images), num_pairs)) % len(images)   # never the same image
    return float(np.sqrt(np.mean(np.square(images[first] - images[second]), axis=1)).mean())


def summary_table(runs: dict[str, dict]) -> str:
    """A markdown table of per-run numbers: `runs` maps a label to {column: value}."""
    columns = list(dict.fromkeys(column for values in runs.values() for column in values))
    lines = ["| run | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for label, values in runs.items():
        cells = [values.get(column, "") for column in columns]
        lines.append(f"| {label} | " + " | ".join(f"{cell:.3f}" if isinstance(cell, float) else str(cell)
                                                  for cell in cells) + " |")
    return "\n".join(lines)
