"""The study notebooks (the three studies of the 2021 E4040 reproduction), written by build_notebooks.py.

Each study trains two or more runs that differ in one thing, with the same model, seed and data
otherwise, and compares them with `utils.studies`: BatchNorm on or off, a subset of the training
set or all of it, one dataset or another. Runs go to `<output_dir>/<study>/<variant>/` and are
resumed when the notebook runs again, so a long study can be stopped and continued.
"""

from __future__ import annotations

import nbformat

from build_notebooks import PAPER, SETUP_CODE, code, markdown, notebook

REPORT = "the 2021 E4040 reproduction report"

COMMON_PARAMETERS = '''\
data_dir = None                 # the dataset's files; None: datasets/<dataset>/, then system copies
image_size = 32
width = 0                       # D's first-layer feature maps; 0: the paper's (64 at 32 px)
batch_size = 128                # Sec. 4
output_dir = "runs/notebooks"   # runs go to <output_dir>/<this notebook>/<variant>/ (<this notebook>_smoke in smoke mode)
figures_root = "figures"        # PNG figures go to <figures_root>/<this notebook>/
seed = 0
num_samples = 1000              # generated images per run for the diversity (and class) numbers
smoke = False                   # True: a tiny native-format copy of the data, width 8, batches of 16'''

SMOKE_NOTE = ("`smoke = True` trains width-8 networks on a tiny native-format copy of the data: the "
              "notebook's own test, whose pictures show the mechanics, not results.")


def setup_code(name: str, datasets: str) -> tuple:
    """Setup: imports, smoke data, the study's run folder and figures folder."""
    body = f'''
import keras
import numpy as np

from model.config import DCGANConfig
from utils import analysis_views, notebook, studies
from utils.samples import generate_fake_samples

NAME = "{name}"
if smoke:
    width, batch_size = 8, 16
    data_dirs = {{name: notebook.smoke_data_dir(name, tempfile.mkdtemp(prefix=f"{{name}}_smoke_"))
                 for name in {datasets}}}
else:
    data_dirs = {{name: data_dir for name in {datasets}}}
study_dir = Path(output_dir) / (f"{{NAME}}_smoke" if smoke else NAME)
figures = notebook.figures_dir(NAME, figures_root)
keras.utils.set_random_seed(seed)
print(f"runs under {{study_dir}}; figures in {{figures}}")
'''
    return code(SETUP_CODE + body)


