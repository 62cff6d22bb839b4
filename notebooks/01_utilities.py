# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The pieces of a DCGAN step
#
# The helpers every DCGAN notebook uses, one at a time: scaling images to G's output range and
# back, latent vectors, batches of real and fake samples with D's labels, sample grids and loss
# plots. On Fashion-MNIST (the real data when present; `smoke = True` uses a tiny copy). Runs in
# about a minute on a 2-core CPU.

# %% [markdown]
# ## Setup

# %% tags=["parameters"]
data_dir = None            # Fashion-MNIST files; None: datasets/fashion_mnist/, then system copies
width = 8                  # tiny networks: this notebook shows the mechanics, not results
batch_size = 64
steps = 40                 # training steps for the loss plot
figures_root = "figures"   # PNG figures go to <figures_root>/01_utilities/
seed = 0
smoke = False              # True: a tiny native-format copy of Fashion-MNIST in a temporary folder

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

import numpy as np

from model.config import DCGANConfig
from model.gan import DCGAN
from utils import notebook
from utils.data import load_raw
from utils.data.pipeline import scale_images, unscale_images
from utils.pictures.images import make_grid, save_grid
from utils.pictures.plots import plot_losses
from utils.pictures.samples import generate_fake_samples, generate_real_samples, latent_samples

if smoke:
    data_dir = notebook.smoke_data_dir("fashion_mnist", tempfile.mkdtemp(prefix="fashion_mnist_smoke_"))
figures = notebook.figures_dir("01_utilities", figures_root)

# %% [markdown]
# ## Data
#
# Readers return uint8 images in [0, 255]; G's tanh produces [-1, 1], so real images are scaled
# to the same range before D sees them (Sec. 4): x / 127.5 - 1. `unscale_images` is the inverse
# (rounded and clipped), used for every picture; the round trip is exact on uint8 data.

# %%
raw = load_raw("fashion_mnist", data_dir=data_dir, limit=1024)
print(raw.source, raw.images.shape, raw.images.dtype, raw.images.min(), raw.images.max())
scaled = scale_images(raw.images).numpy()
print("scaled:", scaled.dtype, scaled.min(), scaled.max())
assert (unscale_images(scaled) == raw.images).all()   # the round trip loses nothing

# %% [markdown]
# `generate_real_samples` draws a random batch of real images with labels 1 (what D should say
# about them). A grid (`make_grid`) lays a batch out for viewing; `save_grid` writes it as PNG.

# %%
real_images, real_labels = generate_real_samples(scaled, 16, seed=seed)
print("real:", real_images.shape, "labels", real_labels[:4].ravel(), "...")
print("grid:", make_grid(real_images, columns=8).shape)
notebook.show_image(save_grid(real_images, figures / "real_samples.png", columns=8))

# %% [markdown]
# ## Models
#
# G's input: latent vectors z. The paper draws them from a uniform distribution on 100
# dimensions (Sec. 4); like most reproductions we use N(0, 1). The same seed gives the same
# vectors, which is how every epoch's grid is drawn from one fixed batch.

# %%
latent = latent_samples(1000, latent_dim=100, seed=seed)
print("z:", latent.shape, f"mean {latent.mean():.3f}, std {latent.std():.3f}")
assert np.array_equal(latent_samples(4, seed=seed), latent[:4])

from matplotlib import pyplot

figure, axes = pyplot.subplots(figsize=(6, 3))
axes.hist(latent.ravel(), bins=60, density=True)
axes.set_title("latent values z ~ N(0, 1)")
notebook.show_figure(figure, figures / "latent_histogram.png")

# %% [markdown]
# `generate_fake_samples` runs G in inference mode and returns its images with labels 0 (what D
# should say about them). An untrained G draws near-uniform grey: its weights are N(0, 0.02).

# %%
config = DCGANConfig(dataset="fashion_mnist", width=width, batch_size=batch_size, seed=seed)
gan = DCGAN(config)
fake_images, fake_labels = generate_fake_samples(gan.generator, 16, seed=seed)
print("fake:", fake_images.shape, f"values {fake_images.min():.3f}..{fake_images.max():.3f}",
      "labels", fake_labels[:4].ravel(), "...")
notebook.show_image(save_grid(fake_images, figures / "untrained_samples.png", columns=8))

# %% [markdown]
# ## Train
#
# A few adversarial steps (`DCGAN.train_step`: one D update on real and fake, one G update), logged
# the way the trainer logs them. D(x) and D(G(z)) are D's mean probabilities on the real and the
# fake batch.

# %%
rng = np.random.default_rng(seed)
history = {"step": [], "d_loss": [], "g_loss": [], "d_real": [], "d_fake": []}
for step in range(1, steps + 1):
    batch = scaled[rng.choice(len(scaled), batch_size, replace=len(scaled) < batch_size)]
    values = gan.train_step(batch)
    history["step"].append(step)
    for key, value in values.items():
        history[key].append(float(value))
print({key: round(values[-1], 3) for key, values in history.items() if key != "step"})

# %% [markdown]
# ## Results
#
# `plot_losses` draws both losses per step with a moving average (the trainer writes the same
# plot to each run directory as `losses.png`):

# %%
notebook.show_figure(plot_losses(history, title=f"{steps} steps, width {width}"), figures / "losses.png")
fake_images, _ = generate_fake_samples(gan.generator, 16, seed=seed)
notebook.show_image(save_grid(fake_images, figures / "samples_after_training.png", columns=8))

# %% [markdown]
# ## Analysis
#
# The dataset notebooks put these pieces together into full runs; the analysis notebooks
# (`gradcam`, `latent_walk`, `memorisation` and others, see `README.md`) use `utils.analysis.saliency`,
# `utils.analysis.latent`, `utils.analysis.memorisation` and `utils.analysis.filters` on them.
