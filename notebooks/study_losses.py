# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Study: the losses across datasets
#
# The 2021 e4040 reproduction report put the generator and discriminator losses of its datasets on one
# figure to show how differently the same game plays out on each. This notebook trains the
# paper's model ([Radford, Metz, Chintala 2015](https://arxiv.org/abs/1511.06434)) with the same hyper-parameters on several datasets and draws their
# loss curves together, against epochs so that datasets of different sizes line up.
#
# **Runtime**: each dataset at 32 px costs about 5 min per 60,000 images on a 2-core CPU
# (about 200 images/s); the defaults (4 datasets, 2 epochs each on the first 20,000 images)
# take about 30 min. On one GPU a few minutes. The 64-px datasets (CelebA, LSUN, cats) are
# trained at `image_size`, 32 px by default. `smoke = True` trains width-8 networks on a tiny native-format copy of the data: the notebook's own test, whose pictures show the mechanics, not results.

# %% [markdown]
# ## Setup
#
# `datasets` lists the datasets; `data_dir` may be a dict from dataset name to folder. Runs go
# to `<output_dir>/study_losses/<dataset>/`.

# %% tags=["parameters"]
datasets = ["mnist", "fashion_mnist", "cifar10", "svhn"]
epochs = 2
limit = 20000                     # first N images of each dataset; 0: all
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

NAME = "study_losses"
if smoke:
    width, batch_size = 8, 16
    data_dirs = {name: notebook.smoke_data_dir(name, tempfile.mkdtemp(prefix=f"{name}_smoke_"))
                 for name in datasets}
else:
    data_dirs = {name: data_dir for name in datasets}
study_dir = Path(output_dir) / (f"{NAME}_smoke" if smoke else NAME)
figures = notebook.figures_dir(NAME, figures_root)
keras.utils.set_random_seed(seed)
print(f"runs under {study_dir}; figures in {figures}")

# %% [markdown]
# ## Data
#
# Each dataset through its native reader, at `image_size` with its own number of channels.

# %%
if isinstance(data_dir, dict) and not smoke:
    data_dirs = {name: data_dir.get(name) for name in datasets}
configs, datas = {}, {}
for name in datasets:
    channels = views.dataset_shape(name)[1]
    configs[name] = DCGANConfig(dataset=name, image_size=image_size, channels=channels, width=width,
                                batch_size=batch_size, epochs=epochs, seed=seed, limit=limit)
    datas[name] = notebook.training_data(configs[name], data_dirs[name])
    print(f"{name:>14}: {datas[name].num_examples} images of {channels} channel(s), "
          f"{datas[name].steps_per_epoch} steps per epoch")

# %% [markdown]
# ## Models
#
# The same architecture for every dataset; only the number of channels of G's output and D's
# input follows the data.
#
# ## Train

# %%
histories, run_dirs = {}, {}
for name, config in configs.items():
    print(f"--- {name}")
    histories[name], run_dirs[name] = notebook.run_training(config, study_dir / name, data=datas[name])

# %% [markdown]
# ## Results
#
# All datasets on one figure (faint: per step; solid: smoothed):

# %%
notebook.show_figure(studies.compare_losses(histories, title="all datasets"), figures / "losses.png")

# %% [markdown]
# The last sample grid of each run:

# %%
notebook.show_figure(studies.compare_grids(run_dirs, [epochs]), figures / "samples.png")

# %% [markdown]
# ## Analysis
#
# Per-epoch means: a D loss far below 2 ln 2 = 1.39 with a G loss far above it means D is
# winning on that dataset; the datasets whose images vary more (CIFAR-10's natural images
# against MNIST's strokes) usually keep D ahead for longer.

# %%
table = {}
for name, history in histories.items():
    means = studies.epoch_means(history)
    table[name] = {"last-epoch d_loss": means["d_loss"][-1], "last-epoch g_loss": means["g_loss"][-1],
                   "D(x)": means["d_real"][-1], "D(G(z))": means["d_fake"][-1]}
print(studies.summary_table(table))
