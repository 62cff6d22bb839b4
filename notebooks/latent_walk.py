# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Walking in the latent space
#
# [Radford, Metz, Chintala 2015](https://arxiv.org/abs/1511.06434), Sec. 6.1 and Fig. 4: images generated along straight lines between random points z
# of the latent space, 9 points each. Smooth transitions (a lamp slowly becoming a window, a TV
# a window) suggest that the model has learned relevant, hierarchical structure; sharp jumps
# would suggest memorisation. Besides the paper's linear interpolation we draw spherical ones
# (slerp, White 2016), which keep z at the norm typical of a Gaussian sample, and sweeps of
# single latent dimensions.
#
# The code is `utils.analysis.latent` (`interpolation_walk`, `dimension_sweep`). Runtime: seconds.

# %% [markdown]
# ## Setup
#
# The paper's dataset, LSUN bedrooms, is the default; Fashion-MNIST runs on a CPU.
#
# The next cell holds the parameters (tagged `parameters`: `papermill -p NAME VALUE` overrides them).
# `model` is a run directory written by a dataset notebook or `python dcgan.py train`; by default
# the notebook reads `runs/notebooks/<dataset>/` if the dataset notebook wrote it, else the model
# that ships for the dataset (Fashion-MNIST: `saved_models/fashion_mnist_dcgan_ema_20ep`, 20 epochs,
# G's moving average); for other datasets, run the dataset notebook first.
# `smoke = True` trains a width-8 model for one epoch on a tiny native-format copy of the dataset
# instead: the notebook's own test, whose pictures show the mechanics, not results. On
# Fashion-MNIST, for example:
#
#     papermill notebooks/latent_walk.ipynb /tmp/latent_walk.ipynb -p dataset fashion_mnist -p model runs/notebooks/fashion_mnist

# %% tags=["parameters"]
model = None                    # run directory to analyse; None: runs/notebooks/<dataset>, else the shipped model (smoke: one trained here)
dataset = "lsun_bedroom"        # the paper's Fig. 4 dataset; fashion_mnist is the one we can train on a CPU
data_dir = None                 # the dataset's files; None: datasets/<dataset>/, then system copies
num_samples = 4                 # walks (rows) per figure
seed = 0
figures_root = "figures"        # PNG figures go to <figures_root>/latent_walk/
smoke = False                   # True: a tiny copy of the dataset and a width-8 model trained on it for 1 epoch
steps = 9                       # points per walk, end points included (Fig. 4: 9)
sweep_range = 3.0               # a single dimension sweeps from -sweep_range to +sweep_range

# %%
import os
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
import numpy as np

from utils import notebook
from utils.analysis import latent, views
from utils.pictures.samples import generate_images, latent_samples
from utils.training.checkpoints import load_networks

NAME = "latent_walk"
IMAGE_SIZE, CHANNELS = views.dataset_shape(dataset)
if smoke:
    data_dir = notebook.smoke_data_dir(dataset, tempfile.mkdtemp(prefix=f"{dataset}_smoke_"))
figures = notebook.figures_dir(NAME, figures_root)
keras.utils.set_random_seed(seed)
print(f"{dataset} at {IMAGE_SIZE} px; data: {data_dir or 'default lookup'}; figures: {figures}")

# %% [markdown]
# ## Data
#
# No images are read: the walks start and end at random latent vectors z ~ N(0, 1) (the
# paper samples a uniform distribution; like most reproductions this repository trains on a
# Gaussian, `utils.pictures.samples.latent_samples`).

# %%
print(f"{2 * num_samples} random end points, {steps} points per walk")

# %% [markdown]
# ## Models
#
# Only G is needed: each walk is a batch of z run through G in inference mode (`utils.pictures.samples.generate_images`, BatchNorm with its moving statistics). In smoke mode the configuration is `views.smoke_config`: the paper's
# architecture at width 8 (D's first layer has 8 feature maps instead of 64 or 128), batches
# of 16, one epoch on 64 images.

# %%
if model:
    run_dir = Path(model)
elif smoke:
    config = views.smoke_config(dataset, seed)
    run_dir = Path(tempfile.mkdtemp(prefix=f"{dataset}_smoke_run_")) / dataset
    print(config)
else:
    run_dir = notebook.default_run(dataset)
