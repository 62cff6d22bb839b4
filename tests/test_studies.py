"""Run comparisons for the study notebooks: per-epoch means, aligned loss curves, grids, collapse measures."""

import numpy as np
import pytest

from utils import notebook
from utils.analysis import memorisation, studies
from utils.pictures.images import save_grid
from utils.training.trainer import COLUMNS, write_history


def make_history(steps_per_epoch, epochs, d_loss=1.0, g_loss=2.0):
    steps = steps_per_epoch * epochs
    return {"step": list(range(1, steps + 1)),
            "epoch": [1 + (step - 1) // steps_per_epoch for step in range(1, steps + 1)],
            "d_loss": [d_loss + step for step in range(steps)], "g_loss": [g_loss] * steps,
            "d_real": [0.7] * steps, "d_fake": [0.3] * steps}


def test_epoch_means_average_each_epoch():
    means = studies.epoch_means(make_history(steps_per_epoch=4, epochs=2))
    assert means["epoch"] == [1, 2]
    assert means["d_loss"] == pytest.approx([1 + 1.5, 1 + 5.5])
    assert means["g_loss"] == pytest.approx([2.0, 2.0]) and means["d_fake"] == pytest.approx([0.3, 0.3])


def test_fractional_epochs_line_up_runs_of_different_lengths():
    short, long = make_history(3, 2), make_history(10, 2)
    assert studies._fractional_epochs(short).tolist() == pytest.approx([1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2])
    assert studies._fractional_epochs(long)[[9, 19]].tolist() == [1.0, 2.0]


def test_run_history_reads_every_row_and_names_a_missing_file(tmp_path):
    history = make_history(5, 3)
    write_history({column: history[column] for column in COLUMNS}, tmp_path / "history.csv")
    assert studies.run_history(tmp_path)["d_loss"] == pytest.approx(history["d_loss"])
    with pytest.raises(FileNotFoundError, match="no history.csv"):
        studies.run_history(tmp_path / "elsewhere")


def test_compare_losses_draws_every_run_on_both_panels(tmp_path):
    figure = studies.compare_losses({"a": make_history(4, 2), "b": make_history(9, 2)}, path=tmp_path / "l.png")
    discriminator_axis, generator_axis = figure.axes
    labels = [line.get_label() for line in discriminator_axis.lines]
    assert "a" in labels and "b" in labels and len(generator_axis.lines) == 4   # faint + smoothed per run
    assert max(line.get_xdata().max() for line in generator_axis.lines) == pytest.approx(2.0)
    assert (tmp_path / "l.png").read_bytes().startswith(b"\x89PNG")
    by_step = studies.compare_losses({"a": make_history(4, 2)}, by_epoch=False)
    assert by_step.axes[1].lines[0].get_xdata().max() == 8


def test_compare_grids_lays_out_runs_by_epoch_and_names_missing_epochs(tmp_path):
    for run in ("bn", "nobn"):
        (tmp_path / run / "samples").mkdir(parents=True)
        for epoch in (1, 2):
            save_grid(np.zeros((4, 8, 8, 1), np.float32), tmp_path / run / "samples" / f"epoch_{epoch:03d}.png")
    figure = studies.compare_grids({"BN": tmp_path / "bn", "NOBN": tmp_path / "nobn"}, [1, 2])
    assert [axis.get_title() for axis in figure.axes] == ["BN, epoch 1", "BN, epoch 2", "NOBN, epoch 1",
                                                         "NOBN, epoch 2"]
    with pytest.raises(FileNotFoundError, match=r"grids for epochs \[1, 2\]"):
        studies.compare_grids({"BN": tmp_path / "bn"}, [10])


def test_sample_diversity_is_zero_for_a_collapsed_generator():
    rng = np.random.default_rng(0)
    collapsed = np.repeat(rng.uniform(-1, 1, size=(1, 8, 8, 1)), 50, axis=0)
    varied = rng.uniform(-1, 1, size=(50, 8, 8, 1))
    assert studies.sample_diversity(collapsed) == 0.0
    # Two independent U(-1, 1) pixels differ by sqrt(2/3) in RMS.
    assert studies.sample_diversity(varied) == pytest.approx(np.sqrt(2 / 3), rel=0.05)
    with pytest.raises(ValueError):
        studies.sample_diversity(varied[:1])


def test_summary_table_is_markdown_with_every_column():
    table = studies.summary_table({"bn": {"diversity": 0.51234, "classes": "10/10"}, "nobn": {"diversity": 0.2}})
    lines = table.splitlines()
    assert lines[0] == "| run | diversity | classes |" and lines[1] == "|---|---|---|"
    assert lines[2] == "| bn | 0.512 | 10/10 |" and lines[3] == "| nobn | 0.200 |  |"


def test_copy_score_finds_copies_of_the_training_set():
    rng = np.random.default_rng(1)
    training, held_out = rng.normal(size=(200, 16)), rng.normal(size=(50, 16))
    copies = training[:50] + rng.normal(scale=0.01, size=(50, 16))
    fresh = rng.normal(size=(50, 16))
    assert memorisation.copy_score(copies, training, held_out)["ratio"] < 0.05
    assert memorisation.copy_score(fresh, training, held_out)["ratio"] == pytest.approx(1.0, abs=0.2)


def test_class_coverage_uses_the_saved_classifier_or_returns_none(tmp_path):
    images = np.random.default_rng(2).uniform(-1, 1, size=(20, 32, 32, 1)).astype(np.float32)
    coverage = notebook.class_coverage("fashion_mnist", images)   # the classifier committed in saved_models/
    assert coverage["num_samples"] == 20 and sum(coverage["counts"].values()) == 20
    assert set(coverage["counts"]) >= {"Sneaker", "Bag"}
    assert notebook.class_coverage("fashion_mnist", images, folder=tmp_path) is None
    assert notebook.class_coverage("cifar10", np.zeros((2, 32, 32, 3), np.float32)) is None


def test_compare_metric_draws_each_column_against_epochs_with_references(tmp_path):
    from utils.training.trainer import write_rows

    write_rows([{"epoch": 2, "step": 20, "fid": 40.0, "fid_raw": 50.0},
                {"epoch": 4, "step": 40, "fid": 20.0, "fid_raw": 30.0}], tmp_path / "epoch_metrics.csv")
    assert studies.run_metrics(tmp_path)[1] == {"epoch": 4, "step": 40, "fid": 20.0, "fid_raw": 30.0}
    figure = studies.compare_metric({"EMA": (tmp_path, "fid"), "as trained": (tmp_path, "fid_raw")},
                                    references={"Lucic et al. 2018": 26.5}, path=tmp_path / "fid.png")
    axis = figure.axes[0]
    curves = {line.get_label(): (list(line.get_xdata()), list(line.get_ydata())) for line in axis.lines
              if not line.get_label().startswith("_")}
    assert curves == {"EMA": ([2, 4], [40.0, 20.0]), "as trained": ([2, 4], [50.0, 30.0])}
    assert any(list(line.get_ydata()) == [26.5, 26.5] for line in axis.lines)   # the dashed reference
    assert (tmp_path / "fid.png").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="no column 'kid'"):
        studies.compare_metric({"x": (tmp_path, "kid")})
    with pytest.raises(FileNotFoundError, match="--fid-every"):
        studies.run_metrics(tmp_path / "elsewhere")


def test_make_study_figure_draws_the_committed_study(tmp_path):
    """The README's FID-against-epochs plot comes from one Makefile target over the committed per-epoch FIDs."""
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import REPO

    figure = tmp_path / "study.png"
    result = subprocess.run(["make", "--no-print-directory", "-s", "study-figure", f"VENV={Path(sys.prefix)}",
                             f"STUDY_FIGURE={figure}"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"wrote {figure}" in result.stdout
