# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Forgetting to draw objects
#
# [Radford, Metz, Chintala 2015](https://arxiv.org/abs/1511.06434), Sec. 6.3.1 and Fig. 6: on 150 bedroom samples the authors drew boxes around windows,
# fit a logistic regression that predicts from the feature maps of G's second-highest layer
# whether a position is inside a box, and dropped every map with a positive weight. The
# regenerated bedrooms lose their windows, or turn them into doors and mirrors: G's
# representation separates objects from the scene.
#
# We cannot draw boxes by hand on every sample, so the region is a fixed box (or several),
# given as fractions of the image: the regression then finds the maps that draw whatever G
# puts in that part of the image, and the figure shows what G draws there without them. The
# default is the top half; on Fashion-MNIST the sleeves are a more object-like choice:
#
#     papermill notebooks/forgetting_objects.ipynb /tmp/f.ipynb -p dataset fashion_mnist \
#         -y "boxes: [[0.25, 0.0, 0.5, 0.25], [0.25, 0.75, 0.5, 0.25]]"
#
# The code is `utils.analysis.filters` (`find_object_maps`, `generate_without`). Runtime: under a minute
# (the logistic regression sees one row per position of every sample).

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
#     papermill notebooks/forgetting_objects.ipynb /tmp/forgetting_objects.ipynb -p dataset fashion_mnist -p model runs/notebooks/fashion_mnist

# %% tags=["parameters"]
model = None                    # run directory to analyse; None: runs/notebooks/<dataset>, else the shipped model (smoke: one trained here)
dataset = "lsun_bedroom"        # the paper's Fig. 6 dataset; fashion_mnist is the one we can train on a CPU
data_dir = None                 # the dataset's files; None: datasets/<dataset>/, then system copies
num_samples = 150               # samples the regression is fitted on (Sec. 6.3.1: 150)
seed = 0
figures_root = "figures"        # PNG figures go to <figures_root>/forgetting_objects/
smoke = False                   # True: a tiny copy of the dataset and a width-8 model trained on it for 1 epoch
boxes = [(0.0, 0.0, 0.5, 1.0)]  # (top, left, height, width) as fractions of the image: the top half
num_dropped = 0                 # maps dropped, largest weight first; 0: all positive (the paper)
num_shown = 8                   # samples in the figure

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
from utils.analysis import filters, saliency, views
from utils.pictures.samples import generate_images, latent_samples
from utils.training.checkpoints import load_networks

NAME = "forgetting_objects"
IMAGE_SIZE, CHANNELS = views.dataset_shape(dataset)
if smoke:
    data_dir = notebook.smoke_data_dir(dataset, tempfile.mkdtemp(prefix=f"{dataset}_smoke_"))
figures = notebook.figures_dir(NAME, figures_root)
keras.utils.set_random_seed(seed)
print(f"{dataset} at {IMAGE_SIZE} px; data: {data_dir or 'default lookup'}; figures: {figures}")

# %% [markdown]
# ## Data
#
# No images are read: the regression is fitted on G's own samples, with the box masks as the
# target. The mask is the same for every sample (`views.box_mask`).

# %%
masks = views.box_mask(IMAGE_SIZE, boxes, num_samples)
print(f"{len(boxes)} box(es) covering {masks[0].mean():.0%} of the image")

# %% [markdown]
# ## Models
#
# Only G: its second-highest layer is the activation before the last transposed convolution (`up{k}_act`, 16x16 at 32 px, 32x32 at 64 px), the layer of Sec. 6.3.1. In smoke mode the configuration is `views.smoke_config`: the paper's
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
# Rows: the region over each sample; the samples; the same z regenerated with the region's maps
# dropped (zeroed at every position); and, as a control, with as many randomly chosen maps
# dropped. The method works when the third row changes mainly inside the box (the object is
# gone or replaced, the rest intact) and the control row changes less, or everywhere alike.

# %%
z = latent_samples(num_samples, LATENT_DIM, seed=seed)
layer_name = filters.second_highest_layer(generator)
found = filters.find_object_maps(generator, z, masks, layer_name, top_k=num_dropped or None)
dropped = found["maps"]
num_maps = generator.get_layer(layer_name).output.shape[-1]
print(f"{layer_name}: {len(dropped)} of {num_maps} maps dropped; regression accuracy {found['accuracy']:.3f}")
shown_z = z[:num_shown]
before = generate_images(generator, shown_z)
after = filters.generate_without(generator, shown_z, layer_name, dropped)
random_maps = np.random.default_rng(seed).choice(num_maps, size=len(dropped), replace=False)
after_random = filters.generate_without(generator, shown_z, layer_name, random_maps)
region = saliency.overlay(before, masks[:num_shown].astype(np.float32), alpha=0.35)
figure = views.image_rows([region, before, after, after_random],
                                   ["region", "samples", "region maps\ndropped", "random maps\ndropped"],
                                   title=f"{len(dropped)} of {num_maps} maps of {layer_name} dropped")
notebook.show_figure(figure, figures / "forgetting.png")

# %% [markdown]
# ## Analysis
#
# The change in numbers: mean absolute pixel change inside and outside the region, for the
# region's maps and for the random control, over the shown samples. A ratio inside/outside well
# above 1 for the region's maps, and near 1 for random maps, is the paper's effect. The bar
# chart shows the regression's weights, sorted: a few large positive weights mean a few maps
# draw the region.

# %%
from matplotlib import pyplot

inside = masks[:num_shown]
for label, images in (("region maps", after), ("random maps", after_random)):
    change = np.abs(images - before).mean(axis=-1)
    ratio = change[inside].mean() / max(change[~inside].mean(), 1e-12)
    print(f"{label:12s} pixel change inside {change[inside].mean():.3f}, outside {change[~inside].mean():.3f}, "
          f"ratio {ratio:.2f}")
weights = np.sort(found["weights"])[::-1]
figure, axis = pyplot.subplots(figsize=(7, 3))
axis.bar(np.arange(len(weights)), weights, color=np.where(weights > 0, "tab:red", "tab:blue"))
axis.set_xlabel(f"feature maps of {layer_name}, sorted")
axis.set_ylabel("logistic regression weight")
axis.set_title("which maps predict the region (red: dropped when positive)")
figure.tight_layout()
notebook.show_figure(figure, figures / "map_weights.png")