print("run:", run_dir)

# %% [markdown]
# ## Train
#
# Nothing is trained here unless `smoke = True`: the analysis reads the networks back with
# `utils.training.checkpoints.load_networks` (the final `.keras` files, or the latest checkpoint of a run
# still going). A missing run directory is an error that names the path: train it with the
# dataset notebook (`notebooks/<dataset>.ipynb`) or `python dcgan.py train --dataset <dataset>`.

# %%
if smoke and not model:
    history, run_dir = notebook.run_training(config, run_dir, data_dir=data_dir, progress=False)
generator, discriminator, config = load_networks(run_dir)
if tuple(generator.output_shape[1:]) != (IMAGE_SIZE, IMAGE_SIZE, CHANNELS):
    raise ValueError(f"{run_dir} makes {generator.output_shape[1:]} images, but {dataset} is read at "
                     f"{IMAGE_SIZE}x{IMAGE_SIZE}x{CHANNELS}: pass the dataset the run was trained on")
LATENT_DIM = generator.inputs[0].shape[-1]
print(f"G {generator.count_params():,} parameters, output {generator.output_shape[1:]}; "
      f"D {'missing' if discriminator is None else format(discriminator.count_params(), ',')}")

# %% [markdown]
# ## Results
#
# Each row walks from one random z to another in `steps` equal steps, first along the straight
# line (the paper's Fig. 4), then along the great circle. Read each row left to right: a good
# model morphs one object into another through plausible images; a row that stays the same and
# then flips at once, or passes through noise, marks a region of z the model has not learned.

# %%
ends = latent_samples(2 * num_samples, LATENT_DIM, seed=seed)
walks = {kind: [latent.interpolation_walk(ends[2 * row], ends[2 * row + 1], steps, kind)
                for row in range(num_samples)] for kind in ("linear", "spherical")}
for kind, paths in walks.items():
    figure = views.image_rows([generate_images(generator, path) for path in paths],
                                       [f"walk {row + 1}" for row in range(num_samples)],
                                       title=f"{kind} interpolation, {steps} points")
    notebook.show_figure(figure, figures / f"walk_{kind}.png")

# %% [markdown]
# ## Analysis
#
# Why two kinds of walk: the middle of a straight line between two Gaussian samples has a
# norm about 0.7 times theirs, a region G rarely saw in training, so linear walks can fade
# towards an "average" image in the middle; slerp keeps the norm. The printed norms along the
# first walk show it, and the mean pixel change between neighbouring images measures how
# smooth each walk is (large single jumps are what the paper reads as memorisation).

# %%
for kind, paths in walks.items():
    images = [generate_images(generator, path) for path in paths]
    jumps = np.concatenate([np.abs(np.diff(batch, axis=0)).mean(axis=(1, 2, 3)) for batch in images])
    print(f"{kind:9s} |z| along walk 1: {np.round(np.linalg.norm(paths[0], axis=1), 1)}; "
          f"pixel change per step: mean {jumps.mean():.3f}, largest {jumps.max():.3f}")

# %% [markdown]
# Single dimensions: one z, with one coordinate swept from `-sweep_range` to `+sweep_range`.
# The dimensions shown are those whose sweep changes the image most (measured on that z). A
# DCGAN spreads concepts over many dimensions, so a single one rarely controls one attribute;
# the vector arithmetic notebook finds directions that do.

# %%
start = ends[0]
values = np.linspace(-sweep_range, sweep_range, steps)
extremes = np.concatenate([latent.dimension_sweep(start, dim, [-sweep_range, sweep_range])
                           for dim in range(LATENT_DIM)])
extreme_images = generate_images(generator, extremes).reshape(LATENT_DIM, 2, -1)
effect = np.abs(extreme_images[:, 1] - extreme_images[:, 0]).mean(axis=1)
dims = np.argsort(-effect, kind="stable")[:num_samples]
print("dimensions with the largest effect:", dims, "mean pixel change", np.round(effect[dims], 3))
rows = [generate_images(generator, latent.dimension_sweep(start, int(dim), values)) for dim in dims]
figure = views.image_rows(rows, [f"z[{dim}]" for dim in dims],
                                   title=f"one dimension from {-sweep_range} to {sweep_range}")
notebook.show_figure(figure, figures / "dimension_sweeps.png")
