#!/usr/bin/env python3
"""Write the notebooks in this folder from the Python source below (the .ipynb files are its output).

The seven dataset notebooks share one template, so a fix to the narrative or the code reaches all
of them; the introduction and the utilities tour are written out in full. Notebooks are written
without outputs and execution counts, with stable cell ids, so that re-running this script on an
unchanged source changes nothing (tests/test_notebooks.py checks that the committed files match).

    python notebooks/build_notebooks.py          # (re)write the .ipynb files
    python notebooks/build_notebooks.py --check  # exit 1 if a committed notebook is out of date
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

import nbformat
from nbformat import v4

FOLDER = Path(__file__).resolve().parent
PAPER = "[Radford, Metz, Chintala 2015](https://arxiv.org/abs/1511.06434)"

SETUP_CODE = '''\
import os
import shutil
import sys
import tempfile
from pathlib import Path

# Jupyter starts in notebooks/, papermill (and run_all.py) in the repository root: work from the root.
ROOT = Path.cwd() if (Path.cwd() / "model").is_dir() else Path.cwd().parent
os.chdir(ROOT)
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")   # much faster on CPUs where it is off by default
'''

ANALYSIS_NOTEBOOKS = '''\
The trained run directory is the input of the analysis notebooks in this folder (pass it as
`model`; by default they read `runs/notebooks/<dataset>/`), each loading it with
`utils.checkpoints.load_networks`:

- [gradcam.ipynb](gradcam.ipynb): where D looks, Grad-CAM on its last convolution over real and
  generated images (the 2021 E4040 report).
- [guided_backprop.ipynb](guided_backprop.ipynb): guided backpropagation of D's most active
  features, beside a random-weights D (paper Sec. 6.2, Fig. 5).
- [latent_walk.ipynb](latent_walk.ipynb): linear and spherical interpolations between random z and
  single-dimension sweeps (Sec. 6.1, Fig. 4).
- [vector_arithmetic.ipynb](vector_arithmetic.ipynb): averaged exemplar z, a - b + c with 8 noisy
  neighbours, and a concept vector applied along a walk (Sec. 6.3.2, Fig. 7-8).
- [forgetting_objects.ipynb](forgetting_objects.ipynb): G regenerates without the feature maps that
  draw a region (Sec. 6.3.1, Fig. 6).
- [memorisation.ipynb](memorisation.ipynb): nearest training images of samples in pixel and D-feature
  space, and the original code's nearest-neighbour score.
- [feature_classification.ipynb](feature_classification.ipynb): D's features as the input of a linear
  L2-SVM, against raw pixels and a random-weights D (Sec. 5.1-5.2, Tables 1-2; the same protocol as
  `python dcgan.py evaluate --metrics svm`).
'''

DATASETS = {
    "mnist": dict(
        title="MNIST", channels=1, image_size=32, epochs=20, count="60,000",
        about="Handwritten digits, 28x28 grayscale, 10 classes (LeCun et al. 1998). Not one of the paper's "
              "main datasets (it appears only in its supplementary material), but the usual first DCGAN.",
        preprocessing="The 28x28 digits are padded with black to 32x32 (2 pixels a side), as most 32-px "
                      "DCGANs and the 2021 E4040 reproduction do, so that the 4 -> 8 -> 16 -> 32 generator fits.",
        cpu="about 5 min per epoch (60,000 images at about 200 images/s)", gpu="well under a minute per epoch",
        download="bash datasets/download_mnist.sh"),
    "fashion_mnist": dict(
        title="Fashion-MNIST", channels=1, image_size=32, epochs=20, count="60,000",
        about="Zalando's article images, 28x28 grayscale, 10 classes (Xiao et al. 2017): a drop-in "
              "replacement for MNIST that is harder to fit. Not in the paper; the repository's demo dataset.",
        preprocessing="The 28x28 images are padded with black to 32x32 (2 pixels a side) so that the "
                      "4 -> 8 -> 16 -> 32 generator fits.",
        cpu="about 5 min per epoch (60,000 images at about 200 images/s)", gpu="well under a minute per epoch",
        download="bash datasets/download_fashion_mnist.sh (or Debian's dataset-fashion-mnist package)"),
    "cifar10": dict(
        title="CIFAR-10", channels=3, image_size=32, epochs=25, count="50,000",
        about="Natural images, 32x32 RGB, 10 classes (Krizhevsky 2009). The paper uses CIFAR-10 to "
              "evaluate D as a feature extractor (Sec. 5.1: 82.8% accuracy with an L2-SVM on D's features, "
              "D trained on Imagenet-1k).",
        preprocessing="The images are already 32x32; they are only scaled to [-1, 1].",
        cpu="about 4-5 min per epoch (50,000 images at about 200 images/s)", gpu="well under a minute per epoch",
        download="bash datasets/download_cifar10.sh"),
    "svhn": dict(
        title="SVHN", channels=3, image_size=32, epochs=20, count="73,257",
        about="Street View House Numbers, cropped 32x32 RGB digits (Netzer et al. 2011). The paper "
              "(Sec. 5.2) uses D's features for SVHN classification with 1000 labels (22.48% test error).",
        preprocessing="The cropped digits are already 32x32; they are only scaled to [-1, 1]. The 531,131 "
                      "`extra` images are a separate split (`load_raw('svhn', split='extra')`).",
        cpu="about 6 min per epoch (73,257 images at about 200 images/s)", gpu="well under a minute per epoch",
        download="bash datasets/download_svhn.sh"),
    "celeba": dict(
        title="CelebA", channels=3, image_size=64, epochs=5, count="162,770 (train partition)",
        about="Aligned celebrity faces with 40 binary attributes (Liu et al. 2015). The paper trained on "
              "3M faces it scraped itself (Sec. 4.2); CelebA is the public stand-in every reproduction uses, "
              "and its attributes (Smiling, Male, Eyeglasses) serve the vector arithmetic of Sec. 6.3.2.",
        preprocessing="The 178x218 aligned images are centre-cropped to 108x108 around the face and resized "
                      "to 64x64, the crop of the original DCGAN code.",
        cpu="about 5-6 h per epoch (the 64-px model costs about 24 times the 32-px one: about 8 images/s)",
        gpu="roughly 5-10 min per epoch",
        download="bash datasets/download_celeba.sh"),
    "lsun_bedroom": dict(
        title="LSUN bedrooms", channels=3, image_size=64, epochs=1, count="3,033,042",
        about="Bedroom photographs from the LSUN scene dataset (Yu et al. 2015), the paper's main showcase "
              "(Sec. 4.1): Fig. 2 shows samples after one epoch, Fig. 3 after five.",
        preprocessing="Each image (shorter side 256 in the LMDB export) is resized so its shorter side is 64 "
                      "and centre-cropped to 64x64.",
        cpu="about 4 days per epoch (about 8 images/s): use a GPU, or `limit`",
        gpu="roughly 2-3 h per epoch",
        download="bash datasets/download_lsun_bedroom.sh"),
    "cats": dict(
        title="Cat faces", channels=3, image_size=64, epochs=25, count="15,747",
        about="64x64 cat faces (the Kaggle set 'Cats faces 64x64 (for generative models)'). Not in the paper; "
              "a popular small DCGAN dataset whose samples are easy to judge by eye.",
        preprocessing="The images are already 64x64; other sizes would be resized and centre-cropped.",
        cpu="about 30-35 min per epoch (about 8 images/s)", gpu="about a minute per epoch",
        download="bash datasets/download_cats.sh"),
}


def dedent(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def markdown(text: str):
    return ("markdown", dedent(text))


def code(text: str, tags: tuple[str, ...] = ()):
    return ("code", dedent(text), tags)


def notebook(name: str, cells: list) -> nbformat.NotebookNode:
    """Cells -> a v4 notebook without outputs, with ids `<name>-<index>` (stable across rebuilds)."""
    book = v4.new_notebook()
    book.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for index, cell in enumerate(cells):
        cell_id = f"{name.replace('_', '-')}-{index:02d}"
        if cell[0] == "markdown":
            book.cells.append(v4.new_markdown_cell(cell[1], id=cell_id))
        else:
            metadata = {"tags": list(cell[2])} if cell[2] else {}
            book.cells.append(v4.new_code_cell(cell[1], id=cell_id, metadata=metadata))
    nbformat.validate(book)
    return book


def dataset_notebook(name: str, spec: dict) -> nbformat.NotebookNode:
    title, size = spec["title"], spec["image_size"]
    width_note = "64 at 32 px" if size == 32 else "128 at 64 px, the paper's 1024 maps at 4x4 (Fig. 1)"
    cells = [
        markdown(f"""
            # DCGAN on {title}

            {spec['about']}

            This notebook trains the DCGAN of {PAPER} on {title} with the paper's hyper-parameters and
            shows what it learned: samples after each epoch, the loss curves and an animation of training.
            Figures are saved as PNG under `figures/{name}/`; the run (checkpoints, models, loss history)
            goes to `runs/notebooks/{name}/`. Re-running the notebook continues that run.

            **Runtime** of the defaults ({spec['epochs']} epoch{'s' if spec['epochs'] > 1 else ''} at
            {size} px, {spec['count']} images): on a 2-core CPU {spec['cpu']}; on one GPU {spec['gpu']}
            (GPU figures are estimates from the model's arithmetic, not measured here). For a quick look,
            set `limit` (say 5000) and `epochs` (say 2), or run the smoke configuration:

                papermill notebooks/{name}.ipynb /tmp/{name}.ipynb -p smoke True -p epochs 1 -p width 8 -p batch_size 16
            """),
        markdown(f"""
            ## Setup

            The next cell holds the parameters (tagged `parameters`, so `papermill -p NAME VALUE` overrides
            them). `smoke = True` writes a tiny copy of {title} in its native file format into a temporary
            folder and trains on that: the notebook's own test, seconds instead of hours.
            """),
        code(f"""
            data_dir = None                 # folder with the {title} files; None: datasets/{name}/, then system copies
            epochs = {spec['epochs']}
            image_size = {size}                 # 32, 64 or 128
            batch_norm = True               # Sec. 3: BatchNorm in G and D; False: the 2021 E4040 report's "NOBN" variant
            width = 0                       # D's first-layer feature maps, doubling per layer; 0: the paper's ({width_note.split(',')[0]})
            limit = 0                       # train on the first N images only; 0: all
            batch_size = 128                # Sec. 4: mini-batches of 128
            output_dir = "runs/notebooks"   # the run directory is <output_dir>/{name} (<output_dir>/{name}_smoke in smoke mode)
            figures_root = "figures"        # PNG figures go to <figures_root>/{name}/
            seed = 0
            smoke = False                   # True: train on a tiny native-format copy written into a temporary folder
            """, tags=("parameters",)),
        code(SETUP_CODE + f'''
            import keras

            from model.config import DCGANConfig
            from model.dcgan import build_discriminator, build_generator
            from utils import notebook
            from utils.checkpoints import load_networks
            from utils.images import save_grid
            from utils.plots import plot_losses
            from utils.samples import generate_fake_samples

            DATASET, CHANNELS = "{name}", {spec['channels']}
            if smoke:
                data_dir = notebook.smoke_data_dir(DATASET, tempfile.mkdtemp(prefix=f"{{DATASET}}_smoke_"))
            run_dir = Path(output_dir) / (f"{{DATASET}}_smoke" if smoke else DATASET)
            figures = notebook.figures_dir("{name}", figures_root)
            keras.utils.set_random_seed(seed)
            print(f"data: {{data_dir or 'default lookup'}}; run directory: {{run_dir}}; figures: {{figures}}")
            '''.replace("\n            ", "\n")),
        markdown(f"""
            ## Data

            {spec['preprocessing']} The paper applies no other pre-processing "besides scaling to the range
            of the tanh activation function [-1, 1]" (Sec. 4), the range of G's output. The configuration
            below is the paper's (see `model/config.py`, each default citing its section) with this
            notebook's parameters; `notebook.training_data` reads the native files through
            `utils.data.load_raw` and batches them with `utils.data.pipeline.TrainingData`, reshuffled
            every epoch from the seed.
            """),
        code(f"""
            config = DCGANConfig(dataset=DATASET, image_size=image_size, channels=CHANNELS, width=width,
                                 batch_norm=batch_norm, batch_size=batch_size, epochs=epochs, seed=seed, limit=limit)
            data = notebook.training_data(config, data_dir)
            print(f"{{data.num_examples}} training images, {{data.steps_per_epoch}} steps of {{batch_size}} per epoch")

            real_images = next(iter(data.epoch_dataset(0)))[:64]   # float32 (N, S, S, C) in [-1, 1]
            print("batch", tuple(real_images.shape), "values in", float(real_images.numpy().min()),
                  "..", float(real_images.numpy().max()))
            notebook.show_image(save_grid(real_images, figures / "real_samples.png", columns=8))
            """),
        markdown(f"""
            ## Models

            The architecture follows the paper's guidelines for stable deep convolutional GANs (Sec. 3):
            strided convolutions in D and fractionally-strided (transposed) convolutions in G instead of
            pooling; BatchNorm in both networks, except G's output layer and D's input layer; no fully
            connected hidden layers (G's first layer is a matrix multiply reshaped to 4x4, D's last
            convolution is flattened into a single output); ReLU in G with tanh at the output; LeakyReLU
            (slope 0.2, Sec. 4) in D. Weights start from N(0, 0.02) (Sec. 4). With `width = 0` D's first
            layer has the paper's feature maps ({width_note}), doubling per layer; G mirrors D.
            D returns a logit: the sigmoid lives in the loss, which is the same function, computed stably.
            """),
        code("""
            generator, discriminator = build_generator(config), build_discriminator(config)
            generator.summary()
            discriminator.summary()
            print(f"G {generator.count_params():,} parameters, D {discriminator.count_params():,} parameters")
            """),
        markdown(f"""
            ## Train

            Each step updates D once on a real and a fake batch, then G once, with binary cross-entropy and
            the non-saturating generator loss -log D(G(z)); Adam with learning rate 0.0002 and beta_1 = 0.5
            (Sec. 4: 0.001 was too high, 0.9 oscillated). `notebook.run_training` calls `utils.trainer.train`,
            the same loop as `python dcgan.py train`: it writes a checkpoint every 100 steps and every
            epoch, a sample grid from a fixed latent batch after each epoch, and the final models.
            Interrupting the kernel and running the cell again continues from the last checkpoint.

            Expected time with the defaults: on a 2-core CPU {spec['cpu']}; on one GPU {spec['gpu']}.
            The same run from a terminal: `python dcgan.py train --dataset {name} --image-size {size}
            --epochs {spec['epochs']} --out runs/{name}`.
            """),
        code("""
            history, run_dir = notebook.run_training(config, run_dir, data=data)
            print(f"{len(history['step'])} steps; final d_loss {history['d_loss'][-1]:.3f}, "
                  f"g_loss {history['g_loss'][-1]:.3f}")
            """),
        markdown("""
            ## Results

            Sample grids drawn after each epoch from the same 64 latent vectors, so that each cell of the
            grid follows one z through training (first, last and evenly spaced epochs between):
            """),
        code("""
            notebook.show_figure(notebook.epoch_grids(run_dir), figures / "epochs.png")
            """),
        markdown("""
            The losses per step (faint) and their moving average. Neither loss falling to zero is the sign
            of a healthy game: D's loss near 2 ln 2 = 1.39 means D cannot tell real from fake, a D loss
            collapsing towards 0 while G's climbs means D has won and G's gradients vanish; dotted lines
            mark epochs.
            """),
        code(f"""
            figure = plot_losses(history, title="DCGAN on {title}", steps_per_epoch=data.steps_per_epoch)
            notebook.show_figure(figure, figures / "losses.png")
            """),
        markdown("""
            Training as an animation (one frame per epoch), copied next to the figures:
            """),
        code("""
            shutil.copy(run_dir / "progress.gif", figures / "progress.gif")
            notebook.show_gif(figures / "progress.gif")
            """),
        markdown("""
            Fresh samples from the saved generator (`generator.keras`, loaded back as any later analysis
            would load it), from latent vectors it never saw during training:
            """),
        code("""
            generator, discriminator, _ = load_networks(run_dir)
            fake_images, _ = generate_fake_samples(generator, 64, seed=seed + 1)   # labels 0: fake
            notebook.show_image(save_grid(fake_images, figures / "samples.png", columns=8))
            print(sorted(path.name for path in figures.iterdir()))
            """),
        markdown("## Analysis\n\n" + ANALYSIS_NOTEBOOKS),
    ]
    return notebook(name, cells)


def introduction() -> nbformat.NotebookNode:
    cells = [
        markdown(f"""
            # Deep Convolutional GANs: an introduction

            A generative adversarial network (Goodfellow et al. 2014) trains two networks against each
            other: a generator G that maps random vectors z to images, and a discriminator D that tells
            real images from G's. D is trained to output 1 for real images and 0 for generated ones; G is
            trained to make D output 1 on its images. When the game goes well, G's images become hard to
            tell from the data.

            {PAPER} made this work with deep convolutional networks (DCGAN): a set of architecture
            guidelines that made training stable across datasets, hyper-parameters that most GANs still
            start from, and experiments showing that both networks learn useful representations: D's
            features classify CIFAR-10 and SVHN (Sec. 5), and G's latent space supports smooth walks and
            vector arithmetic (Sec. 6).

            This notebook builds the two networks and shows their layers. It trains nothing and runs in
            seconds.
            """),
        markdown("""
            ## Setup

            The repository, from data to pictures:

            | path | what it holds |
            |---|---|
            | `datasets/` | download scripts; the data lands in `datasets/<name>/` (not in git) |
            | `utils/data/` | native-format readers and the `tf.data` pipeline of images in [-1, 1] |
            | `model/` | the configuration, G and D (`dcgan.py`), the training step (`gan.py`) |
            | `utils/trainer.py`, `utils/checkpoints.py` | the training loop and run directories; loading models back |
            | `utils/images.py`, `utils/plots.py`, `utils/samples.py` | grids, GIFs, loss plots, latent and sample batches |
            | `utils/saliency.py`, `utils/latent.py`, `utils/memorisation.py`, `utils/filters.py` | analysis (Sec. 6) |
            | `utils/features.py`, `utils/svm.py`, `utils/metrics.py` | D's features as a classifier (Sec. 5), FID/KID/IS |
            | `utils/notebook.py` | the few helpers the notebooks share |
            | `dcgan.py` | the command line: train, generate, bench |
            | `notebooks/` | these notebooks (`README.md` is the index) |
            | `tests/` | the test suite, including a smoke run of every notebook |

            The parameters below (tagged `parameters` for papermill) choose the networks shown.
            """),
        code("""
            image_size = 64      # the paper's LSUN and faces model (Fig. 1); 32 for the MNIST family, CIFAR-10, SVHN
            channels = 3
            width = 0            # D's first-layer feature maps; 0: the paper's (128 at 64 px, 64 at 32 px)
            batch_norm = True
            smoke = False        # no effect here: this notebook trains nothing
            """, tags=("parameters",)),
        code(SETUP_CODE + """
            from model.config import DCGANConfig
            from model.dcgan import build_discriminator, build_generator
            """.replace("\n            ", "\n")),
        markdown("""
            ## Data

            DCGAN needs nothing but images, scaled to [-1, 1], the range of G's tanh output (Sec. 4). The
            readers in `utils/data/` turn each dataset's native files into such images:

            | dataset | images | size here | notebook |
            |---|---|---|---|
            | MNIST | 60,000 digits, grayscale | 28 -> 32 (padded) | `mnist.ipynb` |
            | Fashion-MNIST | 60,000 articles, grayscale | 28 -> 32 (padded) | `fashion_mnist.ipynb` |
            | CIFAR-10 | 50,000 natural images | 32 | `cifar10.ipynb` |
            | SVHN | 73,257 house-number digits | 32 | `svhn.ipynb` |
            | CelebA | 162,770 aligned faces (train) | 64 (centre crop) | `celeba.ipynb` |
            | LSUN bedrooms | 3,033,042 rooms | 64 (centre crop) | `lsun_bedroom.ipynb` |
            | Cat faces | 15,747 faces | 64 | `cats.ipynb` |

            `datasets/README.md` says where each comes from and which script downloads it.
            """),
        markdown("""
            ## Models

            The paper's "architecture guidelines for stable Deep Convolutional GANs" (Sec. 3):

            1. Replace pooling layers with strided convolutions (D) and fractional-strided convolutions (G).
            2. Use batch normalisation in both G and D (but not in G's output layer nor D's input layer,
               which caused sample oscillation and instability).
            3. Remove fully connected hidden layers.
            4. Use ReLU in G for all layers except the output, which uses tanh.
            5. Use LeakyReLU in D for all layers.

            Sec. 4 adds the training details: weights from N(0, 0.02), LeakyReLU slope 0.2, Adam with
            learning rate 0.0002 and beta_1 = 0.5, mini-batches of 128. All of these are the defaults of
            `model.config.DCGANConfig`:
            """),
        code("""
            config = DCGANConfig(image_size=image_size, channels=channels, width=width, batch_norm=batch_norm)
            config
            """),
        markdown("""
            G projects z (100 numbers) to a 4x4 stack of feature maps, then each transposed convolution
            doubles the size and halves the maps until the last one produces the image. At 64 px with the
            paper's width this is Fig. 1 of the paper: 4x4x1024 -> 8x8x512 -> 16x16x256 -> 32x32x128 -> 64x64x3.
            """),
        code("""
            generator = build_generator(config)
            generator.summary()
            """),
        markdown("""
            D mirrors G: each strided convolution halves the size and doubles the maps, and the last
            feature maps are flattened into a single logit (the sigmoid is part of the loss).
            """),
        code("""
            discriminator = build_discriminator(config)
            discriminator.summary()
            """),
        code("""
            for model in (generator, discriminator):
                print(model.name)
                for layer in model.layers:
                    if layer.name in ("project_reshape", "to_image", "logit") or layer.name.endswith("_act"):
                        print(f"  {layer.name:16s} {str(layer.output.shape):22s}")
            """),
        markdown("""
            ## Train

            One training step (`model/gan.py`) updates D on a real batch (label 1) and a generated batch
            (label 0), then updates G to make D say 1 on a fresh generated batch (the non-saturating loss
            -log D(G(z)) of Goodfellow et al.). `utils/trainer.py` runs the steps epoch after epoch and
            writes a run directory; `python dcgan.py train` and the dataset notebooks both call it.
            `01_utilities.ipynb` shows the pieces a step uses.
            """),
        markdown("""
            ## Results

            Results live with each dataset notebook and in `figures/<notebook>/`: sample grids per epoch,
            loss curves and the training animation.

            ## Analysis

            Sec. 6 of the paper looks inside the trained networks: walks in the latent space, D's
            features, G "forgetting" objects, vector arithmetic on faces. The helpers are in
            `utils/saliency.py`, `utils/latent.py`, `utils/memorisation.py` and `utils/filters.py`; the
            analysis notebooks (`gradcam`, `guided_backprop`, `latent_walk`, `vector_arithmetic`,
            `forgetting_objects`, `memorisation`) apply them to the runs of the dataset notebooks.
            """),
    ]
    return notebook("00_introduction", cells)


def utilities() -> nbformat.NotebookNode:
    cells = [
        markdown("""
            # The pieces of a DCGAN step

            The helpers every DCGAN notebook uses, one at a time: scaling images to G's output range and
            back, latent vectors, batches of real and fake samples with D's labels, sample grids and loss
            plots. On Fashion-MNIST (the real data when present; `smoke = True` uses a tiny copy). Runs in
            about a minute on a 2-core CPU.
            """),
        markdown("""
            ## Setup
            """),
        code("""
            data_dir = None            # Fashion-MNIST files; None: datasets/fashion_mnist/, then system copies
            width = 8                  # tiny networks: this notebook shows the mechanics, not results
            batch_size = 64
            steps = 40                 # training steps for the loss plot
            figures_root = "figures"   # PNG figures go to <figures_root>/01_utilities/
            seed = 0
            smoke = False              # True: a tiny native-format copy of Fashion-MNIST in a temporary folder
            """, tags=("parameters",)),
        code(SETUP_CODE + """
            import numpy as np

            from model.config import DCGANConfig
            from model.gan import DCGAN
            from utils import notebook
            from utils.data import load_raw
            from utils.data.pipeline import scale_images, unscale_images
            from utils.images import make_grid, save_grid
            from utils.plots import plot_losses
            from utils.samples import generate_fake_samples, generate_real_samples, latent_samples

            if smoke:
                data_dir = notebook.smoke_data_dir("fashion_mnist", tempfile.mkdtemp(prefix="fashion_mnist_smoke_"))
            figures = notebook.figures_dir("01_utilities", figures_root)
            """.replace("\n            ", "\n")),
        markdown("""
            ## Data

            Readers return uint8 images in [0, 255]; G's tanh produces [-1, 1], so real images are scaled
            to the same range before D sees them (Sec. 4): x / 127.5 - 1. `unscale_images` is the inverse
            (rounded and clipped), used for every picture; the round trip is exact on uint8 data.
            """),
        code("""
            raw = load_raw("fashion_mnist", data_dir=data_dir, limit=1024)
            print(raw.source, raw.images.shape, raw.images.dtype, raw.images.min(), raw.images.max())
            scaled = scale_images(raw.images).numpy()
            print("scaled:", scaled.dtype, scaled.min(), scaled.max())
            assert (unscale_images(scaled) == raw.images).all()   # the round trip loses nothing
            """),
        markdown("""
            `generate_real_samples` draws a random batch of real images with labels 1 (what D should say
            about them). A grid (`make_grid`) lays a batch out for viewing; `save_grid` writes it as PNG.
            """),
        code("""
            real_images, real_labels = generate_real_samples(scaled, 16, seed=seed)
            print("real:", real_images.shape, "labels", real_labels[:4].ravel(), "...")
            print("grid:", make_grid(real_images, columns=8).shape)
            notebook.show_image(save_grid(real_images, figures / "real_samples.png", columns=8))
            """),
        markdown("""
            ## Models

            G's input: latent vectors z. The paper draws them from a uniform distribution on 100
            dimensions (Sec. 4); like most reproductions we use N(0, 1). The same seed gives the same
            vectors, which is how every epoch's grid is drawn from one fixed batch.
            """),
        code("""
            latent = latent_samples(1000, latent_dim=100, seed=seed)
            print("z:", latent.shape, f"mean {latent.mean():.3f}, std {latent.std():.3f}")
            assert np.array_equal(latent_samples(4, seed=seed), latent[:4])

            from matplotlib import pyplot
            figure, axes = pyplot.subplots(figsize=(6, 3))
            axes.hist(latent.ravel(), bins=60, density=True)
            axes.set_title("latent values z ~ N(0, 1)")
            notebook.show_figure(figure, figures / "latent_histogram.png")
            """),
        markdown("""
            `generate_fake_samples` runs G in inference mode and returns its images with labels 0 (what D
            should say about them). An untrained G draws near-uniform grey: its weights are N(0, 0.02).
            """),
        code("""
            config = DCGANConfig(dataset="fashion_mnist", width=width, batch_size=batch_size, seed=seed)
            gan = DCGAN(config)
            fake_images, fake_labels = generate_fake_samples(gan.generator, 16, seed=seed)
            print("fake:", fake_images.shape, f"values {fake_images.min():.3f}..{fake_images.max():.3f}",
                  "labels", fake_labels[:4].ravel(), "...")
            notebook.show_image(save_grid(fake_images, figures / "untrained_samples.png", columns=8))
            """),
        markdown("""
            ## Train

            A few adversarial steps (`DCGAN.train_step`: one D update on real and fake, one G update), logged
            the way the trainer logs them. D(x) and D(G(z)) are D's mean probabilities on the real and the
            fake batch.
            """),
        code("""
            rng = np.random.default_rng(seed)
            history = {"step": [], "d_loss": [], "g_loss": [], "d_real": [], "d_fake": []}
            for step in range(1, steps + 1):
                batch = scaled[rng.choice(len(scaled), batch_size, replace=len(scaled) < batch_size)]
                values = gan.train_step(batch)
                history["step"].append(step)
                for key, value in values.items():
                    history[key].append(float(value))
            print({key: round(values[-1], 3) for key, values in history.items() if key != "step"})
            """),
        markdown("""
            ## Results

            `plot_losses` draws both losses per step with a moving average (the trainer writes the same
            plot to each run directory as `losses.png`):
            """),
        code("""
            notebook.show_figure(plot_losses(history, title=f"{steps} steps, width {width}"), figures / "losses.png")
            fake_images, _ = generate_fake_samples(gan.generator, 16, seed=seed)
            notebook.show_image(save_grid(fake_images, figures / "samples_after_training.png", columns=8))
            """),
        markdown("""
            ## Analysis

            The dataset notebooks put these pieces together into full runs; the analysis notebooks
            (`gradcam`, `latent_walk`, `memorisation` and others, see `README.md`) use `utils.saliency`,
            `utils.latent`, `utils.memorisation` and `utils.filters` on them.
            """),
    ]
    return notebook("01_utilities", cells)


def build_all() -> dict[str, str]:
    """{file name: notebook JSON text} for every notebook this script owns."""
    books = {"00_introduction": introduction(), "01_utilities": utilities()}
    books.update({name: dataset_notebook(name, spec) for name, spec in DATASETS.items()})
    if str(FOLDER) not in sys.path:
        sys.path.insert(0, str(FOLDER))
    from build_analysis import analysis_notebooks   # the analysis notebooks (Sec. 6), in their own module

    books.update(analysis_notebooks())
    from build_studies import study_notebooks   # the 2021 report's three studies

    books.update(study_notebooks())
    return {f"{name}.ipynb": nbformat.writes(book) + "\n" for name, book in books.items()}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a notebook differs from its source")
    args = parser.parse_args(argv)
    stale = []
    for file_name, text in build_all().items():
        path = FOLDER / file_name
        if path.is_file() and path.read_text() == text:
            continue
        stale.append(file_name)
        if not args.check:
            path.write_text(text)
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}; run python notebooks/build_notebooks.py", file=sys.stderr)
        return 1
    print(("up to date" if not stale else f"wrote {', '.join(stale)}") if not args.check else "up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
