# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Vector arithmetic on latent vectors
#
# [Radford, Metz, Chintala 2015](https://arxiv.org/abs/1511.06434), Sec. 6.3.2 and Fig. 7: for each concept, average the z of three generated exemplars
# (single samples were unstable), then combine the averages, e.g. smiling woman - neutral woman
# + neutral man, and generate the result together with 8 neighbours (the result plus uniform
# noise in [-0.25, 0.25]). The paper's result is a smiling man; Fig. 8 builds a "turn" vector
# from left- and right-looking faces and applies it along a walk.
#
# The paper picked its exemplars by eye. Here a classifier picks them among generated samples:
# on CelebA a small CNN trained on the attribute combinations of `concept_attributes` (Male x
# Smiling: "not Male, Smiling" is the paper's smiling woman); on Fashion-MNIST the repository's
# domain classifier (`utils.evaluation.domain`) on the 10 class labels. **Class arithmetic on
# Fashion-MNIST is only a stand-in for the face attributes**: "ankle boot - sneaker + sandal"
# asks for a sandal with a boot's shaft, a question whose answer is less clear-cut than a
# smile, and the classes differ in shape as well as in any one attribute.
#
# The code is `utils.analysis.arithmetic` (`exemplar_arithmetic`, also behind `dcgan.py generate
# --arithmetic`), `utils.analysis.latent` (`pick_exemplars`, `concept_vector`, `neighbours`, `turn_vector`,
# `apply_along`) and `utils.evaluation.domain`. Runtime: seconds with a cached classifier;
# training one takes a few minutes on a CPU (once: it is saved in `saved_models/`).

# %% [markdown]
# ## Setup
#
# CelebA, the public stand-in for the paper's faces, is the default; Fashion-MNIST runs on a CPU.
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
#     papermill notebooks/vector_arithmetic.ipynb /tmp/vector_arithmetic.ipynb -p dataset fashion_mnist -p model runs/notebooks/fashion_mnist

# %% tags=["parameters"]
model = None                    # run directory to analyse; None: runs/notebooks/<dataset>, else the shipped model (smoke: one trained here)
dataset = "celeba"              # the paper's faces (CelebA stands in); fashion_mnist is the one we can train on a CPU
data_dir = None                 # the dataset's files; None: datasets/<dataset>/, then system copies
num_samples = 512               # generated samples the classifier searches for exemplars
seed = 0
figures_root = "figures"        # PNG figures go to <figures_root>/vector_arithmetic/
smoke = False                   # True: a tiny copy of the dataset and a width-8 model trained on it for 1 epoch
concepts = None                 # "a;b;c" for a - b + c; None: the default of the dataset (below)
concept_attributes = "Male,Smiling"  # CelebA: combinations of these are the concepts
num_exemplars = 3               # Sec. 6.3.2: average three exemplars per concept
noise = 0.25                    # Fig. 7: neighbours add uniform noise in [-0.25, 0.25]
classifier_limit = 0            # labelled images for the classifier; 0: all (20,000 for CelebA)

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
from utils.analysis import arithmetic, latent, views
from utils.data.idx import CLASS_NAMES
from utils.evaluation import domain
from utils.pictures.samples import generate_images, latent_samples
from utils.training.checkpoints import load_networks

NAME = "vector_arithmetic"
IMAGE_SIZE, CHANNELS = views.dataset_shape(dataset)
if smoke:
    data_dir = notebook.smoke_data_dir(dataset, tempfile.mkdtemp(prefix=f"{dataset}_smoke_"))
figures = notebook.figures_dir(NAME, figures_root)
keras.utils.set_random_seed(seed)
print(f"{dataset} at {IMAGE_SIZE} px; data: {data_dir or 'default lookup'}; figures: {figures}")

# %% [markdown]
# ## Data
#
# Labelled real images for the classifier: the class labels of the MNIST family, CIFAR-10 and
# SVHN, or CelebA's attributes turned into one class per combination of
# `concept_attributes` (`views.concept_labels`). The default concepts are the paper's
# faces on CelebA and ankle boot - sneaker + sandal on Fashion-MNIST.

# %%
DEFAULT_CONCEPTS = {"celeba": "not Male, Smiling;not Male, not Smiling;Male, not Smiling",
                    "fashion_mnist": "Ankle boot;Sneaker;Sandal", "mnist": "7;1;4"}
attributes_used = tuple(concept_attributes.split(","))
limit = classifier_limit or (20_000 if dataset == "celeba" else None)
train_images, labels, attributes, attribute_names = views.load_images(
    dataset, data_dir, "train", limit=limit)
class_names = CLASS_NAMES.get(dataset) or [str(label) for label in range(10)]
concept_ids, concept_names = views.concept_labels(labels, class_names, attributes, attribute_names,
                                                           attributes_used)
