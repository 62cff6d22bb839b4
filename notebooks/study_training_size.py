# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Study: a small training set or the full one
#
# The 2021 e4040 reproduction report trained its DCGAN on 19,000 LSUN bedrooms and on 300,000, and compared
# the samples after epoch 1 and epoch 10. This notebook does the same with any dataset: the
# same model, seed and hyper-parameters on the first `subset` images and on all of them. An
# epoch over the subset is fewer steps, so the notebook also compares the runs at equal
# numbers of steps, and measures how close the subset run's samples come to copying its few
# training images.
#
# **Runtime** (defaults: Fashion-MNIST, 10 epochs on 6,000 and on 60,000 images, 32 px): on a
# 2-core CPU about 5 min per epoch of the full set, so about an hour for the subset run and
# the first epochs of the full one, 55 min for 10 full epochs; on one GPU a few minutes.
# `smoke = True` trains width-8 networks on a tiny native-format copy of the data: the notebook's own test, whose pictures show the mechanics, not results.

# %% [markdown]
# ## Setup
#
# Runs go to `<output_dir>/study_training_size/subset_<N>/` and `.../full/`.

# %% tags=["parameters"]
dataset = "fashion_mnist"
epochs = 10
subset = 6000                     # images of the small run (the report: 19,000 of 3 million)
compare_epochs = [1, 10]          # sample grids shown for these epochs (the report: 1 and 10)
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

NAME = "study_training_size"
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
# The subset is the first `subset` images of the training files (`limit`), the same images
# in every epoch, shuffled from the seed.

# %%
channels = views.dataset_shape(dataset)[1]
if smoke:
    subset = min(subset, 24)
configs = {f"subset_{subset}": DCGANConfig(dataset=dataset, image_size=image_size, channels=channels,
                                           width=width, batch_size=batch_size, epochs=epochs, seed=seed,
                                           limit=subset),
           "full": DCGANConfig(dataset=dataset, image_size=image_size, channels=channels, width=width,
                               batch_size=batch_size, epochs=epochs, seed=seed)}
datas = {variant: notebook.training_data(config, data_dirs[dataset]) for variant, config in configs.items()}
for variant, data in datas.items():
    print(f"{variant:>14}: {data.num_examples} images, {data.steps_per_epoch} steps per epoch")

# %% [markdown]
# ## Models
#
# The paper's architecture and hyper-parameters for both runs (see `00_introduction.ipynb`).
#
# ## Train

# %%
histories, run_dirs = {}, {}
for variant, config in configs.items():
    print(f"--- {variant}")
    histories[variant], run_dirs[variant] = notebook.run_training(config, study_dir / variant,
                                                                  data=datas[variant])

# %% [markdown]
# ## Results
#
# Samples after the chosen epochs (rows: the runs; both draw from the same fixed latent batch):

# %%
shown = [epoch for epoch in compare_epochs if epoch <= epochs] or [epochs]
notebook.show_figure(studies.compare_grids(run_dirs, shown), figures / "samples_by_epoch.png")

# %% [markdown]
# The losses against epochs, and against steps: an epoch of the subset is a tenth of the full
# set's steps, so at equal epochs the subset run has trained far less.

# %%
notebook.show_figure(studies.compare_losses(histories, title=f"{dataset}, by epoch"),
                     figures / "losses_by_epoch.png")
notebook.show_figure(studies.compare_losses(histories, title=f"{dataset}, by step", by_epoch=False),
                     figures / "losses_by_step.png")

# %% [markdown]
# ## Analysis
#
# A generator trained on few images may learn to copy them. For samples of each run, the mean
# distance to their nearest image of that run's training set, against the same for as many
# real held-out images (`utils.analysis.memorisation.copy_score`): a ratio well below 1 means samples
# sit closer to the training images than new real images do, as copies would. Diversity as in
# the BatchNorm study.

# %%
from utils.analysis.memorisation import copy_score
from utils.training.checkpoints import load_networks

held_out, _, _, _ = views.load_images(dataset, data_dirs[dataset], split="test",
                                               limit=num_samples, image_size=image_size)
table = {}
for variant, run_dir in run_dirs.items():
    training, _, _, _ = views.load_images(dataset, data_dirs[dataset], image_size=image_size,
                                                   limit=configs[variant].limit or None)
    generator, _, _ = load_networks(run_dir)
    samples, _ = generate_fake_samples(generator, len(held_out), seed=seed + 1)
    score = copy_score(samples, training, held_out)
    table[variant] = {"training images": len(training), "steps": len(histories[variant]["step"]),
                      "diversity": studies.sample_diversity(samples, seed=seed), **score}
print(studies.summary_table(table))
