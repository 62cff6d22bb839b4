# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # DCGAN on CIFAR-10
#
# Natural images, 32x32 RGB, 10 classes (Krizhevsky 2009). The paper uses CIFAR-10 to evaluate D as a
# feature extractor (Sec. 5.1: 82.8% accuracy with an L2-SVM on D's features, D trained on
# Imagenet-1k).
#
# The paper's DCGAN ([Radford, Metz, Chintala 2015](https://arxiv.org/abs/1511.06434)) with its
# hyper-parameters, trained on CIFAR-10: samples after each epoch, the loss curves, an animation of
# training. What each section does, and why, is told once for all dataset notebooks in
# [README.md](README.md#the-dataset-notebooks).
#
# **Runtime** of the defaults (25 epochs at 32 px, 50,000 images): on a 2-core CPU 4-5 min per epoch
# (about 200 images/s); on one GPU well under a minute (an estimate). **Data**: `bash datasets/download_cifar10.sh`.

# %% [markdown]
# ## Setup

# %% tags=["parameters"]
data_dir = None                 # folder with the CIFAR-10 files; None: datasets/cifar10/, then system copies
epochs = 25
image_size = 32                 # 32, 64 or 128
batch_norm = True               # Sec. 3: BatchNorm in G and D; False: the 2021 E4040 report's "NOBN" variant
width = 0                       # D's first-layer feature maps, doubling per layer; 0: the paper's (64 at 32 px)
limit = 0                       # train on the first N images only; 0: all
batch_size = 128                # Sec. 4: mini-batches of 128
output_dir = "runs/notebooks"   # the run directory is <output_dir>/cifar10 (<output_dir>/cifar10_smoke in smoke mode)
figures_root = "figures"        # PNG figures go to <figures_root>/cifar10/
seed = 0
smoke = False                   # True: train on a tiny native-format copy written into a temporary folder
per_class_epochs = 5            # the per-class section: epochs of each class's DCGAN; 0 skips it

# %%
import os
import shutil
import sys
import tempfile
from pathlib import Path

# Jupyter starts in notebooks/, papermill (and run_all.py) in the repository root: work from the root.
ROOT = Path.cwd() if (Path.cwd() / "model").is_dir() else Path.cwd().parent
os.chdir(ROOT)
sys.path.insert(0, str(ROOT))
from utils import startup

startup.import_tensorflow()   # oneDNN on, TensorFlow's C++ start-up lines hidden (DCGAN_VERBOSE=1 shows them)

import keras

from model.config import DCGANConfig
from model.dcgan import build_discriminator, build_generator
from utils import notebook
from utils.pictures.images import save_grid
from utils.pictures.plots import plot_losses
from utils.pictures.samples import generate_fake_samples
from utils.training.checkpoints import load_networks

DATASET, CHANNELS = "cifar10", 3
if smoke:
    data_dir = notebook.smoke_data_dir(DATASET, tempfile.mkdtemp(prefix=f"{DATASET}_smoke_"))
run_dir = Path(output_dir) / (f"{DATASET}_smoke" if smoke else DATASET)
figures = notebook.figures_dir("cifar10", figures_root)
keras.utils.set_random_seed(seed)
print(f"data: {data_dir or 'default lookup'}; run directory: {run_dir}; figures: {figures}")

# %% [markdown]
# ## Data
# The images are already 32x32; they are only scaled to [-1, 1], the range of G's tanh (Sec. 4).

# %%
config = DCGANConfig(dataset=DATASET, image_size=image_size, channels=CHANNELS, width=width,
                     batch_norm=batch_norm, batch_size=batch_size, epochs=epochs, seed=seed, limit=limit)
data = notebook.training_data(config, data_dir)
print(f"{data.num_examples} training images, {data.steps_per_epoch} steps of {batch_size} per epoch")

real_images = next(iter(data.epoch_dataset(0)))[:64]   # float32 (N, S, S, C) in [-1, 1]
print("batch", tuple(real_images.shape), "values in", float(real_images.numpy().min()),
      "..", float(real_images.numpy().max()))
notebook.show_image(save_grid(real_images, figures / "real_samples.png", columns=8))

# %% [markdown]
# ## Models

# %%
generator, discriminator = build_generator(config), build_discriminator(config)
generator.summary()
discriminator.summary()
print(f"G {generator.count_params():,} parameters, D {discriminator.count_params():,} parameters")

# %% [markdown]
# ## Train
#
# The loop of `python dcgan.py train --dataset cifar10 --image-size 32 --epochs 25 --out
# runs/cifar10`; running the cell again continues from the last checkpoint.

# %%
history, run_dir = notebook.run_training(config, run_dir, data=data)
print(f"{len(history['step'])} steps; final d_loss {history['d_loss'][-1]:.3f}, "
      f"g_loss {history['g_loss'][-1]:.3f}")

# %% [markdown]
# ## Results
#
# The same 64 latent vectors after each epoch:

# %%
notebook.show_figure(notebook.epoch_grids(run_dir), figures / "epochs.png")

# %%
figure = plot_losses(history, title="DCGAN on CIFAR-10", steps_per_epoch=data.steps_per_epoch)
notebook.show_figure(figure, figures / "losses.png")

# %%
shutil.copy(run_dir / "progress.gif", figures / "progress.gif")
notebook.show_gif(figures / "progress.gif")

# %% [markdown]
# Fresh samples from the saved `generator.keras`, from latent vectors it never saw:

# %%
generator, discriminator, _ = load_networks(run_dir)
fake_images, _ = generate_fake_samples(generator, 64, seed=seed + 1)   # labels 0: fake
notebook.show_image(save_grid(fake_images, figures / "samples.png", columns=8))

# %% [markdown]
# **One DCGAN per class**, ten pairs as the classDCGAN reproduction trains them (`python dcgan.py train
# --dataset cifar10 --per-class --epochs 5 --out runs/cifar10_classes`): each class's latest grid.

# %%
if per_class_epochs:
    smoke_only = {"classes": (0, 1), "batch_size": 4} if smoke else {}   # the smoke copy: 6 images a class
    classes_config = DCGANConfig(**{**config.__dict__, "epochs": per_class_epochs, **smoke_only})
    gallery = notebook.run_per_class(classes_config, run_dir.with_name(run_dir.name + "_classes"), data_dir)
    notebook.show_image(shutil.copy(gallery, figures / "per_class_gallery.png"))
print(sorted(path.name for path in figures.iterdir()))

# %% [markdown]
# ## Analysis
#
# `run_dir` is the `model` of the [analysis notebooks](README.md#the-analysis-notebooks), which by
# default read `runs/notebooks/<dataset>/`.