if concepts is None and dataset not in DEFAULT_CONCEPTS:
    raise ValueError(f"no default concepts for {dataset}: pass concepts='a;b;c' from {concept_names}")
chosen = (concepts or DEFAULT_CONCEPTS[dataset]).split(";")
unknown = [concept for concept in chosen if concept not in concept_names]
if len(chosen) != 3 or unknown:
    raise ValueError(f"concepts must be three of {concept_names}; got {chosen}")
print(f"{len(train_images)} labelled images; concepts: {chosen[0]} - {chosen[1]} + {chosen[2]}")
counts = np.bincount(concept_ids, minlength=len(concept_names))
print("images per concept:", {name: int(count) for name, count in zip(concept_names, counts)})

# %% [markdown]
# ## Models
#
# Two networks: G, and the classifier that finds exemplars among G's samples: `utils.evaluation.domain`'s small CNN (two conv-pool blocks and a dense layer), trained once on the labelled images and cached as `saved_models/<kind>_<dataset>_<size>px_<channels>ch_<count>.keras` (in smoke mode in a temporary folder). On Fashion-MNIST with all 60,000 images that is the file `dcgan.py evaluate --metrics domain` uses. In smoke mode the configuration is `views.smoke_config`: the paper's
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
kind = "domain_classifier" if labels is not None else "concept_classifier_" + "_".join(attributes_used).lower()
classifier_dir = Path(tempfile.mkdtemp(prefix="classifier_")) if smoke else Path("saved_models")
classifier_path = classifier_dir / f"{kind}_{dataset}_{IMAGE_SIZE}px_{CHANNELS}ch_{len(train_images)}.keras"
classifier = domain.load_or_train(classifier_path, train_images, concept_ids, seed=seed)
print("classifier:", classifier_path)

# %% [markdown]
# ## Results
#
# Each concept's row: the `num_exemplars` generated samples the classifier rates most typical
# of it, then (last image) G applied to their average z. The bottom row is G(a - b + c) followed
# by 8 neighbours. What to look for: the average z already looks like its concept (the paper's
# point about averaging), and the result row shows a's difference from b added to c, stable
# across the neighbours. The classifier's verdict on the result row is printed below it.

# %%
z = latent_samples(num_samples, LATENT_DIM, seed=seed)
generated = generate_images(generator, z)
_, probabilities = domain.domain_outputs(classifier, generated)
exemplars = {}
for concept in chosen:
    column = concept_names.index(concept)
    exemplars[concept] = latent.pick_exemplars(generated, probabilities, attribute=column, k=num_exemplars)
    print(f"{concept:24s} exemplar probabilities {np.round(probabilities[exemplars[concept], column], 2)}")
outcome = arithmetic.exemplar_arithmetic(generator, [(concept, z[exemplars[concept]]) for concept in chosen],
                                         num_neighbours=8, noise=noise, seed=seed)
figure = views.image_rows(outcome.rows, outcome.labels, title="exemplars (last: their average z) and a - b + c")
notebook.show_figure(figure, figures / "arithmetic.png")
_, result_probabilities = domain.domain_outputs(classifier, outcome.rows[-1])
verdict = np.bincount(result_probabilities.argmax(axis=1), minlength=len(concept_names))
print("classifier on the result and its neighbours:",
      {name: int(count) for name, count in zip(concept_names, verdict) if count})

# %% [markdown]
# ## Analysis
#
# The "turn"-style vector (Fig. 8): the difference of two concept averages, here a - b, added
# to random z in growing amounts (0 to 1 times the vector, 9 steps). If the difference encodes
# one attribute, each row should acquire it (a smile; on Fashion-MNIST a boot's shaft) while
# keeping the rest of the image. The printed numbers are the classifier's probability of
# concept a at the start and the end of each row.

# %%
direction = latent.turn_vector(z[exemplars[chosen[1]]], z[exemplars[chosen[0]]])
starts = latent_samples(4, LATENT_DIM, seed=seed + 2)
rows = [generate_images(generator, latent.apply_along(start, direction, steps=9)) for start in starts]
column = concept_names.index(chosen[0])
for row, images in enumerate(rows):
    _, row_probabilities = domain.domain_outputs(classifier, images[[0, -1]])
    print(f"row {row + 1}: p({chosen[0]}) {row_probabilities[0, column]:.2f} -> {row_probabilities[1, column]:.2f}")
figure = views.image_rows(rows, [f"z{row + 1} + t v" for row in range(len(rows))],
                                   title=f"v = {chosen[0]} - {chosen[1]}, t from 0 to 1")
notebook.show_figure(figure, figures / "concept_walk.png")
