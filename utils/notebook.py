"""Small helpers the notebooks share: smoke-test data, figure folders, inline pictures, a training run.

The notebooks narrate; anything two of them need lives here (or elsewhere in `utils/`), so that no
notebook depends on another. Nothing in `model/` or the rest of `utils/` imports this module.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from model.config import DCGANConfig
from utils.data.idx import MNIST_FAMILY
from utils.errors import MissingError, UsageError

SAVED_MODELS = Path(__file__).resolve().parents[1] / "saved_models"
# The trained model that ships for a dataset (saved_models/README.md): what an analysis notebook reads
# when no dataset notebook has trained a run of its own yet.
SHIPPED_MODELS = {"fashion_mnist": SAVED_MODELS / "fashion_mnist_dcgan_ema_20ep"}


def default_run(dataset: str, runs: str | Path = "runs/notebooks") -> Path:
    """The run an analysis notebook reads when not told: the dataset notebook's `runs/notebooks/<dataset>`
    if it exists, else the model that ships for the dataset, else that (missing) path, which the loader
    names in its error."""
    own = Path(runs) / dataset
    shipped = SHIPPED_MODELS.get(dataset)
    if not own.exists() and shipped is not None and shipped.is_dir():
        return shipped
    return own


def smoke_data_dir(dataset: str, folder: str | Path, num_images: int = 64) -> Path:
    """Write a tiny native-format copy of `dataset` into `folder`; returns the folder to pass as data_dir.

    The MNIST family gets IDX files (utils.data.idx), every other dataset its own format
    (utils.data.fixtures). CelebA keeps 60% of the images for its train split.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if dataset in MNIST_FAMILY:
        from utils.data.idx import write_mnist_fixture

        write_mnist_fixture(folder, num_images=num_images)
    else:
        from utils.data.fixtures import write_fixture

        write_fixture(dataset, folder, num_images)
    return folder


def figures_dir(name: str, root: str | Path = "figures") -> Path:
    """`<root>/<name>/`, created: where a notebook saves its PNG figures (name: the notebook's name)."""
    folder = Path(root) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def show_image(path: str | Path, width: int | None = None) -> None:
    """Display a PNG inline in a notebook (returns nothing, so a cell ending with it shows it once)."""
    from IPython.display import Image, display

    display(Image(filename=str(path), width=width))


def show_gif(path: str | Path, width: int | None = None) -> None:
    """Display an animated GIF inline (embedded as GIF bytes, so the animation plays)."""
    from IPython.display import Image, display

    display(Image(data=Path(path).read_bytes(), format="gif", width=width))


def show_figure(figure, path: str | Path) -> None:
    """Save a matplotlib figure as PNG (at `path`), close it and display the PNG inline.

    Displaying the saved file (rather than relying on the inline backend, which `utils.pictures.plots`
    switches off by selecting Agg) shows exactly what went into the figures folder.
    """
    from utils.pictures.plots import save_figure

    save_figure(figure, path)
    show_image(path)


def training_data(config: DCGANConfig, data_dir: str | Path | None = None, split: str = "train"):
    """The `TrainingData` a config asks for: its dataset, size, channels, batch size, seed, limit and classes."""
    from utils.data import load_raw
    from utils.data.pipeline import TrainingData

    raw = load_raw(config.dataset, data_dir=data_dir, split=split, image_size=config.image_size,
                   channels=config.channels)
    return TrainingData(raw, config.image_size, config.channels, config.batch_size, config.seed,
                        limit=config.limit, classes=config.classes)


def run_training(config: DCGANConfig, run_dir: str | Path, data=None, data_dir: str | Path | None = None,
                 progress: bool = True, log=print) -> tuple[dict[str, list], Path]:
    """Train `config` into `run_dir` (loading the data when `data` is None); returns (history, run_dir).

    Re-running a notebook continues the same run: a run directory holding this exact config is
    resumed (nothing to do when it is complete); one holding another config is an error, so a
    smoke run never silently mixes with a full one.
    """
    from utils.training.trainer import train

    run_dir = Path(run_dir)
    resume = (run_dir / "config.json").is_file()
    if resume and DCGANConfig.from_json(run_dir / "config.json") != config:
        raise UsageError(f"{run_dir} holds a run with another configuration; delete it or choose another "
                         "output_dir")
    if data is None:
        data = training_data(config, data_dir)
    history = train(config, data, run_dir, resume=resume, progress=progress, log=log)
    return history, run_dir


def run_per_class(config: DCGANConfig, run_dir: str | Path, data_dir: str | Path | None = None,
                  progress: bool = True, log=print) -> Path:
    """One DCGAN per class of `config`'s dataset into `run_dir` (`train --per-class`); returns the gallery.
    As `run_training`, running the cell again continues the same run, and another config is an error."""
    from utils.data import load_raw
    from utils.training import per_class

    run_dir = Path(run_dir)
    resume = per_class.is_per_class(run_dir)
    # The parent keeps its labels in its own record, and "classes" empty.
    if resume and DCGANConfig.from_json(run_dir / "config.json") != dataclasses.replace(config, classes=()):
        raise UsageError(f"{run_dir} holds a per-class run with another configuration; delete it or choose "
                         "another output_dir")
    raw = load_raw(config.dataset, data_dir=data_dir, image_size=config.image_size, channels=config.channels)
    gallery, _ = per_class.train_classes(config, raw, run_dir, resume=resume, log=log, progress=progress)
    return gallery


def epoch_grids(run_dir: str | Path, path: str | Path | None = None, max_panels: int = 4):
    """One figure with the sample grids of up to `max_panels` epochs (first, last, evenly between).

    The grids come from `<run_dir>/samples/epoch_NNN.png` (the same latent batch every epoch).
    Returns the matplotlib Figure; writes a PNG when `path` is given.
    """
    from utils.analysis.studies import compare_grids

    frames = sorted(Path(run_dir, "samples").glob("epoch_*.png"))
    if not frames:
        raise MissingError(f"{run_dir}/samples holds no epoch_*.png; has the run finished an epoch?")
    picks = sorted(set(np.linspace(0, len(frames) - 1, min(max_panels, len(frames))).round().astype(int)))
    return compare_grids({"": run_dir}, [int(frames[index].stem.split("_")[1]) for index in picks], path)


def class_coverage(dataset: str, images: np.ndarray, folder: str | Path = SAVED_MODELS) -> dict | None:
    """Which classes generated `images` fall into, by the domain classifier saved for `dataset`.

    Uses the classifier `dcgan.py evaluate --metrics domain` trained and saved in `folder` for this
    dataset and image shape (the one trained on the most images); returns `utils.evaluation.domain.mode_coverage`'s
    dict, or None when there is no such classifier (datasets outside the MNIST family, other sizes).
    """
    from utils.data.idx import CLASS_NAMES
    from utils.evaluation import domain

    if dataset not in CLASS_NAMES:
        return None
    size, channels = images.shape[1], images.shape[-1]
    found = sorted(Path(folder).glob(f"domain_classifier_{dataset}_{size}px_{channels}ch_*.keras"),
                   key=lambda path: int(path.stem.rsplit("_", 1)[1]))
    if not found:
        return None
    _, probabilities = domain.domain_outputs(domain.load_or_train(found[-1]), images)
    return domain.mode_coverage(probabilities, CLASS_NAMES[dataset])