def study_batchnorm() -> nbformat.NotebookNode:
    name = "study_batchnorm"
    cells = [
        markdown(f"""
            # Study: BatchNorm or no BatchNorm

            The paper's second architecture guideline (Sec. 3) is batch normalisation in both networks,
            "which stabilizes learning by normalizing the input to each unit to have zero mean and unit
            variance"; it "proved critical to get deep generators to begin learning, preventing the
            generator from collapsing all samples to a single point". {REPORT.capitalize()} trained the
            same DCGAN with BatchNorm and without it ("NOBN") and found its BatchNorm runs collapsed.
            This notebook trains both variants of {PAPER}'s model with the same seed, data and
            hyper-parameters and compares them: loss curves, D's outputs per epoch, samples from the
            same latent vectors, and two collapse measures (how different the samples are from each
            other, and, for the MNIST family, which classes they fall into).

            **Runtime** (two runs of `epochs` epochs on Fashion-MNIST at 32 px): on a 2-core CPU about
            5.5 min per epoch and run, so about an hour for the default 5 epochs; on one GPU a few
            minutes. {SMOKE_NOTE}
            """),
        markdown("""
            ## Setup

            Parameters (tagged `parameters`: `papermill -p NAME VALUE` overrides them). The two runs go
            to `<output_dir>/study_batchnorm/batch_norm/` and `.../no_batch_norm/`; running the
            notebook again continues them (or does nothing when they are complete).
            """),
        code(f'''
            dataset = "fashion_mnist"         # any dataset name of utils.data
            epochs = 5
            limit = 0                         # train on the first N images only; 0: all
            {COMMON_PARAMETERS.replace(chr(10), chr(10) + "            ")}
            ''', tags=("parameters",)),
        setup_code(name, "[dataset]"),
        markdown("""
            ## Data

            Both runs read the same images in the same order: `TrainingData` shuffles each epoch from the
            seed, and the seed is shared.
            """),
        code("""
            configs = {variant: DCGANConfig(dataset=dataset, image_size=image_size, width=width, batch_norm=bn,
                                            batch_size=batch_size, epochs=epochs, seed=seed, limit=limit,
                                            channels=analysis_views.dataset_shape(dataset)[1])
                       for variant, bn in (("batch_norm", True), ("no_batch_norm", False))}
            data = notebook.training_data(configs["batch_norm"], data_dirs[dataset])
            print(f"{data.num_examples} images, {data.steps_per_epoch} steps per epoch")
            """),
        markdown("""
            ## Models

            The NOBN variant drops every BatchNorm layer and nothing else (`model/dcgan.py`): the
            convolutions then carry their own biases, which BatchNorm's shift made redundant.
            """),
        code("""
            from model.dcgan import build_discriminator, build_generator

            for variant, config in configs.items():
                generator, discriminator = build_generator(config), build_discriminator(config)
                normalisations = [layer.name for layer in generator.layers + discriminator.layers
                                  if isinstance(layer, keras.layers.BatchNormalization)]
                print(f"{variant:>14}: G {generator.count_params():,} and D {discriminator.count_params():,} "
                      f"parameters, {len(normalisations)} BatchNorm layers")
            """),
        markdown("""
            ## Train

            The same loop as `python dcgan.py train` (add `--no-batch-norm` for the second run), one run
            after the other.
            """),
        code("""
            histories, run_dirs = {}, {}
            for variant, config in configs.items():
                print(f"--- {variant}")
                histories[variant], run_dirs[variant] = notebook.run_training(config, study_dir / variant, data=data)
            """),
        markdown("""
            ## Results

            The losses of both runs per step (faint) and smoothed, against epochs. The dashed line is
            2 ln 2 = 1.39, D's loss when it cannot tell real from fake at all.
            """),
        code("""
            notebook.show_figure(studies.compare_losses(histories, title=dataset), figures / "losses.png")
            """),
        markdown("""
            Per-epoch means of the losses and of D's mean output on real images, D(x), and on generated
            ones, D(G(z)):
            """),
        code("""
            for variant, history in histories.items():
                means = studies.epoch_means(history)
                print(variant)
                for row in zip(*means.values()):
                    print("  epoch {:>2}: d_loss {:.3f}  g_loss {:.3f}  D(x) {:.3f}  D(G(z)) {:.3f}".format(*row))
            """),
        markdown("""
            Samples after the first, middle and last epoch. Both runs draw their grids from the same 64
            latent vectors (the seed is shared), so a cell of one row and the same cell of the other
            start from the same z:
            """),
        code("""
            last = len(studies.epoch_means(histories["batch_norm"])["epoch"])
            shown = sorted({1, (last + 1) // 2, last})
            notebook.show_figure(studies.compare_grids(run_dirs, shown), figures / "samples.png")
            """),
        markdown("""
            ## Analysis

            Did either run collapse? A collapsed generator draws nearly the same picture for every z, so
            the mean RMS difference between random pairs of its samples falls towards 0; real images
            give the reference value. For the MNIST family, the domain classifier committed in
            `saved_models/` (used by `dcgan.py evaluate --metrics domain`) also tells which classes the
            samples fall into: a collapsed or partly collapsed generator misses classes.
            """),
        code("""
            from utils.checkpoints import load_networks

            real, _, _, _ = analysis_views.load_images(dataset, data_dirs[dataset], limit=num_samples,
                                                       image_size=image_size)
            table = {"real images": {"diversity": studies.sample_diversity(real, seed=seed)}}
            samples = {}
            for variant, run_dir in run_dirs.items():
                generator, _, _ = load_networks(run_dir)
                samples[variant], _ = generate_fake_samples(generator, num_samples, seed=seed + 1)
                means = studies.epoch_means(histories[variant])
                table[variant] = {"diversity": studies.sample_diversity(samples[variant], seed=seed),
                                  "last-epoch D(x)": means["d_real"][-1], "last-epoch D(G(z))": means["d_fake"][-1]}
                coverage = notebook.class_coverage(dataset, samples[variant])
                if coverage is not None:
                    table[variant].update(classes=f"{len(coverage['counts']) - len(coverage['missing'])}/"
                                                  f"{len(coverage['counts'])}",
                                          missing=", ".join(coverage["missing"]) or "none",
                                          KL_to_uniform=coverage["kl_to_uniform"])
            print(studies.summary_table(table))
            """),
        markdown("""
            What to look for, and why it can go either way. BatchNorm normalises each layer's input over
            the mini-batch. In D, our step (like the paper's code) passes a real batch and a generated
            batch through D separately, so each is normalised with its own statistics; in G it keeps the
            first layers from collapsing to one output early on (Sec. 3). Without it, G's first layers are
            at the mercy of the N(0, 0.02) initialisation, and D's unnormalised activations make its loss
            drop faster. A collapsed run shows a diversity far below the real images' and missing classes;
            the README reports what our two Fashion-MNIST runs did.
            """),
    ]
    return notebook(name, cells)


