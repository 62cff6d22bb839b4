# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Memorisation: nearest training images of generated samples
#
# A generator that copies its training images would score well on sample quality and learn
# nothing. [Radford, Metz, Chintala 2015](https://arxiv.org/abs/1511.06434) address it for LSUN bedrooms (Sec. 4.1: samples after one epoch, before
# memorisation is possible, Fig. 2; de-duplication of the training set) and through smooth
# latent walks (Sec. 6.1, `latent_walk.ipynb`). The usual direct check, also in
# the 2021 E4040 reproduction report, puts each sample beside its nearest training images: in pixel space, and in the
# feature space of D's last convolution, which is less fooled by shifts and brightness. The
# original DCGAN code (Newmu/dcgan_code) adds a number, `nnd_score`: the mean distance from
# samples to their nearest held-out real image, to compare with the same distance for real
# images.
#
# The code is `utils.analysis.memorisation`. Runtime: a minute for 10,000 reference images on a CPU.

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
#     papermill notebooks/memorisation.ipynb /tmp/memorisation.ipynb -p dataset fashion_mnist -p model runs/notebooks/fashion_mnist

# %% tags=["parameters"]
model = None                    # run directory to analyse; None: runs/notebooks/<dataset>, else the shipped model (smoke: one trained here)
dataset = "lsun_bedroom"        # the paper's dataset (Sec. 4.1); fashion_mnist is the one we can train on a CPU
data_dir = None                 # the dataset's files; None: datasets/<dataset>/, then system copies
num_samples = 8                 # samples shown with their neighbours
seed = 0
figures_root = "figures"        # PNG figures go to <figures_root>/memorisation/
smoke = False                   # True: a tiny copy of the dataset and a width-8 model trained on it for 1 epoch
neighbours = 3                  # nearest training images per sample
num_train = 10_000              # training images searched (0: all; in-memory datasets only)
num_score = 1_000               # samples and held-out images for the nearest-neighbour score

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

from model import batchnorm
from utils import notebook
from utils.analysis import memorisation, views
from utils.pictures.images import save_png
from utils.pictures.samples import generate_fake_samples
from utils.training.checkpoints import load_networks

NAME = "memorisation"
IMAGE_SIZE, CHANNELS = views.dataset_shape(dataset)
if smoke:
    data_dir = notebook.smoke_data_dir(dataset, tempfile.mkdtemp(prefix=f"{dataset}_smoke_"))
figures = notebook.figures_dir(NAME, figures_root)
keras.utils.set_random_seed(seed)
print(f"{dataset} at {IMAGE_SIZE} px; data: {data_dir or 'default lookup'}; figures: {figures}")

# %% [markdown]
# ## Data
#
# The first `num_train` training images (the reference set searched for neighbours) and
# `num_score` held-out images: the test split where the dataset has one; LSUN and the cat
# faces have none here, so their held-out images are the `num_score` training images after the
# reference set, which a model trained on all images has seen (the score is then optimistic).
# In smoke mode the fixture holds 64 images, so 48 and 16 are used.

# %%
if smoke:
    num_train, num_score = 48, 16
train_images, *_ = views.load_images(dataset, data_dir, "train", limit=num_train or None)
try:
    held_out, *_ = views.load_images(dataset, data_dir, "test", limit=num_score)
    held_out_source = "test split"
except ValueError:   # no test split for this dataset
    more, *_ = views.load_images(dataset, data_dir, "train", limit=len(train_images) + num_score)
    held_out, held_out_source = more[len(train_images):], "training images after the reference set"
if len(held_out) == 0:
    raise ValueError(f"no held-out images left after {len(train_images)} reference images; lower num_train")
print(f"{len(train_images)} reference images, {len(held_out)} held-out images ({held_out_source})")

# %% [markdown]
# ## Models
#
# G makes the samples; D's last convolution (`down{k}_act`, flattened) is the feature space of the second search. In smoke mode the configuration is `views.smoke_config`: the paper's
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
# ### BatchNorm statistics of real images
#
# In training, each of D's BatchNorm layers keeps moving statistics of the batches it normalises: one
# real batch and two batches of G's samples per step. The feature-space search calls D in inference mode (`training=False`),
# which would normalise with those mixed statistics; `model.batchnorm.with_real_statistics` gives a
# copy of D whose statistics are the exact mean and variance over the `num_train` reference real training
# images, as the SVM protocol (and the original code) uses. The trained D itself is left as it was.

# %%
if discriminator is None:
    raise ValueError(f"{run_dir} has no discriminator: pass a run directory, not a generator .keras file")
discriminator = batchnorm.with_real_statistics(discriminator, train_images)
print(f"D's BatchNorm statistics: those of {len(train_images)} real training images")

# %% [markdown]
# ## Results
#
# One row per sample: the sample, a blank tile, then its nearest training images, nearest first.
# A sample that is a near copy of its first neighbour is memorised; a sample that shares the
# kind of object but differs in shape and detail is new. Pixel distance favours images with the
# same overall brightness and layout; D's features group images that D treats alike.

# %%
samples, _ = generate_fake_samples(generator, num_samples, seed=seed + 1)
for space in ("pixel", "features"):
    indices, distances = memorisation.nearest_training_images(samples, train_images, k=neighbours, space=space,
                                                              discriminator=discriminator)
    print(f"{space:8s} nearest distances (first sample): {np.round(distances[0], 2)}")
    grid = memorisation.neighbour_grid(samples, train_images, indices)
    notebook.show_image(save_png(grid, figures / f"nearest_{space}.png", scale=3))

# %% [markdown]
# ## Analysis
#
# The nearest-neighbour score of the original code: how far samples are from their nearest
# held-out real image, against how far held-out real images are from their nearest training
# image. The expected nearest distance shrinks as the searched set grows, so both searches get
# sets of one size (`num_score` held-out images, and as many training images) and as many queries.
# A ratio near 1: samples sit as close to real data as real data does; well below 1: samples
# (nearly) copy real images; well above 1: samples are far from anything real (poor samples).
# The copy score asks the memorisation question directly: samples and held-out real images, as
# many of each, searched among the same `num_train` training images. The histogram shows its two
# distributions of nearest distances.

# %%
from matplotlib import pyplot

score_samples, _ = generate_fake_samples(generator, len(held_out), seed=seed + 2)
score = memorisation.nearest_neighbour_score(score_samples, held_out, train_images)
print("nearest-neighbour score:", {key: round(value, 3) for key, value in score.items()})
copies = memorisation.copy_score(score_samples, train_images, held_out)
print(f"copy score ({len(held_out)} samples and {len(held_out)} held-out images among {len(train_images)} "
      "training images):", {key: round(value, 3) for key, value in copies.items()})
_, sample_distances = memorisation.nearest_neighbours(score_samples, train_images)
_, real_distances = memorisation.nearest_neighbours(held_out, train_images)
figure, axis = pyplot.subplots(figsize=(6, 3.2))
axis.hist(real_distances[:, 0], bins=30, alpha=0.6, label=f"held-out real ({held_out_source})")
axis.hist(sample_distances[:, 0], bins=30, alpha=0.6, label="generated")
axis.set_xlabel("pixel distance to the nearest reference image")
axis.set_ylabel("images")
axis.legend(fontsize=8)
figure.tight_layout()
notebook.show_figure(figure, figures / "nn_distances.png")
