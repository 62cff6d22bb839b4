# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Grad-CAM: where the discriminator looks
#
# The 2021 e4040 reproduction report explained the DCGAN discriminator with Grad-CAM (Selvaraju et al. 2017)
# on its SVHN model: the gradient of D's output with respect to the feature maps of its last
# convolution, averaged over each map, weights the maps into one coarse heat map of the pixels
# that pushed D towards "real". [Radford, Metz, Chintala 2015](https://arxiv.org/abs/1511.06434) look at the same layer with guided backpropagation
# (Sec. 6.2, Fig. 5; see `guided_backprop.ipynb`). This notebook draws the heat maps over real
# images and over G's samples, for both of D's verdicts ("real" and "fake").
#
# The code is `utils.analysis.saliency.grad_cam` (keras-io's `grad_cam.py` recipe: a sub-model from
# `model.inputs` to the layer's output and the logit) and `utils.analysis.saliency.overlay`.
# Runtime: seconds once the run exists.

# %% [markdown]
# ## Setup
#
# The report's dataset, SVHN, is the default; Fashion-MNIST runs on a CPU.
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
#     papermill notebooks/gradcam.ipynb /tmp/gradcam.ipynb -p dataset fashion_mnist -p model runs/notebooks/fashion_mnist

# %% tags=["parameters"]
model = None                    # run directory to analyse; None: runs/notebooks/<dataset>, else the shipped model (smoke: one trained here)
dataset = "svhn"                # the report's Grad-CAM dataset; fashion_mnist is the one we can train on a CPU
data_dir = None                 # the dataset's files; None: datasets/<dataset>/, then system copies
num_samples = 8                 # images per row of the figures
seed = 0
figures_root = "figures"        # PNG figures go to <figures_root>/gradcam/
smoke = False                   # True: a tiny copy of the dataset and a width-8 model trained on it for 1 epoch
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
from model.dcgan import last_conv_name
from utils import notebook
from utils.analysis import saliency, views
from utils.pictures.samples import generate_fake_samples
from utils.training.checkpoints import load_networks

NAME = "gradcam"
IMAGE_SIZE, CHANNELS = views.dataset_shape(dataset)
if smoke:
    data_dir = notebook.smoke_data_dir(dataset, tempfile.mkdtemp(prefix=f"{dataset}_smoke_"))
figures = notebook.figures_dir(NAME, figures_root)
keras.utils.set_random_seed(seed)
print(f"{dataset} at {IMAGE_SIZE} px; data: {data_dir or 'default lookup'}; figures: {figures}")

# %% [markdown]
# ## Data
#
# The first `num_samples` real training images, scaled to [-1, 1] as D saw them in training
# (`views.load_images` reads them from the native files, streamed datasets included).

# %%
real_images, *_ = views.load_images(dataset, data_dir, "train", limit=num_samples)
print("real images", real_images.shape, f"{real_images.min():.2f}..{real_images.max():.2f}")

# %% [markdown]
# ## Models
#
# Grad-CAM needs D, with its input (`keras.Input`) and its last convolution's activation (`down{k}_act`, the layer before the flatten and the logit). In smoke mode the configuration is `views.smoke_config`: the paper's
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
# real batch and two batches of G's samples per step. Grad-CAM calls D in inference mode (`training=False`),
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
# Each pair of rows: the images, then the heat map over them (blue: no influence, red: the
# pixels whose features raised D's "real" logit most). A trained D that judges the digit itself
# lights up on the strokes; heat on the border or the background means D relies on cues other
# than the object (the report found that its SVHN D looked at the digit's edges). The printed
# D(x) is D's probability that the image is real.

# %%
layer = last_conv_name(discriminator)
real_heat = saliency.grad_cam(discriminator, real_images, layer, target="real")
real_probability = np.asarray(keras.ops.sigmoid(discriminator(real_images, training=False)))[:, 0]
print(f"layer {layer}; D(x) on real images: {np.round(real_probability, 2)}")
figure = views.image_rows([real_images, saliency.overlay(real_images, real_heat)],
                                   ["real", "Grad-CAM\n'real'"], title=f"{dataset}: real images")
notebook.show_figure(figure, figures / "gradcam_real.png")

# %% [markdown]
# The same for generated images, with a second heat map for the opposite verdict ("fake": the
# gradient of the negated logit): where D finds evidence that a sample is generated. Artefacts
# G has not learned to hide (checkerboard patterns, smeared edges) show up in that row.

# %%
fake_images, _ = generate_fake_samples(generator, num_samples, seed=seed + 1)
fake_heat_real = saliency.grad_cam(discriminator, fake_images, layer, target="real")
fake_heat_fake = saliency.grad_cam(discriminator, fake_images, layer, target="fake")
fake_probability = np.asarray(keras.ops.sigmoid(discriminator(fake_images, training=False)))[:, 0]
print(f"D(G(z)) on generated images: {np.round(fake_probability, 2)}")
figure = views.image_rows(
    [fake_images, saliency.overlay(fake_images, fake_heat_real), saliency.overlay(fake_images, fake_heat_fake)],
    ["generated", "Grad-CAM\n'real'", "Grad-CAM\n'fake'"], title=f"{dataset}: generated images")
notebook.show_figure(figure, figures / "gradcam_fake.png")

# %% [markdown]
# ## Analysis
#
# Averaged over the images, the heat maps say whether D looks at the centre, where SVHN and
# Fashion-MNIST put the object, or spreads its attention. The printed share is the fraction of
# the heat in the central half of the image (a quarter of its area: 0.25 means no preference).
# Grad-CAM at D's last convolution is coarse (4x4 positions at 32 px, upsampled), so read the
# maps as regions, not pixels.

# %%
from matplotlib import pyplot

centre = np.zeros((IMAGE_SIZE, IMAGE_SIZE), bool)
centre[IMAGE_SIZE // 4:3 * IMAGE_SIZE // 4, IMAGE_SIZE // 4:3 * IMAGE_SIZE // 4] = True
figure, axes = pyplot.subplots(1, 3, figsize=(9, 3.3))
for axis, (title, heat) in zip(axes, [("real, 'real'", real_heat), ("generated, 'real'", fake_heat_real),
                                      ("generated, 'fake'", fake_heat_fake)]):
    mean_heat = heat.mean(axis=0)
    share = mean_heat[centre].sum() / max(mean_heat.sum(), 1e-12)
    axis.imshow(mean_heat, cmap="jet", vmin=0, vmax=max(mean_heat.max(), 1e-6))
    axis.set_title(f"{title}\ncentre share {share:.2f}", fontsize=9)
    axis.axis("off")
    print(f"{title:20s} mean heat {heat.mean():.3f}, share in the central half {share:.2f}")
figure.suptitle("mean Grad-CAM heat map")
figure.tight_layout()
notebook.show_figure(figure, figures / "gradcam_mean.png")
