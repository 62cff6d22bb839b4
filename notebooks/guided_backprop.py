# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Guided backpropagation: what D's features respond to
#
# [Radford, Metz, Chintala 2015](https://arxiv.org/abs/1511.06434), Sec. 6.2 and Fig. 5: guided backpropagation (Springenberg et al. 2014) of the
# strongest responses of features in D's last convolution, on LSUN bedrooms, beside the same
# for a discriminator with random weights. The trained D's features respond to bed and
# window shapes; the random D's give unstructured texture. Guided backpropagation passes the
# gradient back through each ReLU/LeakyReLU only where both the forward input and the returned
# gradient are positive, which leaves the image structure that excites the feature.
#
# The code is `utils.analysis.saliency.guided_backprop_top_maps` (a clone of D whose rectifiers carry
# the guided gradient, nothing patched globally) and `utils.analysis.saliency.random_like` (the baseline:
# same architecture, fresh N(0, 0.02) weights). Runtime: seconds once the run exists.

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
#     papermill notebooks/guided_backprop.ipynb /tmp/guided_backprop.ipynb -p dataset fashion_mnist -p model runs/notebooks/fashion_mnist

# %% tags=["parameters"]
model = None                    # run directory to analyse; None: runs/notebooks/<dataset>, else the shipped model (smoke: one trained here)
dataset = "lsun_bedroom"        # the paper's Fig. 5 dataset; fashion_mnist is the one we can train on a CPU
data_dir = None                 # the dataset's files; None: datasets/<dataset>/, then system copies
num_samples = 64                # real images searched for the strongest responses
seed = 0
figures_root = "figures"        # PNG figures go to <figures_root>/guided_backprop/
smoke = False                   # True: a tiny copy of the dataset and a width-8 model trained on it for 1 epoch
top_maps = 6                    # feature maps shown (the most active ones)
patch_layer = "down2_act"        # layer whose maps get their top-activating real patches
statistics_images = 10_000     # real training images whose BatchNorm statistics D uses in inference

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
from utils.analysis import filters, saliency, views
from utils.training.checkpoints import load_networks

NAME = "guided_backprop"
IMAGE_SIZE, CHANNELS = views.dataset_shape(dataset)
if smoke:
    data_dir = notebook.smoke_data_dir(dataset, tempfile.mkdtemp(prefix=f"{dataset}_smoke_"))
figures = notebook.figures_dir(NAME, figures_root)
keras.utils.set_random_seed(seed)
print(f"{dataset} at {IMAGE_SIZE} px; data: {data_dir or 'default lookup'}; figures: {figures}")

# %% [markdown]
# ## Data
#
# The first `num_samples` real training images in [-1, 1]: each feature map is shown on the
# image that excites it most among them.

# %%
real_images, *_ = views.load_images(dataset, data_dir, "train", limit=num_samples)
print("real images", real_images.shape)

# %% [markdown]
# ## Models
#
# The analysis uses D's last convolution activation (`down{k}_act`), the layer of the paper's Fig. 5, and a copy of D with random weights. In smoke mode the configuration is `views.smoke_config`: the paper's
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
# real batch and two batches of G's samples per step. Guided backprop (and the top patches) calls D in inference mode (`training=False`),
# which would normalise with those mixed statistics; `model.batchnorm.with_real_statistics` gives a
# copy of D whose statistics are the exact mean and variance over `statistics_images` real training
# images, as the SVM protocol (and the original code) uses. The trained D itself is left as it was.

# %%
if discriminator is None:
    raise ValueError(f"{run_dir} has no discriminator: pass a run directory, not a generator .keras file")
statistics_set, *_ = views.load_images(dataset, data_dir, "train", limit=statistics_images)
discriminator = batchnorm.with_real_statistics(discriminator, statistics_set)
print(f"D's BatchNorm statistics: those of {len(statistics_set)} real training images")

# %% [markdown]
# ## Results
#
# Top row: for each of the `top_maps` most active feature maps of the trained D, the image it
# fires on most; bottom row: the guided-backprop gradient of that map's peak with respect to
# the image (grey is zero; light and dark are positive and negative). Gradients that trace
# edges and object parts of the image are what the paper's Fig. 5 shows for bedrooms.

