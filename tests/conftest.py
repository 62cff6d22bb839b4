"""Shared test set-up: quiet TensorFlow, the repository on sys.path, tiny native-format datasets."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import pytest  # noqa: E402

from utils.startup import import_tensorflow  # noqa: E402

# TF_CPP_MIN_LOG_LEVEL=2 and oneDNN on (unless set), without TensorFlow's C++ start-up lines in the test log.
import_tensorflow()


@pytest.fixture(scope="session")
def mnist_dir(tmp_path_factory):
    """A tiny MNIST-format dataset (64 images per split, gzip-compressed IDX files)."""
    from utils.data.idx import write_mnist_fixture

    return write_mnist_fixture(tmp_path_factory.mktemp("mnist"), num_images=64)


@pytest.fixture
def tiny_config():
    from model.config import DCGANConfig

    return DCGANConfig(dataset="mnist", width=8, batch_size=16, epochs=2, seed=1)