def study_training_size() -> nbformat.NotebookNode:
    name = "study_training_size"
    cells = [
        markdown(f"""
            # Study: a small training set or the full one

            {REPORT.capitalize()} trained its DCGAN on 19,000 LSUN bedrooms and on 300,000, and compared
            the samples after epoch 1 and epoch 10. This notebook does the same with any dataset: the
            same model, seed and hyper-parameters on the first `subset` images and on all of them. An
            epoch over the subset is fewer steps, so the notebook also compares the runs at equal
            numbers of steps, and measures how close the subset run's samples come to copying its few
            training images.

            **Runtime** (defaults: Fashion-MNIST, 10 epochs on 6,000 and on 60,000 images, 32 px): on a
            2-core CPU about 5 min per epoch of the full set, so about an hour for the subset run and
            the first epochs of the full one, 55 min for 10 full epochs; on one GPU a few minutes.
            {SMOKE_NOTE}
            """),
        markdown("""
            ## Setup

            Runs go to `<output_dir>/study_training_size/subset_<N>/` and `.../full/`.
            """),
        code(f'''
            dataset = "fashion_mnist"
            epochs = 10
            subset = 6000                     # images of the small run (the report: 19,000 of 3 million)
            compare_epochs = [1, 10]          # sample grids shown for these epochs (the report: 1 and 10)
            {COMMON_PARAMETERS.replace(chr(10), chr(10) + "            ")}
            ''', tags=("parameters",)),
        setup_code(name, "[dataset]"),
        markdown("""
            ## Data

            The subset is the first `subset` images of the training files (`limit`), the same images
            in every epoch, shuffled from the seed.
            """),
        code("""
            channels = analysis_views.dataset_shape(dataset)[1]
            if smoke:
                subset = min(subset, 24)
            configs = {f"subset_{subset}": DCGANConfig(dataset=dataset, image_size=image_size, channels=channels,
                                                       width=width, batch_size=batch_size, epochs=epochs, seed=seed,
                                                       limit=subset),
                       "full": DCGANConfig(dataset=dataset, image_size=image_size, channels=channels, width=width,
                                           batch_size=batch_size, epochs=epochs, seed=seed)}
            datas = {variant: notebook.training_data(config, data_dirs[dataset]) for variant, config in configs.items()}
            for variant, data in datas.items():
                print(f"{variant:>14}: {data.num_examples} images, {data.steps_per_epoch} steps per epoch")
            """),
        markdown("""
            ## Models

            The paper's architecture and hyper-parameters for both runs (see `00_introduction.ipynb`).

            ## Train
            """),
        code("""
            histories, run_dirs = {}, {}
            for variant, config in configs.items():
                print(f"--- {variant}")
                histories[variant], run_dirs[variant] = notebook.run_training(config, study_dir / variant,
                                                                              data=datas[variant])
            """),
        markdown("""
            ## Results

            Samples after the chosen epochs (rows: the runs; both draw from the same fixed latent batch):
            """),
        code("""
            shown = [epoch for epoch in compare_epochs if epoch <= epochs] or [epochs]
            notebook.show_figure(studies.compare_grids(run_dirs, shown), figures / "samples_by_epoch.png")
            """),
        markdown("""
            The losses against epochs, and against steps: an epoch of the subset is a tenth of the full
            set's steps, so at equal epochs the subset run has trained far less.
            """),
        code("""
            notebook.show_figure(studies.compare_losses(histories, title=f"{dataset}, by epoch"),
                                 figures / "losses_by_epoch.png")
            notebook.show_figure(studies.compare_losses(histories, title=f"{dataset}, by step", by_epoch=False),
                                 figures / "losses_by_step.png")
            """),
        markdown("""
            ## Analysis

            A generator trained on few images may learn to copy them. For samples of each run, the mean
            distance to their nearest image of that run's training set, against the same for as many
            real held-out images (`utils.memorisation.copy_score`): a ratio well below 1 means samples
            sit closer to the training images than new real images do, as copies would. Diversity as in
            the BatchNorm study.
            """),
        code("""
            from utils.checkpoints import load_networks
            from utils.memorisation import copy_score

            held_out, _, _, _ = analysis_views.load_images(dataset, data_dirs[dataset], split="test",
                                                           limit=num_samples, image_size=image_size)
            table = {}
            for variant, run_dir in run_dirs.items():
                training, _, _, _ = analysis_views.load_images(dataset, data_dirs[dataset], image_size=image_size,
                                                               limit=configs[variant].limit or None)
                generator, _, _ = load_networks(run_dir)
                samples, _ = generate_fake_samples(generator, len(held_out), seed=seed + 1)
                score = copy_score(samples, training, held_out)
                table[variant] = {"training images": len(training), "steps": len(histories[variant]["step"]),
                                  "diversity": studies.sample_diversity(samples, seed=seed), **score}
            print(studies.summary_table(table))
            """),
    ]
    return notebook(name, cells)


