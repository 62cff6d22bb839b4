# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # DCGAN on LSUN bedrooms
#
# Bedroom photographs from the LSUN scene dataset (Yu et al. 2015), the paper's main showcase (Sec.
# 4.1): Fig. 2 shows samples after one epoch, Fig. 3 after five.
#
# The paper's DCGAN ([Radford, Metz, Chintala 2015](https://arxiv.org/abs/1511.06434)) with its
# hyper-parameters, trained on LSUN bedrooms: samples after each epoch, the loss curves, an animation
# of training. What each section does, and why, is told once for all dataset notebooks in
# [README.md](README.md#the-dataset-notebooks).
#
# **Runtime** of the defaults (1 epoch at 64 px, 3,033,042 images): on a 2-core CPU about 4 days per
# epoch (about 8 images/s): use a GPU, or `limit`; on one GPU roughly 2-3 h per epoch (an estimate
# from the arithmetic). **Data**: `bash datasets/download_lsun_bedroom.sh`.

# %% [markdown]
# ## Setup

# %% tags=["parameters"]
data_dir = None                 # folder with the LSUN bedrooms files; None: datasets/lsun_bedroom/, then system copies
epochs = 1
image_size = 64                 # 32, 64 or 128
batch_norm = True               # Sec. 3: BatchNorm in G and D; False: the 2021 E4040 report's "NOBN" variant
width = 0                       # D's first-layer feature maps, doubling per layer; 0: the paper's (128 at 64 px)
limit = 0                       # train on the first N images only; 0: all
batch_size = 128                # Sec. 4: mini-batches of 128
output_dir = "runs/notebooks"   # the run directory is <output_dir>/lsun_bedroom (<output_dir>/lsun_bedroom_smoke in smoke mode)
figures_root = "figures"        # PNG figures go to <figures_root>/lsun_bedroom/
seed = 0
smoke = False                   # True: train on a tiny native-format copy written into a temporary folder

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

DATASET, CHANNELS = "lsun_bedroom", 3
if smoke:
    data_dir = notebook.smoke_data_dir(DATASET, tempfile.mkdtemp(prefix=f"{DATASET}_smoke_"))
run_dir = Path(output_dir) / (f"{DATASET}_smoke" if smoke else DATASET)
figures = notebook.figures_dir("lsun_bedroom", figures_root)
keras.utils.set_random_seed(seed)
print(f"data: {data_dir or 'default lookup'}; run directory: {run_dir}; figures: {figures}")

# %% [markdown]
# ## Data
#
# Each image (shorter side 256 in the LMDB export) is resized so its shorter side is 64 and
# centre-cropped to 64x64. Otherwise only scaled to [-1, 1], the range of G's tanh (Sec. 4).

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
# The loop of `python dcgan.py train --dataset lsun_bedroom --image-size 64 --epochs 1 --out
# runs/lsun_bedroom`; running the cell again continues from the last checkpoint.

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
figure = plot_losses(history, title="DCGAN on LSUN bedrooms", steps_per_epoch=data.steps_per_epoch)
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
print(sorted(path.name for path in figures.iterdir()))

# %% [markdown]
# ## Analysis
#
# `run_dir` is the `model` of the [analysis notebooks](README.md#the-analysis-notebooks), which by
# default read `runs/notebooks/<dataset>/`.
