"""What the analysis notebooks share: a smoke-sized model, real images as arrays, labelled rows of pictures.

The notebooks of Radford et al. 2015, Sec. 6 (Grad-CAM and guided backprop on D, latent walks, vector
arithmetic, "forgetting" objects, memorisation) all need the same few pieces around the analysis
functions of `utils.analysis.saliency`, `utils.analysis.latent`, `utils.analysis.filters` and `utils.analysis.memorisation`: the image
size of each dataset, a tiny configuration to train in smoke mode, real images in memory (also from
streamed datasets such as CelebA and LSUN), the concept labels a classifier learns for vector
arithmetic, box masks, and a figure of labelled image rows. Nothing in `model/` imports this module.
"""

from __future__ import annotations

import numpy as np

from model.config import DCGANConfig
from utils.errors import UsageError
from utils.pictures.plots import image_rows  # noqa: F401 - the notebooks' labelled rows of pictures

# (image size, channels) each dataset is trained at in this repository (see the dataset notebooks).
DATASET_SHAPES = {"mnist": (32, 1), "fashion_mnist": (32, 1), "cifar10": (32, 3), "svhn": (32, 3),
                  "celeba": (64, 3), "lsun_bedroom": (64, 3), "cats": (64, 3)}


def dataset_shape(dataset: str) -> tuple[int, int]:
    """(image_size, channels) of `dataset`; ValueError naming the choices for an unknown one."""
    if dataset not in DATASET_SHAPES:
        raise UsageError(f"unknown dataset {dataset!r}; choose one of: {', '.join(sorted(DATASET_SHAPES))}")
    return DATASET_SHAPES[dataset]


def smoke_config(dataset: str, seed: int = 0) -> DCGANConfig:
    """A seconds-long run for the notebooks' smoke mode: width 8, batches of 16, one epoch, 64 images."""
    image_size, channels = dataset_shape(dataset)
    return DCGANConfig(dataset=dataset, image_size=image_size, channels=channels, width=8, batch_size=16,
                       epochs=1, seed=seed, limit=64)


def load_images(dataset: str, data_dir=None, split: str = "train", limit: int | None = None,
                image_size: int | None = None, channels: int | None = None):
    """The first `limit` images of a split as float32 (N, S, S, C) in [-1, 1], with labels and attributes.

    Works for in-memory readers (MNIST family, CIFAR-10, SVHN) and streamed ones (CelebA, LSUN,
    folders), whose first `limit` images are read into memory (keep `limit` modest for those).
    Returns (images, labels (N,) or None, attributes (N, A) or None, attribute_names or None).
    """
    from utils.data.pipeline import load_scaled

    default_size, default_channels = dataset_shape(dataset)
    images, raw = load_scaled(dataset, image_size or default_size, channels or default_channels, data_dir, split, limit)
    labels = None if raw.labels is None else np.asarray(raw.labels[:len(images)])
    attributes = None if raw.attributes is None else np.asarray(raw.attributes[:len(images)])
    return images, labels, attributes, raw.attribute_names


def concept_labels(labels=None, class_names=None, attributes=None, attribute_names=None,
                   concept_attributes: tuple[str, ...] = ("Male", "Smiling")):
    """Integer concept labels and their names, for a classifier that finds vector-arithmetic exemplars.

    Class labels (N,) with their class names pass through. CelebA's +1/-1 attributes (N, A) become
    one class per combination of `concept_attributes` (2 attributes: 4 classes), named like
    "not Male, Smiling" (the paper's "smiling woman"). Returns (labels (N,) int64, names).
    """
    if labels is not None:
        if class_names is None:
            raise UsageError("class labels need their class_names")
        return np.asarray(labels, dtype=np.int64), [str(name) for name in class_names]
    if attributes is None or attribute_names is None:
        raise UsageError("concept_labels needs class labels or attributes with their names (CelebA's "
                         "list_attr_celeba file)")
    missing = [name for name in concept_attributes if name not in attribute_names]
    if missing:
        raise UsageError(f"attributes {missing} not among the dataset's {list(attribute_names)}")
    columns = [list(attribute_names).index(name) for name in concept_attributes]
    bits = (np.asarray(attributes)[:, columns] > 0).astype(np.int64)           # (N, len(columns))
    codes = bits @ (2 ** np.arange(len(columns))[::-1])                        # first attribute = high bit
    names = []
    for code in range(2 ** len(columns)):
        present = [(code >> (len(columns) - 1 - position)) & 1 for position in range(len(columns))]
        names.append(", ".join(name if flag else f"not {name}" for name, flag in zip(concept_attributes, present)))
    return codes, names


def box_mask(image_size: int, boxes, count: int = 1) -> np.ndarray:
    """Boolean masks (count, S, S), True inside any of `boxes`: (top, left, height, width) as fractions of S.

    The same region for every image: the stand-in for the paper's hand-drawn window boxes (Sec. 6.3.1).
    """
    mask = np.zeros((image_size, image_size), bool)
    for box in boxes:
        if len(box) != 4 or min(box) < 0 or box[0] + box[2] > 1 or box[1] + box[3] > 1:
            raise UsageError(f"a box is (top, left, height, width) as fractions of the image in [0, 1], got {box}")
        top, left, height, width = (int(round(value * image_size)) for value in box)
        mask[top:top + height, left:left + width] = True
    if not mask.any() or mask.all():
        raise UsageError(f"the boxes {list(boxes)} must cover part of the image, not none or all of it")
    return np.repeat(mask[None], count, axis=0)


def to_signed(images01) -> np.ndarray:
    """[0, 1] pictures (e.g. `saliency.gradients_to_images`) -> [-1, 1], the range `image_rows` expects."""
    return np.asarray(images01, dtype=np.float32) * 2.0 - 1.0
