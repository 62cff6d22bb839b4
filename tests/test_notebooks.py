"""Every notebook runs end to end (papermill, smoke parameters), writes its figures, and is committed clean.

Smoke runs train tiny networks (width 8, batches of 16) for one epoch on native-format fixtures
written by the notebooks themselves (the analysis notebooks train theirs in the same way, then
analyse it); Fashion-MNIST also runs once on the real files. Each run
starts a kernel (5-10 s) and TensorFlow, so the whole module takes a few minutes on 2 CPU cores.
"""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

papermill = pytest.importorskip("papermill")
nbformat = pytest.importorskip("nbformat")

REPO = Path(__file__).resolve().parents[1]
FOLDER = REPO / "notebooks"
DATASET_NOTEBOOKS = ["mnist", "fashion_mnist", "cifar10", "svhn", "celeba", "lsun_bedroom", "cats"]
# Each analysis notebook smoke-runs once; the dataset is the paper's or the report's (the default) or
# Fashion-MNIST, so that between them every code path runs (class labels and CelebA attributes for
# vector arithmetic; LSUN's fall-back for memorisation's held-out images, which has no test split).
ANALYSIS_RUNS = {
    "gradcam": ({}, {"gradcam_real.png", "gradcam_fake.png", "gradcam_mean.png"}),
    "guided_backprop": ({}, {"guided_backprop_trained.png", "guided_backprop_random.png", "first_layer_filters.png",
                             "top_patches.png"}),
    "latent_walk": ({"dataset": "fashion_mnist"}, {"walk_linear.png", "walk_spherical.png", "dimension_sweeps.png"}),
    "vector_arithmetic": ({}, {"arithmetic.png", "concept_walk.png"}),
    "vector_arithmetic[fashion_mnist]": ({"dataset": "fashion_mnist"}, {"arithmetic.png", "concept_walk.png"}),
    "forgetting_objects": ({"dataset": "fashion_mnist", "boxes": [[0.25, 0.0, 0.5, 0.25], [0.25, 0.75, 0.5, 0.25]]},
                           {"forgetting.png", "map_weights.png"}),
    "memorisation": ({}, {"nearest_pixel.png", "nearest_features.png", "nn_distances.png"}),
    "feature_classification": ({}, {"svm_accuracy.png", "svm_c_choice.png"}),
}
# The analyses that call D with training=False (model.batchnorm.with_real_statistics first).
INFERENCE_MODE_D = ("gradcam", "guided_backprop", "memorisation")
ANALYSIS_NOTEBOOKS = ["gradcam", "guided_backprop", "latent_walk", "vector_arithmetic", "forgetting_objects",
                      "memorisation", "feature_classification"]
# The 2021 report's studies: each trains its variants in smoke mode and compares them.
STUDY_RUNS = {
    "study_batchnorm": ({}, {"losses.png", "samples.png"}, ["batch_norm", "no_batch_norm"]),
    "study_training_size": ({"compare_epochs": [1]}, {"samples_by_epoch.png", "losses_by_epoch.png",
                                                      "losses_by_step.png"}, ["subset_24", "full"]),
    "study_losses": ({"datasets": ["mnist", "cifar10", "celeba"]}, {"losses.png", "samples.png"},
                     ["mnist", "cifar10", "celeba"]),
    "study_architectures": ({"num_samples": 64}, {"losses.png", "samples.png", "per_class_gallery.png"},
                            ["paper_5x5", "kernel_4x4", "lin", "per_class"]),
}
ALL_NOTEBOOKS = ["00_introduction", "01_utilities", *DATASET_NOTEBOOKS, *ANALYSIS_NOTEBOOKS, *STUDY_RUNS]
DATASET_FIGURES = {"real_samples.png", "epochs.png", "losses.png", "progress.gif", "samples.png"}
UTILITIES_FIGURES = {"real_samples.png", "latent_histogram.png", "untrained_samples.png", "losses.png",
                     "samples_after_training.png"}
# Parameters a notebook does not declare are injected all the same, harmlessly (papermill warns).
SMOKE = dict(smoke=True, epochs=1, width=8, batch_size=16, limit=64, steps=3)


def execute(name: str, tmp_path: Path, monkeypatch, **parameters) -> nbformat.NotebookNode:
    """Run notebooks/<name>.ipynb from the repository root; papermill raises on the first failing cell.

    The kernel inherits TMPDIR, so the fixtures a smoke run writes to a temporary folder land in tmp_path.
    """
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    parameters = {"output_dir": str(tmp_path / "runs"), "figures_root": str(tmp_path / "figures"), **parameters}
    return papermill.execute_notebook(str(FOLDER / f"{name}.ipynb"), str(tmp_path / f"{name}.out.ipynb"),
                                      parameters=parameters, kernel_name="python3", cwd=str(REPO),
                                      progress_bar=False, log_output=False)


