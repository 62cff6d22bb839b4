# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Study: the earlier reproductions' architectures
#
# Three earlier PyTorch reproductions of [Radford, Metz, Chintala 2015](https://arxiv.org/abs/1511.06434)
# trained layouts other than the paper's: 4x4 kernels with stride 2 and padding 1 (convDCGAN and the
# PyTorch examples), a "linear" DCGAN whose D ends in a linear layer after one more strided convolution
# and whose G ends in a stride-1 convolution (linDCGAN), and one GAN per class (classDCGAN). This
# notebook trains each of them with everything else the paper's (seed, data, Adam 2e-4, batch 128) and
# compares them: weights, FLOPs, loss curves, samples from the same z, the standard FID and KID, and
# for the MNIST family which classes the samples fall into.
#
# **Runtime** (Fashion-MNIST at 32 px, the default 5 epochs, from the step rates of `python dcgan.py bench
# --architectures` on 2 AMD EPYC Zen 4 cores): the paper's layout about 11 min, 4x4 kernels about 8 min,
# the linear DCGAN about 42 min; one GAN per class, the same number of steps split over ten pairs, took
# 22 min (each pair has its own start-up and grids); each FID of 10,000 samples several minutes more. On
# one GPU the whole study takes minutes. `smoke = True` trains width-8 networks on a tiny native-format copy of the
# data: the notebook's own test, whose pictures show the mechanics, not results. The README's table of
# this study was made with the same configurations through `python dcgan.py train` (its commands are
# beside each number there).

# %% [markdown]
# ## Setup
#
# Parameters (tagged `parameters`: `papermill -p NAME VALUE` overrides them). Each layout trains into
# `<output_dir>/study_architectures/<layout>/`, the per-class run into `.../per_class/`; running the
# notebook again continues them (or does nothing when they are complete).

# %% tags=["parameters"]
dataset = "fashion_mnist"         # any dataset name of utils.data
epochs = 5
limit = 0                         # train on the first N images only; 0: all
data_dir = None                 # the dataset's files; None: datasets/<dataset>/, then system copies
image_size = 32
width = 0                       # D's first-layer feature maps; 0: the paper's (64 at 32 px)
batch_size = 128                # Sec. 4
output_dir = "runs/notebooks"   # runs go to <output_dir>/<this notebook>/<layout>/ (<this notebook>_smoke in smoke mode)
figures_root = "figures"        # PNG figures go to <figures_root>/<this notebook>/
seed = 0
num_samples = 10000             # generated images per layout for FID, KID and the class shares (the protocol's 10,000)
per_class = True                # also one GAN per class (classDCGAN): the same epochs, ten pairs
smoke = False                   # True: a tiny native-format copy of the data, width 8, batches of 16

# %%
import dataclasses
import os
import shutil
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
from utils.data.idx import MNIST_FAMILY
from utils.evaluation import bench, evaluate

NAME = "study_architectures"
if smoke:
    width, batch_size = 8, 16
    data_dir = notebook.smoke_data_dir(dataset, tempfile.mkdtemp(prefix=f"{dataset}_smoke_"))
study_dir = Path(output_dir) / (f"{NAME}_smoke" if smoke else NAME)
# The FID's real-set features and the domain classifier are cached in saved_models/, except for the smoke copy.
cache_dir = Path(tempfile.mkdtemp(prefix=f"{NAME}_smoke_cache_")) if smoke else None
figures = notebook.figures_dir(NAME, figures_root)
keras.utils.set_random_seed(seed)
print(f"runs under {study_dir}; figures in {figures}")

# %% [markdown]
# ## Data
#
# Every layout reads the same images in the same order: `TrainingData` shuffles each epoch from the
# seed, and the seed is shared. The per-class run reads each class's images on its own.

# %%
base = DCGANConfig(dataset=dataset, image_size=image_size, width=width, batch_size=batch_size, epochs=epochs,
                   seed=seed, limit=limit, channels=views.dataset_shape(dataset)[1])
# The layouts `python dcgan.py bench --architectures` times: the paper's, --kernel-size 4, --architecture lin.
LAYOUTS = {"paper_5x5": {}, "kernel_4x4": {"kernel_size": 4}, "lin": {"architecture": "lin"}}
configs = {layout: dataclasses.replace(base, **change) for layout, change in LAYOUTS.items()}
data = notebook.training_data(base, data_dir)
print(f"{data.num_examples} images, {data.steps_per_epoch} steps per epoch")

# %% [markdown]
# ## Models
#
# The same G and D builders (`model/dcgan.py`) with the layout options of `DCGANConfig`. FLOPs are those
# of one image through one train step (`bench.train_step_flops`: a backward pass counted as twice its
# forward pass); the time a step takes on this machine is `python dcgan.py bench --architectures`.

