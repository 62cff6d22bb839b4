"""One DCGAN per class, as the classDCGAN of an earlier PyTorch reproduction trains them (ten pairs on CIFAR-10).

`train --per-class` trains one generator/discriminator pair per label of the dataset, one after the other,
each an ordinary resumable run directory under one parent folder:

    RUN/config.json            the shared DCGANConfig, plus "per_class": the labels, their names, the runs
    RUN/class_<k>_<name>/      the run of label k (config.classes == (k,); --limit counts its images only)
    RUN/gallery.png            the latest sample grid of every class, labelled with the class names

Resuming the parent resumes every class that is not finished and starts those not begun.
`generate --model RUN --class K` samples class K; without `--class`, a labelled row per class.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
from PIL import Image

from model.config import DCGANConfig
from utils.data.idx import CLASS_NAMES
from utils.errors import MissingError, UsageError
from utils.files import write_atomic
from utils.pictures.plots import save_figure

PARENT_KEY = "per_class"
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
NAMES = {**{name: tuple(names) for name, names in CLASS_NAMES.items()}, "cifar10": CIFAR10_CLASSES}


def class_name(dataset: str, label: int) -> str:
    """The label's name where the dataset has names (MNIST family, CIFAR-10), else the label itself."""
    names = NAMES.get(dataset)
    return names[label] if names is not None and 0 <= label < len(names) else str(label)


def child_name(label: int, name: str) -> str:
    """class_3_dress, class_0_t-shirt_top: the label, then its name as a folder name."""
    return f"class_{label}_" + re.sub(r"[^a-z0-9-]+", "_", name.lower()).strip("_")


def is_per_class(run_dir: str | Path) -> bool:
    path = Path(run_dir) / "config.json"
    return path.is_file() and PARENT_KEY in json.loads(path.read_text())


def read_parent(run_dir: str | Path) -> dict:
    """The parent's "per_class" record: {"labels": [...], "names": [...], "runs": [...]}."""
    path = Path(run_dir) / "config.json"
    if not is_per_class(run_dir):
        raise MissingError(f"{run_dir}: not a per-class run (no config.json with \"{PARENT_KEY}\"); "
                           "train one with train --per-class")
    return json.loads(path.read_text())[PARENT_KEY]


def child_dir(run_dir: str | Path, label: int) -> Path:
    """The run directory of `label` inside a per-class parent; UsageError naming the labels it has."""
    record = read_parent(run_dir)
    if label not in record["labels"]:
        raise UsageError(f"--class {label}: {run_dir} has classes {', '.join(map(str, record['labels']))}")
    return Path(run_dir) / record["runs"][record["labels"].index(label)]


def prepare_parent(config: DCGANConfig, labels: list[int], out_dir: Path, resume: bool) -> list[tuple[int, Path]]:
    """Write (or, resumed, check) the parent's config.json; returns (label, run directory) per class."""
    out_dir = Path(out_dir)
    names = [class_name(config.dataset, label) for label in labels]
    runs = [child_name(label, name) for label, name in zip(labels, names)]
    if resume:
        record = read_parent(out_dir)
        labels, runs = record["labels"], record["runs"]
    elif (out_dir / "config.json").is_file():
        raise UsageError(f"{out_dir} already holds a run; pass --resume to continue it, or choose another --out")
    else:
        out_dir.mkdir(parents=True, exist_ok=True)
        shared = {**dataclasses.asdict(config), "classes": []}
        write_atomic(out_dir / "config.json", json.dumps(
            {**shared, PARENT_KEY: {"labels": labels, "names": names, "runs": runs}}, indent=2) + "\n")
    return [(label, out_dir / run) for label, run in zip(labels, runs)]


def latest_grid(run_dir: Path) -> np.ndarray | None:
    """The newest samples/epoch_NNN.png of a run as an array, or None before its first epoch."""
    grids = sorted((run_dir / "samples").glob("epoch_*.png"))
    return np.asarray(Image.open(grids[-1]).convert("RGB")) if grids else None