def text_output(book) -> str:
    return "".join(output.get("text", "") for cell in book.cells if cell.cell_type == "code"
                   for output in cell.get("outputs", []))


def load_script(name: str):
    """notebooks/<name>.py as a module (the folder is not a package)."""
    spec = importlib.util.spec_from_file_location(name, FOLDER / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# `make notebooks` on the files given (the Makefile's default is every notebook in notebooks/).
MAKE_NOTEBOOKS = ["make", "--no-print-directory", "-s", "notebooks", f"VENV={Path(sys.prefix)}"]


def test_the_notebook_list_is_complete():
    assert sorted(path.stem for path in FOLDER.glob("*.ipynb")) == sorted(ALL_NOTEBOOKS)
    sources = [path.stem for path in FOLDER.glob("*.py") if path.read_text().startswith("# ---\n# jupyter:")]
    assert sorted(sources) == sorted(ALL_NOTEBOOKS)


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_committed_notebook_has_no_outputs_and_a_parameters_cell(name):
    book = nbformat.read(FOLDER / f"{name}.ipynb", as_version=4)
    nbformat.validate(book)
    code_cells = [cell for cell in book.cells if cell.cell_type == "code"]
    for cell in code_cells:
        assert cell.outputs == [] and cell.execution_count is None, f"{name}: cell {cell.id} has outputs"
    assert "papermill" not in book.metadata and "widgets" not in book.metadata
    assert code_cells[0].metadata.get("tags") == ["parameters"], f"{name}: first code cell is not tagged parameters"
    # The house order of sections, as level-2 headings.
    headings = [line[3:].strip() for cell in book.cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("## ")]
    assert headings == ["Setup", "Data", "Models", "Train", "Results", "Analysis"], f"{name}: {headings}"


def cells(book) -> list[tuple[str, str, list]]:
    """What a notebook says, whatever file it was read from: (type, source, tags) per cell."""
    return [(cell.cell_type, cell.source.strip(), cell.metadata.get("tags", [])) for cell in book.cells]


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_notebook_and_its_percent_source_agree(name):
    """<name>.py (jupytext's percent format) and <name>.ipynb hold the same cells: `make notebooks` syncs them."""
    jupytext = pytest.importorskip("jupytext")
    source = jupytext.read(FOLDER / f"{name}.py")
    book = nbformat.read(FOLDER / f"{name}.ipynb", as_version=4)
    assert cells(source) == cells(book), f"{name}: .py and .ipynb differ; run make notebooks"


def test_the_pair_check_sees_an_edit_in_jupyter(tmp_path):
    """An edited cell saved from Jupyter (outputs and all) fails the checks until `jupytext --sync` and the
    output strip of `make notebooks` have run; then both agree and the notebook is clean again."""
    jupytext = pytest.importorskip("jupytext")
    for suffix in (".py", ".ipynb"):
        (tmp_path / f"mnist{suffix}").write_bytes((FOLDER / f"mnist{suffix}").read_bytes())
    (tmp_path / "jupytext.toml").write_bytes((FOLDER / "jupytext.toml").read_bytes())
    book = nbformat.read(tmp_path / "mnist.ipynb", as_version=4)
    book.cells[-2].source += "\nprint('edited in Jupyter')"
    book.cells[-2].outputs = [nbformat.v4.new_output("stream", text="edited in Jupyter\n")]
    book.cells[-2].execution_count = 7
    nbformat.write(book, tmp_path / "mnist.ipynb")
    assert cells(jupytext.read(tmp_path / "mnist.py")) != cells(nbformat.read(tmp_path / "mnist.ipynb", 4))
    subprocess.run([*MAKE_NOTEBOOKS, f"NOTEBOOK_FILES={tmp_path / 'mnist.ipynb'}"], check=True, capture_output=True,
                   cwd=REPO)
    synced = nbformat.read(tmp_path / "mnist.ipynb", as_version=4)
    assert cells(jupytext.read(tmp_path / "mnist.py")) == cells(synced)
    assert "print('edited in Jupyter')" in (tmp_path / "mnist.py").read_text()
    assert all(cell.outputs == [] and cell.execution_count is None for cell in synced.cells if cell.cell_type == "code")


def test_the_dataset_notebooks_are_short():
    """The prose the seven share lives once in notebooks/README.md; each notebook keeps its own remarks."""
    readme = (FOLDER / "README.md").read_text()
    assert "## The dataset notebooks" in readme and "## The analysis notebooks" in readme
    for name in DATASET_NOTEBOOKS:
        text = (FOLDER / f"{name}.py").read_text()
        assert len(text.splitlines()) < 150, f"{name}.py: {len(text.splitlines())} lines"
        assert "README.md#the-dataset-notebooks" in text


def test_run_all_plans_every_notebook_with_outputs_outside_git():
    run_all = load_script("run_all")
    runs = run_all.plan([], {"epochs": 2}, run_all.DEFAULT_OUTPUT)
    assert sorted(source.stem for source, _, _ in runs) == sorted(ALL_NOTEBOOKS)
    assert [source.stem for source, _, _ in runs][:2] == ["00_introduction", "01_utilities"]
    assert all(target.parent == REPO / "runs" / "notebooks" / "executed" and values == {"epochs": 2}
               for _, target, values in runs)
    assert "runs/" in (REPO / ".gitignore").read_text().split()
    with pytest.raises(ValueError, match="choose from"):
        run_all.plan(["imagenet"], {}, run_all.DEFAULT_OUTPUT)
    assert run_all.parse_value("True") is True and run_all.parse_value("None") is None
    assert run_all.parse_value("3") == 3 and run_all.parse_value("/data/celeba") == "/data/celeba"


@pytest.mark.parametrize("name", ["00_introduction", "01_utilities", *DATASET_NOTEBOOKS])
def test_notebook_runs_in_smoke_mode(name, tmp_path, monkeypatch):
    book = execute(name, tmp_path, monkeypatch, **SMOKE)
    assert all(output.get("output_type") != "error" for cell in book.cells for output in cell.get("outputs", []))
    figures = tmp_path / "figures" / name
    if name in DATASET_NOTEBOOKS:
        # CIFAR-10 also trains one DCGAN per class (two classes in smoke mode) and shows their gallery.
        assert {path.name for path in figures.iterdir()} == DATASET_FIGURES | (
            {"per_class_gallery.png"} if name == "cifar10" else set())
        if name == "cifar10":
            parent = json.loads((tmp_path / "runs" / "cifar10_smoke_classes" / "config.json").read_text())
            assert parent["per_class"]["names"] == ["airplane", "automobile"]
            assert "per_class_gallery.png" in "".join(str(output) for cell in book.cells
                                                      for output in cell.get("outputs", []))
        run_dir = tmp_path / "runs" / f"{name}_smoke"
        assert json.loads((run_dir / "config.json").read_text())["width"] == 8
        assert (run_dir / "samples" / "epoch_001.png").is_file()
    elif name == "01_utilities":
        assert {path.name for path in figures.iterdir()} == UTILITIES_FIGURES
    for path in figures.glob("*.png") if figures.is_dir() else ():
        assert path.read_bytes().startswith(b"\x89PNG"), path
    if name != "00_introduction":
        assert list(tmp_path.glob("*_smoke_*")), "smoke fixtures were not written under TMPDIR"


@pytest.mark.parametrize("run", ANALYSIS_RUNS)
def test_analysis_notebook_runs_in_smoke_mode(run, tmp_path, monkeypatch):
    """Smoke mode trains a width-8 model for one epoch on a fixture, then every figure is written."""
    name = run.split("[")[0]
    parameters, expected_figures = ANALYSIS_RUNS[run]
    book = execute(name, tmp_path, monkeypatch, smoke=True, **parameters)
    assert all(output.get("output_type") != "error" for cell in book.cells for output in cell.get("outputs", []))
    figures = tmp_path / "figures" / name
    assert {path.name for path in figures.iterdir()} == expected_figures
    assert all(path.read_bytes().startswith(b"\x89PNG") for path in figures.iterdir())
    assert list(tmp_path.glob("*_smoke_run_*")), "the smoke model was not trained under TMPDIR"
    if name in INFERENCE_MODE_D:   # D in inference mode normalises with real images' statistics
        printed = "".join(output.get("text", "") for cell in book.cells for output in cell.get("outputs", []))
        assert re.search(r"D's BatchNorm statistics: those of [1-9]\d* real training images", printed), printed


@pytest.mark.parametrize("name", STUDY_RUNS)
def test_study_notebook_runs_in_smoke_mode(name, tmp_path, monkeypatch):
    """Every variant of the study is trained (width 8, one epoch) and the comparison figures are written."""
    parameters, expected_figures, variants = STUDY_RUNS[name]
    book = execute(name, tmp_path, monkeypatch, **SMOKE, **parameters)
    assert all(output.get("output_type") != "error" for cell in book.cells for output in cell.get("outputs", []))
    figures = tmp_path / "figures" / name
    assert {path.name for path in figures.iterdir()} == expected_figures
    assert all(path.read_bytes().startswith(b"\x89PNG") for path in figures.iterdir())
    study_dir = tmp_path / "runs" / f"{name}_smoke"
    assert sorted(path.name for path in study_dir.iterdir()) == sorted(variants)
    configs = {variant: json.loads((study_dir / variant / "config.json").read_text()) for variant in variants}
    assert all(config["width"] == 8 and config["seed"] == 0 for config in configs.values())
    assert "| run |" in text_output(book)   # the summary table was printed
    if name == "study_batchnorm":
        assert configs["batch_norm"]["batch_norm"] and not configs["no_batch_norm"]["batch_norm"]
        assert "classes" in text_output(book)   # Fashion-MNIST: the saved domain classifier was used
    if name == "study_training_size":
        assert configs["subset_24"]["limit"] == 24 and configs["full"]["limit"] == 0
    if name == "study_architectures":
        assert [(configs[layout]["kernel_size"], configs[layout]["architecture"]) for layout in variants[:3]] == [
            (5, "dcgan"), (4, "dcgan"), (5, "lin")]
        parent = json.loads((study_dir / "per_class" / "config.json").read_text())
        assert parent["per_class"]["names"] == ["T-shirt/top", "Trouser"]
        table = text_output(book)   # FID, KID and the domain numbers of every layout and of the per-class run
        for row in variants:
            assert re.search(rf"^\| {row} \| \d+\.\d{{3}} \| -?\d+\.\d{{3}} \|", table, re.MULTILINE), table


def test_fashion_mnist_notebook_on_the_real_data(tmp_path, monkeypatch):
    from utils.data import load_raw

    try:
        load_raw("fashion_mnist", limit=1)
    except FileNotFoundError as error:
        pytest.skip(f"Fashion-MNIST not installed: {error}")
    book = execute("fashion_mnist", tmp_path, monkeypatch, smoke=False, limit=256, width=8, epochs=1, batch_size=64)
    assert "256 training images, 4 steps of 64 per epoch" in text_output(book)
    assert {path.name for path in (tmp_path / "figures" / "fashion_mnist").iterdir()} == DATASET_FIGURES
    assert (tmp_path / "runs" / "fashion_mnist" / "generator.keras").is_file()


def test_make_readme_numbers_runs_notebooks_and_commands_that_exist():
    """Every line of `make readme-numbers`: the notebooks it names exist (run_all.py's plan accepts them)
    with the parameters they declare, and each dcgan.py command parses, on a model that ships."""
    import shlex

    sys.path.insert(0, str(REPO))
    import dcgan

    run_all = load_script("run_all")
    lines = subprocess.run(["make", "--no-print-directory", "-n", "readme-numbers", f"VENV={Path(sys.prefix)}"],
                           cwd=REPO, capture_output=True, text=True, check=True).stdout
    commands = [shlex.split(line) for line in lines.replace("\\\n", " ").splitlines()
                if "run_all.py" in line or "dcgan.py" in line]
    notebooks = [command for command in commands if command[1].endswith("run_all.py")]
    assert notebooks and len(commands) >= len(notebooks) + 3
    named = set()
    for command in notebooks:
        arguments = command[2:]
        names = arguments[:arguments.index("-p")]
        parameters = dict(zip(arguments[arguments.index("-p") + 1::3], arguments[arguments.index("-p") + 2::3]))
        named |= set(names)
        assert (REPO / parameters["model"] / "discriminator.keras").is_file()
        for source, _, _ in run_all.plan(names, {key: run_all.parse_value(value) for key, value in parameters.items()},
                                         run_all.DEFAULT_OUTPUT):
            declared = next(cell.source for cell in nbformat.read(source, as_version=4).cells
                            if cell.metadata.get("tags") == ["parameters"])
            assert all(re.search(rf"^{name} = ", declared, re.MULTILINE) for name in parameters), source.name
    assert {"gradcam", "guided_backprop", "memorisation", "forgetting_objects"} <= named
    for command in commands:
        if command[1] == "dcgan.py":
            args = dcgan.build_parser().parse_args(command[2:])   # SystemExit (a failure) on a wrong flag
            assert (REPO / args.model).is_dir()