def study_losses() -> nbformat.NotebookNode:
    name = "study_losses"
    cells = [
        markdown(f"""
            # Study: the losses across datasets

            {REPORT.capitalize()} put the generator and discriminator losses of its datasets on one
            figure to show how differently the same game plays out on each. This notebook trains the
            paper's model ({PAPER}) with the same hyper-parameters on several datasets and draws their
            loss curves together, against epochs so that datasets of different sizes line up.

            **Runtime**: each dataset at 32 px costs about 5 min per 60,000 images on a 2-core CPU
            (about 200 images/s); the defaults (4 datasets, 2 epochs each on the first 20,000 images)
            take about 30 min. On one GPU a few minutes. The 64-px datasets (CelebA, LSUN, cats) are
            trained at `image_size`, 32 px by default. {SMOKE_NOTE}
            """),
        markdown("""
            ## Setup

            `datasets` lists the datasets; `data_dir` may be a dict from dataset name to folder. Runs go
            to `<output_dir>/study_losses/<dataset>/`.
            """),
        code(f'''
            datasets = ["mnist", "fashion_mnist", "cifar10", "svhn"]
            epochs = 2
            limit = 20000                     # first N images of each dataset; 0: all
            {COMMON_PARAMETERS.replace(chr(10), chr(10) + "            ")}
            ''', tags=("parameters",)),
        setup_code(name, "datasets"),
        markdown("""
            ## Data

            Each dataset through its native reader, at `image_size` with its own number of channels.
            """),
        code("""
            if isinstance(data_dir, dict) and not smoke:
                data_dirs = {name: data_dir.get(name) for name in datasets}
            configs, datas = {}, {}
            for name in datasets:
                channels = analysis_views.dataset_shape(name)[1]
                configs[name] = DCGANConfig(dataset=name, image_size=image_size, channels=channels, width=width,
                                            batch_size=batch_size, epochs=epochs, seed=seed, limit=limit)
                datas[name] = notebook.training_data(configs[name], data_dirs[name])
                print(f"{name:>14}: {datas[name].num_examples} images of {channels} channel(s), "
                      f"{datas[name].steps_per_epoch} steps per epoch")
            """),
        markdown("""
            ## Models

            The same architecture for every dataset; only the number of channels of G's output and D's
            input follows the data.

            ## Train
            """),
        code("""
            histories, run_dirs = {}, {}
            for name, config in configs.items():
                print(f"--- {name}")
                histories[name], run_dirs[name] = notebook.run_training(config, study_dir / name, data=datas[name])
            """),
        markdown("""
            ## Results

            All datasets on one figure (faint: per step; solid: smoothed):
            """),
        code("""
            notebook.show_figure(studies.compare_losses(histories, title="all datasets"), figures / "losses.png")
            """),
        markdown("""
            The last sample grid of each run:
            """),
        code("""
            notebook.show_figure(studies.compare_grids(run_dirs, [epochs]), figures / "samples.png")
            """),
        markdown("""
            ## Analysis

            Per-epoch means: a D loss far below 2 ln 2 = 1.39 with a G loss far above it means D is
            winning on that dataset; the datasets whose images vary more (CIFAR-10's natural images
            against MNIST's strokes) usually keep D ahead for longer.
            """),
        code("""
            table = {}
            for name, history in histories.items():
                means = studies.epoch_means(history)
                table[name] = {"last-epoch d_loss": means["d_loss"][-1], "last-epoch g_loss": means["g_loss"][-1],
                               "D(x)": means["d_real"][-1], "D(G(z))": means["d_fake"][-1]}
            print(studies.summary_table(table))
            """),
    ]
    return notebook(name, cells)


def study_notebooks() -> dict[str, nbformat.NotebookNode]:
    """{notebook name: notebook} for the three study notebooks."""
    return {builder.__name__: builder() for builder in (study_batchnorm, study_training_size, study_losses)}
