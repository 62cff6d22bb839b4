# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # D's features as a classifier input (Sec. 5.1-5.2, Tables 1-2)
#
# The title claim of [Radford, Metz, Chintala 2015](https://arxiv.org/abs/1511.06434) is representation learning, and its evidence is a linear classifier
# on the discriminator's features. Every convolution of D is max-pooled to a 4x4 grid, the grids
# are flattened and concatenated (28,672 features for the paper's ImageNet D), and a linear
# L2-SVM is trained on them. The paper reports two results. Table 1: 82.8% on CIFAR-10 with
# all labels, D trained on Imagenet-1k. Table 2: 22.48% test error on SVHN with 1,000 labels.
# The 2021 e4040 reproduction report did not get this far.
#
# Here the protocol is `utils.evaluation.evaluate.evaluate`, the same code as
# `python dcgan.py evaluate --metrics svm`. BatchNorm uses statistics over the training set,
# as the original code does. C is chosen on a validation split carved from the training set,
# never on the test set. Then the SVM is refit on all the labelled images. There are two
# protocols:
#
# - all labels;
# - `per_class` labels per class, averaged over `draws` random draws.
#
# Two baselines go through the same protocol: raw pixels, and D's architecture with random
# weights.
#
# Runtime on 2 CPU cores: about an hour for Fashion-MNIST's 60,000 images and the three feature
# sets. `train_limit` makes it shorter. `results_json` draws the figures from the JSON that
# `dcgan.py evaluate --out` wrote, without computing anything.

# %% [markdown]
# ## Setup
#
# Fashion-MNIST is the default: the dataset of this repository's measured run.
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
#     papermill notebooks/feature_classification.ipynb /tmp/feature_classification.ipynb -p dataset fashion_mnist -p model runs/notebooks/fashion_mnist

# %% tags=["parameters"]
model = None                    # run directory to analyse; None: runs/notebooks/<dataset>, else the shipped model (smoke: one trained here)
dataset = "fashion_mnist"       # the dataset the run was trained on; fashion_mnist is the one we can train on a CPU
data_dir = None                 # the dataset's files; None: datasets/<dataset>/, then system copies
num_samples = 0                 # test images classified (0: the whole test split)
seed = 0
figures_root = "figures"        # PNG figures go to <figures_root>/feature_classification/
smoke = False                   # True: a tiny copy of the dataset and a width-8 model trained on it for 1 epoch
train_limit = 0                 # labelled training images (0: all)
per_class = 100                 # labels per class in the few-label protocol (Table 2: 100 on SVHN)
draws = 5                       # random draws of those labels
c_grid = [0.001, 0.01, 0.1]     # values of C tried on the validation split
results_json = None             # dcgan.py evaluate --metrics svm --out FILE: draw these results instead

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
import json

import keras
import numpy as np

from utils import notebook
from utils.analysis import views
from utils.data.idx import CLASS_NAMES
from utils.evaluation import svm_plots
from utils.evaluation.evaluate import evaluate
from utils.training.checkpoints import load_networks

NAME = "feature_classification"
IMAGE_SIZE, CHANNELS = views.dataset_shape(dataset)
if smoke:
    data_dir = notebook.smoke_data_dir(dataset, tempfile.mkdtemp(prefix=f"{dataset}_smoke_"))
figures = notebook.figures_dir(NAME, figures_root)
keras.utils.set_random_seed(seed)
print(f"{dataset} at {IMAGE_SIZE} px; data: {data_dir or 'default lookup'}; figures: {figures}")

# %% [markdown]
# ## Data
#
# The labelled training split (its first `train_limit` images when that is set) and the test
# split, read by the same loader as `dcgan.py evaluate` and scaled to [-1, 1] at the run's size.
# The SVM sees the labels; D never did. In smoke mode the fixture holds 64 images per split, and
# the few-label protocol takes 2 per class over 2 draws.

# %%
if smoke:
    per_class, draws = 2, 2
if not results_json:
    train_images, train_labels, *_ = views.load_images(dataset, data_dir, "train",
                                                                limit=train_limit or None)
    classes, counts = np.unique(train_labels, return_counts=True)
    print(f"{len(train_images)} labelled training images in {len(classes)} classes "
          f"({counts.min()}-{counts.max()} per class); "
          f"{per_class} per class x {len(classes)} classes = {per_class * len(classes)} labels "
          "in the few-label protocol")

# %% [markdown]
# ## Models
#
# D is the feature extractor: each of its convolutions, max-pooled to 4x4. A random-weights D of the same architecture (seeded by `seed`) is the second baseline. In smoke mode the configuration is `views.smoke_config`: the paper's
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

# %%
if discriminator is None:
    raise ValueError(f"{run_dir} has no discriminator: pass a run directory, not a generator .keras file")
from utils.evaluation import features

for layer in features.feature_layer_names(discriminator):
    maps = discriminator.get_layer(layer).output.shape[-1]
    print(f"{layer}: {maps} maps -> 4 x 4 x {maps} = {16 * maps} features")
print(f"{features.feature_dimension(discriminator)} features in all")

# %% [markdown]
# ## Results
#
# Test accuracy for each feature set: all labels, and `per_class` labels per class (the mean
# over the draws, with their standard deviation as the error bar). The trained D should beat
# both baselines. A random D is the fair comparison for architecture alone: random
# convolutions with max-pooling are already a fair feature extractor.

# %%
if results_json:
    results = json.loads(Path(results_json).read_text())
    print(f"results of {results['run']} on {results['dataset']} from {results_json}")
else:
    results = evaluate(run_dir, dataset, data_dir, metric_names=("svm",), seed=seed,
                       train_limit=train_limit, test_limit=num_samples, per_class=per_class,
                       draws=draws, c_grid=c_grid)
for row in svm_plots.accuracy_table(results["svm"]):
    print(f"{row['features']:>17}: {row['dimensions']:>6} features, all labels {row['all_labels']:.2f}%, "
          f"few labels {row['few_mean']:.2f}% +- {row['few_std']:.2f}%")
num_classes = len(CLASS_NAMES[dataset]) if dataset in CLASS_NAMES else None
svm_plots.plot_svm_accuracy(results["svm"], figures / "svm_accuracy.png", num_classes=num_classes)
notebook.show_image(figures / "svm_accuracy.png")

# %% [markdown]
# ## Analysis
#
# How C was chosen: validation accuracy against C for each feature set, on the split carved from
# the training set. An optimum at the edge of the grid means the grid should be widened
# (`c_grid`, or `--svm-c` on the command line). The test set plays no part in this choice.

# %%
svm_plots.plot_c_choice(results["svm"], figures / "svm_c_choice.png")
notebook.show_image(figures / "svm_c_choice.png")
