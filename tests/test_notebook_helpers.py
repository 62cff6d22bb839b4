"""utils.notebook: smoke data for every dataset, figure folders, inline pictures, a resumable training run."""

import dataclasses

import numpy as np
import pytest

from model.config import DCGANConfig
from utils import notebook
from utils.data import load_raw
from utils.pictures.images import progress_gif, save_grid


@pytest.mark.parametrize("dataset", ["mnist", "fashion_mnist", "cifar10", "svhn", "celeba", "lsun_bedroom", "cats"])
def test_smoke_data_dir_is_readable_by_the_dataset_reader(dataset, tmp_path):
    folder = notebook.smoke_data_dir(dataset, tmp_path / dataset, num_images=32)
    assert folder == tmp_path / dataset
    raw = load_raw(dataset, data_dir=folder, image_size=32)
    expected = round(0.6 * 32) if dataset == "celeba" else 32   # CelebA's fixture keeps 60% for train
    assert raw.num_examples == expected


def test_smoke_data_dir_names_the_choices_for_an_unknown_dataset(tmp_path):
    with pytest.raises(ValueError, match="choose one of"):
        notebook.smoke_data_dir("imagenet", tmp_path)


def test_figures_dir_is_created_under_its_root(tmp_path):
    folder = notebook.figures_dir("mnist", tmp_path / "figures")
    assert folder == tmp_path / "figures" / "mnist" and folder.is_dir()
    assert notebook.figures_dir("mnist", tmp_path / "figures") == folder   # idempotent


def test_show_image_gif_and_figure_display_files(tmp_path, monkeypatch):
    import IPython.display
    from matplotlib import pyplot

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    png = save_grid(np.zeros((4, 8, 8, 1), np.float32), tmp_path / "grid.png")
    gif = progress_gif([png, png], tmp_path / "progress.gif")
    assert notebook.show_image(png) is None   # nothing returned: a cell ending with it shows one picture
    notebook.show_gif(gif)
    figure, axes = pyplot.subplots()
    axes.plot([0, 1])
    notebook.show_figure(figure, tmp_path / "figure.png")
    assert [image.format for image in shown] == ["png", "gif", "png"]
    assert shown[0].data == png.read_bytes() and shown[1].data == gif.read_bytes()
    assert shown[2].data == (tmp_path / "figure.png").read_bytes() and not pyplot.fignum_exists(figure.number)


def test_run_training_writes_a_run_resumes_it_and_refuses_another_config(tiny_config, mnist_dir, tmp_path):
    config = dataclasses.replace(tiny_config, epochs=1)
    run_dir = tmp_path / "run"
    history, returned = notebook.run_training(config, run_dir, data_dir=mnist_dir, progress=False,
                                              log=lambda line: None)
    steps = 64 // config.batch_size
    assert returned == run_dir and history["step"] == list(range(1, steps + 1))
    assert (run_dir / "generator.keras").is_file() and (run_dir / "samples" / "epoch_001.png").is_file()
    # Running the notebook again: the same config resumes, and a complete run has nothing left to do.
    again, _ = notebook.run_training(config, run_dir, data_dir=mnist_dir, progress=False, log=lambda line: None)
    assert again["step"] == history["step"]
    with pytest.raises(ValueError, match="another configuration"):
        notebook.run_training(dataclasses.replace(config, width=16), run_dir, data_dir=mnist_dir, progress=False)
    with pytest.raises(ValueError, match="another configuration"):   # other labels are another run too
        notebook.run_training(dataclasses.replace(config, classes=(1,)), run_dir, data_dir=mnist_dir, progress=False)
    figure = notebook.epoch_grids(run_dir, tmp_path / "epochs.png")
    assert (tmp_path / "epochs.png").is_file() and [axis.get_title() for axis in figure.axes] == ["epoch 1"]


def test_training_data_follows_the_config(mnist_dir):
    config = DCGANConfig(dataset="mnist", width=8, batch_size=16, limit=48, seed=3)
    data = notebook.training_data(config, mnist_dir)
    assert data.num_examples == 48 and data.steps_per_epoch == 3
    batch = next(iter(data.epoch_dataset(0)))
    assert batch.shape == (16, 32, 32, 1) and -1.0 <= float(batch.numpy().min()) <= float(batch.numpy().max()) <= 1.0


def test_epoch_grids_needs_a_finished_epoch(tmp_path):
    with pytest.raises(FileNotFoundError, match="epoch_"):
        notebook.epoch_grids(tmp_path)


def test_analysis_notebooks_default_to_the_dataset_notebooks_run_else_the_shipped_model(tmp_path):
    runs = tmp_path / "runs"
    shipped = notebook.default_run("fashion_mnist", runs)
    assert shipped == notebook.SHIPPED_MODELS["fashion_mnist"] and (shipped / "generator_ema.keras").is_file()
    assert notebook.default_run("svhn", runs) == runs / "svhn"   # nothing ships: the path the error will name
    (runs / "fashion_mnist").mkdir(parents=True)
    assert notebook.default_run("fashion_mnist", runs) == runs / "fashion_mnist"


def test_run_per_class_trains_a_gallery_resumes_it_and_refuses_another_config(tiny_config, mnist_dir, tmp_path):
    """The CIFAR-10 notebook's per-class cell: a parent run with a gallery; running the cell again
    continues it (nothing left to do), and another config in the same folder is an error."""
    config = dataclasses.replace(tiny_config, epochs=1, batch_size=2, classes=(1, 2))   # 3 images a class
    run_dir = tmp_path / "classes"
    gallery = notebook.run_per_class(config, run_dir, data_dir=mnist_dir, progress=False, log=lambda line: None)
    assert gallery == run_dir / "gallery.png" and gallery.is_file() and (run_dir / "gallery.gif").is_file()
    history = (run_dir / "class_1_1" / "history.csv").read_text()
    assert notebook.run_per_class(config, run_dir, data_dir=mnist_dir, progress=False,
                                  log=lambda line: None) == gallery
    assert (run_dir / "class_1_1" / "history.csv").read_text() == history
    with pytest.raises(ValueError, match="another configuration"):
        notebook.run_per_class(dataclasses.replace(config, width=16), run_dir, data_dir=mnist_dir, progress=False)