# %%
from model.dcgan import build_discriminator, build_generator

for layout, config in configs.items():
    generator, discriminator = build_generator(config), build_discriminator(config)
    print(f"{layout:>10}: G {generator.count_params():>9,} and D {discriminator.count_params():>9,} parameters, "
          f"{bench.train_step_flops(config) / 1e9:.2f} GFLOP per image and step; "
          f"D's last layers {[layer.__class__.__name__ for layer in discriminator.layers[-2:]]}, "
          f"G's last {[layer.__class__.__name__ for layer in generator.layers[-2:]]}")

# %% [markdown]
# ## Train
#
# The same loop as `python dcgan.py train` (with `--kernel-size 4`, `--architecture lin`, `--per-class`),
# one run after the other. One GAN per class splits the same images, and so about the same number of
# steps, over ten pairs: each G gets a tenth of the updates of one GAN for all classes.

# %%
histories, run_dirs = {}, {}
for layout, config in configs.items():
    print(f"--- {layout}")
    histories[layout], run_dirs[layout] = notebook.run_training(config, study_dir / layout, data=data)
if per_class:
    print("--- per_class")
    # The smoke copy holds a few images a class: two classes in batches of 2.
    classes_config = dataclasses.replace(base, **({"classes": (0, 1), "batch_size": 2} if smoke else {}))
    gallery = notebook.run_per_class(classes_config, study_dir / "per_class", data_dir)

# %% [markdown]
# ## Results
#
# The losses of every layout per step (faint) and smoothed, against epochs. The dashed line is
# 2 ln 2 = 1.39, D's loss when it cannot tell real from fake at all.

# %%
notebook.show_figure(studies.compare_losses(histories, title=dataset), figures / "losses.png")

# %% [markdown]
# Samples after the first, middle and last epoch, all from the same 64 latent vectors (the seed is
# shared), so a cell of one row and the same cell of another start from the same z:

# %%
last = len(studies.epoch_means(histories["paper_5x5"])["epoch"])
shown = sorted({1, (last + 1) // 2, last})
notebook.show_figure(studies.compare_grids(run_dirs, shown), figures / "samples.png")
if per_class:
    print("one GAN per class, each class's latest grid:")
    notebook.show_image(shutil.copy(gallery, figures / "per_class_gallery.png"))

# %% [markdown]
# ## Analysis
#
# The field's standard FID and KID (`utils.evaluation.fid`: Lucic et al. 2018's protocol for the MNIST
# family, 10,000 samples against the 10,000 test images), the numbers `python dcgan.py evaluate --model
# RUN --metrics fid,kid,domain` prints. For the MNIST family the domain classifier also gives the
# entropy of the samples' class histogram (uniform: ln 10 = 2.303 nats) and, for the per-class run, the
# share of each class's samples judged as that class; its FID scores all classes' samples together, the
# same number from each, as the test set holds them.

# %%
# The smoke copy has far fewer images than the FID needs (2,048): its numbers only show the code runs.
metric_names = ["fid", "kid"] + (["domain"] if dataset in MNIST_FAMILY else [])
common = dict(data_dir=data_dir, seed=seed, cache_dir=cache_dir, allow_few=smoke, log=lambda line: None)
table = {}
for layout, run_dir in run_dirs.items():
    results = evaluate.evaluate(run_dir, metric_names=metric_names, num_samples=num_samples, **common)
    table[layout] = {"FID": results["fid"], "KID x 1000": 1000 * results["kid"]["mean"]}
    if "domain" in results:
        table[layout]["class entropy (nats)"] = results["domain"]["mode_coverage"]["entropy"]
if per_class and dataset in MNIST_FAMILY:
    classes = len(classes_config.classes) or 10
    results = evaluate.evaluate_per_class(study_dir / "per_class", metric_names=("domain", "fid", "kid"),
                                          num_samples=num_samples // classes, **common)
    table["per_class"] = {"FID": results["fid"], "KID x 1000": 1000 * results["kid"]["mean"],
                          "judged as its class": results["mean_judged_as_its_class"]}
print(studies.summary_table(table))

# %% [markdown]
# What to look for. The 4x4 kernels hold fewer weights and FLOPs than the paper's 5x5 at the same output
# sizes, so a step is faster; whether the samples suffer is what the FID says. The linear DCGAN's extra
# 512-map layers make it several times as costly per step. One GAN per class draws every class in the
# same share by construction (its class entropy is ln 10), but each of its generators gets a tenth of
# the updates, so at the same budget its samples lag. The README reports the Fashion-MNIST numbers.