# %%
trained = saliency.guided_backprop_top_maps(discriminator, real_images, k=top_maps)
print("maps", trained["map_indices"], "peak activations", np.round(trained["peak_activations"], 2))
figure = views.image_rows(
    [real_images[trained["image_indices"]],
     views.to_signed(saliency.gradients_to_images(trained["gradients"]))],
    ["image", "guided\nbackprop"], title=f"trained D: its {top_maps} most active maps")
notebook.show_figure(figure, figures / "guided_backprop_trained.png")

# %% [markdown]
# ## Analysis
#
# The baseline of Fig. 5: the same architecture with random weights (seeded), the same images, and
# BatchNorm statistics of the same real images as the trained D's (as the SVM protocol's random D).
# Its most active maps respond to whatever the random filters happen to match, so the gradients
# look like noise or the image's raw intensity, without the part-like structure of the trained
# D. Peak activations are printed for scale.

# %%
keras.utils.set_random_seed(seed)
random_discriminator = batchnorm.with_real_statistics(saliency.random_like(discriminator), statistics_set)
baseline = saliency.guided_backprop_top_maps(random_discriminator, real_images, k=top_maps)
print("maps", baseline["map_indices"], "peak activations", np.round(baseline["peak_activations"], 2))
figure = views.image_rows(
    [real_images[baseline["image_indices"]],
     views.to_signed(saliency.gradients_to_images(baseline["gradients"]))],
    ["image", "guided\nbackprop"], title=f"random-weights D: its {top_maps} most active maps")
notebook.show_figure(figure, figures / "guided_backprop_random.png")

# %% [markdown]
# A number to go with the pictures: how much each gradient follows the image itself (the
# absolute correlation between the gradient and the image's grey levels, per map). A random
# network's gradient often copies the image's intensities; a trained one picks out parts.

# %%
for label, result in (("trained", trained), ("random", baseline)):
    grey = real_images[result["image_indices"]].mean(axis=-1).reshape(len(result["map_indices"]), -1)
    gradient = result["gradients"].mean(axis=-1).reshape(len(result["map_indices"]), -1)
    correlation = [abs(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else 0.0
                   for a, b in zip(grey, gradient)]
    print(f"{label:8s} |corr(gradient, image)| per map: {np.round(correlation, 2)}")

# %% [markdown]
# The same question one layer at a time, without gradients. D's first convolution is a bank of
# 5x5 filters applied to the image itself (`filters.first_layer_filters`, each filter scaled to
# its own range; for colour images the three channels show as colour): trained filters become
# oriented edge and blob detectors, random ones stay noise. Then, for the `top_maps` most active
# maps of `patch_layer`, the real image patches that excite each map most
# (`filters.top_activating_patches`; a patch is the map's receptive field, 13x13 pixels for
# `down2_act`): a map whose patches share a part (a sole, a collar, a window frame) has learned
# that part.

# %%
from matplotlib import pyplot

figure, axes = pyplot.subplots(1, 2, figsize=(10, 5))
for axis, (label, model) in zip(axes, (("trained D", discriminator), ("random-weights D", random_discriminator))):
    grid = filters.first_layer_filters(model)
    axis.imshow(grid.squeeze(), cmap="gray" if grid.shape[-1] == 1 else None, vmin=0, vmax=255)
    axis.set_title(f"{label}: first-layer 5x5 filters")
    axis.axis("off")
notebook.show_figure(figure, figures / "first_layer_filters.png")

patches = filters.top_activating_patches(discriminator, real_images, patch_layer, k=top_maps)
strongest = np.argsort(-patches["activations"][:, 0], kind="stable")[:top_maps]
figure = views.image_rows([patches["patches"][m] for m in strongest],
                                   [f"map {m}" for m in strongest],
                                   title=f"trained D, {patch_layer}: the {top_maps} real patches that excite each map most")
notebook.show_figure(figure, figures / "top_patches.png")