def write_gallery(run_dir: str | Path, path: str | Path | None = None) -> Path:
    """gallery.png of a per-class parent: every class's latest grid under its name, five to a row."""
    from matplotlib import pyplot

    run_dir = Path(run_dir)
    record = read_parent(run_dir)
    panels = [(f"{label}: {name}", latest_grid(run_dir / run))
              for label, name, run in zip(record["labels"], record["names"], record["runs"])]
    panels = [(title, grid) for title, grid in panels if grid is not None]
    if not panels:
        raise MissingError(f"{run_dir}: no class has a sample grid yet")
    columns = min(5, len(panels))
    rows = -(-len(panels) // columns)
    figure, axes = pyplot.subplots(rows, columns, figsize=(2.4 * columns, 2.9 * rows), squeeze=False)
    for axis in axes.ravel():
        axis.axis("off")
    for axis, (title, grid) in zip(axes.ravel(), panels):
        axis.imshow(grid)
        axis.set_title(title, fontsize=9)
    figure.suptitle(f"one DCGAN per class: the latest grid of each ({len(panels)} classes)", fontsize=10)
    figure.tight_layout()
    path = Path(path or run_dir / "gallery.png")
    save_figure(figure, path)
    return path


def write_gallery_gif(run_dir: str | Path, path: str | Path | None = None, side: int = 4,
                      seconds_per_frame: float = 0.6) -> Path:
    """gallery.gif of a per-class parent: every class's training, one frame per epoch, each class shown by
    the first side x side samples of its fixed batch (the top-left corner of its samples/epoch_NNN.png,
    at one screen pixel per image pixel) under its name, five classes to a row. A class with fewer
    epochs than the others keeps its last grid. One GIF of ten such corners weighs a tenth of the ten
    runs' own progress.gif files, which is what lets it go into a README."""
    from PIL import ImageDraw

    from utils.files import atomic_path

    run_dir = Path(run_dir)
    record = read_parent(run_dir)
    size = DCGANConfig.from_json(run_dir / "config.json").image_size
    classes = [(f"{label}: {name}", sorted((run_dir / run / "samples").glob("epoch_*.png")))
               for label, name, run in zip(record["labels"], record["names"], record["runs"])]
    classes = [(title, frames) for title, frames in classes if frames]
    if not classes:
        raise MissingError(f"{run_dir}: no class has a sample grid yet")
    corner = side * (size + 2) + 2   # make_grid: 2 px of padding around every image, 8 to a row
    label_height, columns = 14, min(5, len(classes))
    rows = -(-len(classes) // columns)
    frames = []
    for epoch in range(max(len(paths) for _, paths in classes)):
        frame = Image.new("L", (columns * corner, rows * (corner + label_height) + label_height), 255)
        draw = ImageDraw.Draw(frame)
        for index, (title, paths) in enumerate(classes):
            grid = Image.open(paths[min(epoch, len(paths) - 1)]).convert("L")
            scale = grid.width // (8 * (size + 2) + 2)
            piece = grid.crop((0, 0, corner * scale, corner * scale)).resize((corner, corner), Image.NEAREST)
            left, top = (index % columns) * corner, (index // columns) * (corner + label_height)
            frame.paste(piece, (left, top + label_height))
            draw.text((left + 3, top + 1), title, fill=0)
        draw.text((3, frame.height - label_height + 1), f"epoch {epoch + 1}", fill=0)
        frames.append(frame)
    path = Path(path or run_dir / "gallery.gif")
    with atomic_path(path) as temporary:
        frames[0].save(temporary, format="GIF", save_all=True, append_images=frames[1:],
                       duration=int(seconds_per_frame * 1000), loop=0, optimize=True)
    return path


def train_classes(config: DCGANConfig, raw, out_dir: str | Path, resume: bool = False, log=print,
                  **train_options) -> tuple[Path, int]:
    """Train one run per label of `raw` (of `config.classes` only, when given) under `out_dir`, one after
    the other, then write the gallery; returns (gallery path, number of classes). With `resume`, every
    class not finished continues and those not begun start. `train_options` go to `trainer.train`.
    A class that stops raises TrainingStopped naming the class and how to continue."""
    from utils.data.pipeline import TrainingData
    from utils.training.trainer import TrainingStopped, train

    if raw.labels is None:
        raise UsageError(f"--per-class needs a labelled dataset (mnist, fashion_mnist, cifar10, svhn); "
                         f"{config.dataset} has no labels")
    if config.fid_every:
        raise UsageError("--per-class with --fid-every: the FID compares with the whole test set, all classes, so a "
                         "one-class generator's FID says little; evaluate the classes with --metrics domain instead")
    out_dir = Path(out_dir)
    present = {int(label) for label in np.unique(raw.labels)}
    labels = sorted(present & set(config.classes) if config.classes else present)
    runs = prepare_parent(config, labels, out_dir, resume)
    log(f"{config.dataset}: one DCGAN per class, {len(runs)} classes, into {out_dir}")
    for number, (label, run_dir) in enumerate(runs, 1):
        child_resumes = (run_dir / "config.json").is_file()
        child = dataclasses.replace(config, classes=(label,))
        if child_resumes:   # the class's own run, with the epochs the parent now asks for
            child = dataclasses.replace(DCGANConfig.from_json(run_dir / "config.json"), epochs=config.epochs)
        data = TrainingData(raw, child.image_size, child.channels, child.batch_size, child.seed, limit=child.limit,
                            classes=child.classes)
        log(f"class {label} ({class_name(config.dataset, label)}), {number} of {len(runs)}: "
            f"{data.num_examples} images, {data.steps_per_epoch} steps per epoch; run directory {run_dir}")
        try:
            train(child, data, run_dir, resume=child_resumes, log=log, **train_options)
        except TrainingStopped as stopped:
            raise TrainingStopped(f"class {label}: {stopped} (with --resume --out {out_dir}, the other classes "
                                  "follow)", exit_code=stopped.exit_code) from None
    write_gallery_gif(out_dir)
    return write_gallery(out_dir), len(runs)
