# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Study: BatchNorm or no BatchNorm
#
# The paper's second architecture guideline (Sec. 3) is batch normalisation in both networks,
# "which stabilizes learning by normalizing the input to each unit to have zero mean and unit
# variance"; it "proved critical to get deep generators to begin learning, preventing the
# generator from collapsing all samples to a single point". The 2021 e4040 reproduction report trained the
# same DCGAN with BatchNorm and without it ("NOBN") and found its BatchNorm runs collapsed.
# This notebook trains both variants of [Radford, Metz, Chintala 2015](https://arxiv.org/abs/1511.06434)'s model with the same seed, data and
# hyper-parameters and compares them: loss curves, D's outputs per epoch, samples from the
# same latent vectors, and two collapse measures (how different the samples are from each
# other, and, for the MNIST family, which classes they fall into).
#
# **Runtime** (two runs of `epochs` epochs on Fashion-MNIST at 32 px): on a 2-core CPU about
# 5.5 min per epoch and run, so about an hour for the default 5 epochs; on one GPU a few
# minutes. `smoke = True` trains width-8 networks on a tiny native-format copy of the data: the notebook's own test, whose pictures show the mechanics, not results.

# %% [markdown]
# ## Setup
#
# Parameters (tagged `parameters`: `papermill -p NAME VALUE` overrides them). The two runs go
# to `<output_dir>/study_batchnorm/batch_norm/` and `.../no_batch_norm/`; running the
# notebook again continues them (or does nothing when they are complete).

# %% tags=["parameters"]
dataset = "fashion_mnist"         # any dataset name of utils.data
epochs = 5
limit = 0                         # train on the first N images only; 0: all
data_dir = None                 # the dataset's files; None: datasets/<dataset>/, then system copies
image_size = 32
width = 0                       # D's first-layer feature maps; 0: the paper's (64 at 32 px)
batch_size = 128                # Sec. 4
output_dir = "runs/notebooks"   # runs go to <output_dir>/<this notebook>/<variant>/ (<this notebook>_smoke in smoke mode)
figures_root = "figures"        # PNG figures go to <figures_root>/<this notebook>/
seed = 0
num_samples = 1000              # generated images per run for the diversity (and class) numbers
smoke = False                   # True: a tiny native-format copy of the data, width 8, batches of 16

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

from model.config import DCGANConfig
from utils import notebook
from utils.analysis import studies, views
from utils.pictures.samples import generate_fake_samples

NAME = "study_batchnorm"
if smoke:
    width, batch_size = 8, 16
    data_dirs = {name: notebook.smoke_data_dir(name, tempfile.mkdtemp(prefix=f"{name}_smoke_"))
                 for name in [dataset]}
else:
    data_dirs = {name: data_dir for name in [dataset]}
study_dir = Path(output_dir) / (f"{NAME}_smoke" if smoke else NAME)
figures = notebook.figures_dir(NAME, figures_root)
keras.utils.set_random_seed(seed)
print(f"runs under {study_dir}; figures in {figures}")

# %% [markdown]
# ## Data
#
# Both runs read the same images in the same order: `TrainingData` shuffles each epoch from the
# seed, and the seed is shared.

# %%
configs = {variant: DCGANConfig(dataset=dataset, image_size=image_size, width=width, batch_norm=bn,
                                batch_size=batch_size, epochs=epochs, seed=seed, limit=limit,
                                channels=views.dataset_shape(dataset)[1])
           for variant, bn in (("batch_norm", True), ("no_batch_norm", False))}
data = notebook.training_data(configs["batch_norm"], data_dirs[dataset])
print(f"{data.num_examples} images, {data.steps_per_epoch} steps per epoch")

# %% [markdown]
# ## Models
#
# The NOBN variant drops every BatchNorm layer and nothing else (`model/dcgan.py`): the
# convolutions then carry their own biases, which BatchNorm's shift made redundant.

# %%
from model.dcgan import build_discriminator, build_generator

