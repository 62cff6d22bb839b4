# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Deep Convolutional GANs: an introduction
#
# A generative adversarial network (Goodfellow et al. 2014) trains two networks against each
# other: a generator G that maps random vectors z to images, and a discriminator D that tells
# real images from G's. D is trained to output 1 for real images and 0 for generated ones; G is
# trained to make D output 1 on its images. When the game goes well, G's images become hard to
# tell from the data.
#
# [Radford, Metz, Chintala 2015](https://arxiv.org/abs/1511.06434) made this work with deep convolutional networks (DCGAN): a set of architecture
# guidelines that made training stable across datasets, hyper-parameters that most GANs still
# start from, and experiments showing that both networks learn useful representations: D's
# features classify CIFAR-10 and SVHN (Sec. 5), and G's latent space supports smooth walks and
# vector arithmetic (Sec. 6).
#
# This notebook builds the two networks and shows their layers. It trains nothing and runs in
# seconds.

# %% [markdown]
# ## Setup
#
# The repository, from data to pictures:
#
# | path | what it holds |
# |---|---|
# | `datasets/` | download scripts; the data lands in `datasets/<name>/` (not in git) |
# | `utils/data/` | native-format readers and the `tf.data` pipeline of images in [-1, 1] |
# | `model/` | the configuration, G and D (`dcgan.py`), the training step (`gan.py`) |
# | `utils/training/trainer.py`, `utils/training/checkpoints.py` | the training loop and run directories; loading models back |
# | `utils/pictures/images.py`, `utils/pictures/plots.py`, `utils/pictures/samples.py` | grids, GIFs, loss plots, latent and sample batches |
# | `utils/analysis/saliency.py`, `utils/analysis/latent.py`, `utils/analysis/memorisation.py`, `utils/analysis/filters.py` | analysis (Sec. 6) |
# | `utils/evaluation/features.py`, `utils/evaluation/svm.py`, `utils/evaluation/metrics.py` | D's features as a classifier (Sec. 5), FID/KID/IS |
# | `utils/notebook.py` | the few helpers the notebooks share |
# | `dcgan.py` | the command line: train, generate, bench |
# | `notebooks/` | these notebooks (`README.md` is the index) |
# | `tests/` | the test suite, including a smoke run of every notebook |
#
# The parameters below (tagged `parameters` for papermill) choose the networks shown.

# %% tags=["parameters"]
image_size = 64      # the paper's LSUN and faces model (Fig. 1); 32 for the MNIST family, CIFAR-10, SVHN
channels = 3
width = 0            # D's first-layer feature maps; 0: the paper's (128 at 64 px, 64 at 32 px)
batch_norm = True
smoke = False        # no effect here: this notebook trains nothing

# %%
import os
import sys
from pathlib import Path

# Jupyter starts in notebooks/, papermill (and run_all.py) in the repository root: work from the root.
ROOT = Path.cwd() if (Path.cwd() / "model").is_dir() else Path.cwd().parent
os.chdir(ROOT)
sys.path.insert(0, str(ROOT))
from utils import startup

startup.import_tensorflow()   # oneDNN on, TensorFlow's C++ start-up lines hidden (DCGAN_VERBOSE=1 shows them)

from model.config import DCGANConfig
from model.dcgan import build_discriminator, build_generator

# %% [markdown]
# ## Data
#
# DCGAN needs nothing but images, scaled to [-1, 1], the range of G's tanh output (Sec. 4). The
# readers in `utils/data/` turn each dataset's native files into such images:
#
# | dataset | images | size here | notebook |
# |---|---|---|---|
# | MNIST | 60,000 digits, grayscale | 28 -> 32 (padded) | `mnist.ipynb` |
# | Fashion-MNIST | 60,000 articles, grayscale | 28 -> 32 (padded) | `fashion_mnist.ipynb` |
# | CIFAR-10 | 50,000 natural images | 32 | `cifar10.ipynb` |
# | SVHN | 73,257 house-number digits | 32 | `svhn.ipynb` |
# | CelebA | 162,770 aligned faces (train) | 64 (centre crop) | `celeba.ipynb` |
# | LSUN bedrooms | 3,033,042 rooms | 64 (centre crop) | `lsun_bedroom.ipynb` |
# | Cat faces | 15,747 faces | 64 | `cats.ipynb` |
#
# `datasets/README.md` says where each comes from and which script downloads it.

# %% [markdown]
# ## Models
#
# The paper's "architecture guidelines for stable Deep Convolutional GANs" (Sec. 3):
#
# 1. Replace pooling layers with strided convolutions (D) and fractional-strided convolutions (G).
# 2. Use batch normalisation in both G and D (but not in G's output layer nor D's input layer,
#    which caused sample oscillation and instability).
# 3. Remove fully connected hidden layers.
# 4. Use ReLU in G for all layers except the output, which uses tanh.
# 5. Use LeakyReLU in D for all layers.
#
# Sec. 4 adds the training details: weights from N(0, 0.02), LeakyReLU slope 0.2, Adam with
# learning rate 0.0002 and beta_1 = 0.5, mini-batches of 128. All of these are the defaults of
# `model.config.DCGANConfig`:

# %%
config = DCGANConfig(image_size=image_size, channels=channels, width=width, batch_norm=batch_norm)
config

# %% [markdown]
# G projects z (100 numbers) to a 4x4 stack of feature maps, then each transposed convolution
# doubles the size and halves the maps until the last one produces the image. At 64 px with the
# paper's width this is Fig. 1 of the paper: 4x4x1024 -> 8x8x512 -> 16x16x256 -> 32x32x128 -> 64x64x3.

# %%
generator = build_generator(config)
generator.summary()

# %% [markdown]
# D mirrors G: each strided convolution halves the size and doubles the maps, and the last
# feature maps are flattened into a single logit (the sigmoid is part of the loss).

# %%
discriminator = build_discriminator(config)
discriminator.summary()

# %%
for model in (generator, discriminator):
    print(model.name)
    for layer in model.layers:
        if layer.name in ("project_reshape", "to_image", "logit") or layer.name.endswith("_act"):
            print(f"  {layer.name:16s} {str(layer.output.shape):22s}")

# %% [markdown]
# ## Train
#
# One training step (`model/gan.py`) updates D on a real batch (label 1) and a generated batch
# (label 0), then updates G to make D say 1 on a fresh generated batch (the non-saturating loss
# -log D(G(z)) of Goodfellow et al.). `utils/training/trainer.py` runs the steps epoch after epoch and
# writes a run directory; `python dcgan.py train` and the dataset notebooks both call it.
# `01_utilities.ipynb` shows the pieces a step uses.

# %% [markdown]
# ## Results
#
# Results live with each dataset notebook and in `figures/<notebook>/`: sample grids per epoch,
# loss curves and the training animation.
#
# ## Analysis
#
# Sec. 6 of the paper looks inside the trained networks: walks in the latent space, D's
# features, G "forgetting" objects, vector arithmetic on faces. The helpers are in
# `utils/analysis/saliency.py`, `utils/analysis/latent.py`, `utils/analysis/memorisation.py` and `utils/analysis/filters.py`; the
# analysis notebooks (`gradcam`, `guided_backprop`, `latent_walk`, `vector_arithmetic`,
# `forgetting_objects`, `memorisation`) apply them to the runs of the dataset notebooks.