for variant, config in configs.items():
    generator, discriminator = build_generator(config), build_discriminator(config)
    normalisations = [layer.name for layer in generator.layers + discriminator.layers
                      if isinstance(layer, keras.layers.BatchNormalization)]
    print(f"{variant:>14}: G {generator.count_params():,} and D {discriminator.count_params():,} "
          f"parameters, {len(normalisations)} BatchNorm layers")

# %% [markdown]
# ## Train
#
# The same loop as `python dcgan.py train` (add `--no-batch-norm` for the second run), one run
# after the other.

# %%
histories, run_dirs = {}, {}
for variant, config in configs.items():
    print(f"--- {variant}")
    histories[variant], run_dirs[variant] = notebook.run_training(config, study_dir / variant, data=data)

# %% [markdown]
# ## Results
#
# The losses of both runs per step (faint) and smoothed, against epochs. The dashed line is
# 2 ln 2 = 1.39, D's loss when it cannot tell real from fake at all.

# %%
notebook.show_figure(studies.compare_losses(histories, title=dataset), figures / "losses.png")

# %% [markdown]
# Per-epoch means of the losses and of D's mean output on real images, D(x), and on generated
# ones, D(G(z)):

# %%
for variant, history in histories.items():
    means = studies.epoch_means(history)
    print(variant)
    for row in zip(*means.values()):
        print("  epoch {:>2}: d_loss {:.3f}  g_loss {:.3f}  D(x) {:.3f}  D(G(z)) {:.3f}".format(*row))

# %% [markdown]
# Samples after the first, middle and last epoch. Both runs draw their grids from the same 64
# latent vectors (the seed is shared), so a cell of one row and the same cell of the other
# start from the same z:

# %%
last = len(studies.epoch_means(histories["batch_norm"])["epoch"])
shown = sorted({1, (last + 1) // 2, last})
notebook.show_figure(studies.compare_grids(run_dirs, shown), figures / "samples.png")

# %% [markdown]
# ## Analysis
#
# Did either run collapse? A collapsed generator draws nearly the same picture for every z, so
# the mean RMS difference between random pairs of its samples falls towards 0; real images
# give the reference value. For the MNIST family, the domain classifier committed in
# `saved_models/` (used by `dcgan.py evaluate --metrics domain`) also tells which classes the
# samples fall into: a collapsed or partly collapsed generator misses classes.

# %%
from utils.training.checkpoints import load_networks

real, _, _, _ = views.load_images(dataset, data_dirs[dataset], limit=num_samples,
                                           image_size=image_size)
table = {"real images": {"diversity": studies.sample_diversity(real, seed=seed)}}
samples = {}
for variant, run_dir in run_dirs.items():
    generator, _, _ = load_networks(run_dir)
    samples[variant], _ = generate_fake_samples(generator, num_samples, seed=seed + 1)
    means = studies.epoch_means(histories[variant])
    table[variant] = {"diversity": studies.sample_diversity(samples[variant], seed=seed),
                      "last-epoch D(x)": means["d_real"][-1], "last-epoch D(G(z))": means["d_fake"][-1]}
    coverage = notebook.class_coverage(dataset, samples[variant])
    if coverage is not None:
        table[variant].update(classes=f"{len(coverage['counts']) - len(coverage['missing'])}/"
                                      f"{len(coverage['counts'])}",
                              missing=", ".join(coverage["missing"]) or "none",
                              KL_to_uniform=coverage["kl_to_uniform"])
print(studies.summary_table(table))

# %% [markdown]
# What to look for, and why it can go either way. BatchNorm normalises each layer's input over
# the mini-batch. In D, our step (like the paper's code) passes a real batch and a generated
# batch through D separately, so each is normalised with its own statistics; in G it keeps the
# first layers from collapsing to one output early on (Sec. 3). Without it, G's first layers are
# at the mercy of the N(0, 0.02) initialisation, and D's unnormalised activations make its loss
# drop faster. A collapsed run shows a diversity far below the real images' and missing classes;
# the README reports what our two Fashion-MNIST runs did.
