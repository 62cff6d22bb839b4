"""Tiny datasets written in the exact native formats, for the tests and notebook smoke runs.

Each writer puts n structured images (a gradient with a label-dependent coloured disc, never pure
noise) into a folder laid out like the real download, and returns what it wrote so a test can
compare the reader's output. Formats: CIFAR-10 binary records and python pickles
(https://www.cs.toronto.edu/~kriz/cifar.html), SVHN format 2 MAT files
(http://ufldl.stanford.edu/housenumbers/), CelebA aligned images and annotation files in the
original and Kaggle layouts (https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html), an LSUN-style
LMDB (https://github.com/fyu/lsun) and plain image folders.
"""

from __future__ import annotations

import csv
import hashlib
import io
import pickle
import tarfile
import zipfile
from pathlib import Path

import cv2
import numpy as np

CIFAR_TRAIN_FILES = [f"data_batch_{i}.bin" for i in range(1, 6)]
CELEBA_ATTRIBUTES = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose "
    "Black_Hair Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee "
    "Gray_Hair Heavy_Makeup High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard "
    "Oval_Face Pale_Skin Pointy_Nose Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair "
    "Wavy_Hair Wearing_Earrings Wearing_Hat Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young"
).split()
CELEBA_OUTSIDE = (20, 200, 40)  # RGB outside the 108x108 crop: the reader must never show it
CELEBA_CROP = (slice(55, 163), slice(35, 143))  # rows, columns of the DCGAN crop in 218x178


def pattern(label: int, height: int, width: int) -> np.ndarray:
    """uint8 RGB (height, width, 3): a diagonal gradient and a disc whose colour and place depend on label."""
    rows, cols = np.mgrid[0:height, 0:width]
    image = np.zeros((height, width, 3), np.uint8)
    image[..., 0] = (255 * rows / max(1, height - 1)).astype(np.uint8)
    image[..., 1] = (255 * cols / max(1, width - 1)).astype(np.uint8)
    image[..., 2] = (37 * label) % 256
    colour = [(64 * label) % 256, 255 - (40 * label) % 256, (90 + 50 * label) % 256]
    centre = (width // 2 + (label % 3 - 1) * width // 6, height // 2 + (label % 2) * height // 8)
    cv2.circle(image, centre, max(2, min(height, width) // 4), colour, thickness=-1)
    return image


def encode(image: np.ndarray, extension: str = ".jpg") -> bytes:
    """RGB uint8 -> encoded bytes (JPEG quality 95 with 4:4:4 chroma, lossless WebP, PNG...)."""
    params = []
    if extension in (".jpg", ".jpeg"):
        params = [cv2.IMWRITE_JPEG_QUALITY, 95, cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
                  cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]
    elif extension == ".webp":
        params = [cv2.IMWRITE_WEBP_QUALITY, 101]  # above 100 means lossless
    ok, data = cv2.imencode(extension, cv2.cvtColor(image, cv2.COLOR_RGB2BGR), params)
    if not ok:
        raise RuntimeError(f"OpenCV cannot encode {extension}")
    return data.tobytes()


def _labelled_images(n: int, size: int = 32, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    labels = (np.arange(n) + offset) % 10
    images = np.stack([pattern(int(label), size, size) for label in labels]) if n else \
        np.zeros((0, size, size, 3), np.uint8)
    return images, labels.astype(np.int64)


def write_cifar10_binary(directory, n: int, layout: str = "tar") -> dict:
    """CIFAR-10 binary version: n training images over data_batch_1..5.bin, max(1, n // 2) test images.

    layout: 'tar' writes cifar-10-binary.tar.gz, 'extracted' writes cifar-10-batches-bin/.
    Returns {'train': (images, labels), 'test': (images, labels)} as the reader should return them.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    train = _labelled_images(n)
    test = _labelled_images(max(1, n // 2), offset=3)
    chunks = np.array_split(np.arange(n), 5)
    files = {name: _cifar_records(train[0][index], train[1][index]) for name, index in zip(CIFAR_TRAIN_FILES, chunks)}
    files["test_batch.bin"] = _cifar_records(*test)
    files["batches.meta.txt"] = "\n".join(
        "airplane automobile bird cat deer dog frog horse ship truck".split()).encode() + b"\n"
    if layout == "extracted":
        folder = directory / "cifar-10-batches-bin"
        folder.mkdir(exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
    elif layout == "tar":
        _write_tar(directory / "cifar-10-binary.tar.gz", {f"cifar-10-batches-bin/{k}": v for k, v in files.items()})
    else:
        raise ValueError(f"layout must be 'tar' or 'extracted', got {layout!r}")
    return {"train": train, "test": test}


def _cifar_records(images: np.ndarray, labels: np.ndarray) -> bytes:
    planes = images.transpose(0, 3, 1, 2).reshape(len(images), 3072)  # R, G, B planes, row-major
    return np.concatenate([labels.astype(np.uint8)[:, None], planes], axis=1).tobytes()


def _write_tar(path: Path, files: dict) -> None:
    with tarfile.open(path, "w:gz") as bundle:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))


def write_cifar10_python(directory, n: int) -> tuple[dict, str]:
    """cifar-10-python.tar.gz with pickled batches (as published); returns (arrays, md5 of the file)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    train, test = _labelled_images(n), _labelled_images(max(1, n // 2), offset=3)
    chunks = np.array_split(np.arange(n), 5)
    files = {}
    for name, index in zip(CIFAR_TRAIN_FILES, chunks):
        batch = {b"data": train[0][index].transpose(0, 3, 1, 2).reshape(-1, 3072), b"labels": train[1][index].tolist()}
        files[f"cifar-10-batches-py/{name[:-4]}"] = pickle.dumps(batch)
    files["cifar-10-batches-py/test_batch"] = pickle.dumps(
        {b"data": test[0].transpose(0, 3, 1, 2).reshape(-1, 3072), b"labels": test[1].tolist()})
    path = directory / "cifar-10-python.tar.gz"
    _write_tar(path, files)
    return {"train": train, "test": test}, hashlib.md5(path.read_bytes()).hexdigest()


def write_svhn_mat(directory, n: int, splits=("train", "test")) -> dict:
    """SVHN format 2: <split>_32x32.mat with X (32, 32, 3, N) uint8 and y (N, 1), 10 meaning digit 0.

    Returns {split: (images (N, 32, 32, 3), digits 0-9)}.
    """
    import scipy.io

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for offset, split in enumerate(splits):
        images, digits = _labelled_images(n, offset=offset)
        y = np.where(digits == 0, 10, digits).astype(np.uint8)[:, None]
        scipy.io.savemat(directory / f"{split}_32x32.mat", {"X": images.transpose(1, 2, 3, 0), "y": y},
                         format="5", do_compression=False)
        written[split] = (images, digits)
    return written


def celeba_attributes(n: int) -> np.ndarray:
    """int8 (n, 40) of +1/-1, a deterministic pattern in which Male and Smiling both vary over small n."""
    rows, columns = np.arange(n)[:, None], np.arange(40)[None, :]
    bits = ((rows * (2 * columns + 1) + columns) >> (columns % 3)) & 1
    return np.where(bits == 1, 1, -1).astype(np.int8)


def celeba_colour(attribute_row: np.ndarray) -> tuple[int, int, int]:
    """The flat RGB colour a fixture face gets inside the crop, from its Male and Smiling attributes."""
    male = attribute_row[CELEBA_ATTRIBUTES.index("Male")] > 0
    smiling = attribute_row[CELEBA_ATTRIBUTES.index("Smiling")] > 0
    return (200 if male else 60, 200 if smiling else 60, 120)


def celeba_image(attribute_row: np.ndarray) -> np.ndarray:
    """A 218x178 RGB 'face': CELEBA_OUTSIDE everywhere except a flat colour in the 108x108 crop."""
    image = np.empty((218, 178, 3), np.uint8)
    image[:] = CELEBA_OUTSIDE
    image[CELEBA_CROP] = celeba_colour(attribute_row)
    return image


def write_celeba(directory, n: int, layout: str = "original") -> dict:
    """CelebA aligned images 000001.jpg.. with attributes and the train/valid/test partition.

    layout: 'original' (img_align_celeba/, list_attr_celeba.txt, list_eval_partition.txt),
    'kaggle' (img_align_celeba/img_align_celeba/, list_attr_celeba.csv, list_eval_partition.csv)
    or 'zip' (img_align_celeba.zip plus the original text files). The first 60% are train (0),
    the next 20% valid (1), the rest test (2). Returns {'names', 'attributes', 'partition'}.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    names = [f"{i + 1:06d}.jpg" for i in range(n)]
    attributes = celeba_attributes(n)
    partition = np.where(np.arange(n) < round(0.6 * n), 0, np.where(np.arange(n) < round(0.8 * n), 1, 2))
    images = {name: encode(celeba_image(row)) for name, row in zip(names, attributes)}
    if layout == "zip":
        with zipfile.ZipFile(directory / "img_align_celeba.zip", "w") as bundle:
            for name, data in images.items():
                bundle.writestr(f"img_align_celeba/{name}", data)
    elif layout in ("original", "kaggle"):
        folder = directory / "img_align_celeba"
        if layout == "kaggle":
            folder = folder / "img_align_celeba"
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in images.items():
            (folder / name).write_bytes(data)
    else:
        raise ValueError(f"layout must be 'original', 'kaggle' or 'zip', got {layout!r}")
    if layout == "kaggle":
        with open(directory / "list_attr_celeba.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["image_id", *CELEBA_ATTRIBUTES])
            writer.writerows([name, *row.tolist()] for name, row in zip(names, attributes))
        with open(directory / "list_eval_partition.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["image_id", "partition"])
            writer.writerows(zip(names, partition.tolist()))
    else:
        lines = [str(n), " ".join(CELEBA_ATTRIBUTES)]
        lines += [name + "".join(f" {value:2d}" for value in row) for name, row in zip(names, attributes)]
        (directory / "list_attr_celeba.txt").write_text("\n".join(lines) + "\n")
        (directory / "list_eval_partition.txt").write_text(
            "".join(f"{name} {part}\n" for name, part in zip(names, partition)))
    return {"names": names, "attributes": attributes, "partition": partition}


def write_lsun_lmdb(directory, n: int, corrupt: int = 0, height: int = 48, width: int = 64) -> dict:
    """bedroom_train_lmdb/ (data.mdb, lock.mdb): keys are 40-hex-char ids, values alternate JPEG and
    lossless WebP of height x width (landscape) images; `corrupt` extra values are not images.
    (The real export's images have a shorter side of 256: pass height=256, width=341 for benchmarks.)

    Returns {'keys', 'formats', 'images'} in key order (corrupt entries have format 'corrupt').
    """
    import lmdb

    folder = Path(directory) / "bedroom_train_lmdb"
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for i in range(n + corrupt):
        key = hashlib.sha1(f"bedroom-{i}".encode()).hexdigest()
        if i >= n:
            entries.append((key, "corrupt", None, b"\xff\xd8\xff not really a jpeg"))
            continue
        image = pattern(i, height, width)
        kind = "jpeg" if i % 2 == 0 else "webp"
        entries.append((key, kind, image, encode(image, ".jpg" if kind == "jpeg" else ".webp")))
    entries.sort()
    environment = lmdb.open(str(folder), map_size=max(1 << 26, 4 * (n + corrupt) * height * width * 3), subdir=True)
    with environment.begin(write=True) as transaction:
        for key, _, _, value in entries:
            transaction.put(key.encode("ascii"), value)
    environment.close()
    return {"keys": [e[0] for e in entries], "formats": [e[1] for e in entries], "images": [e[2] for e in entries]}


def write_image_folder(directory, n: int, size: int = 64, nested: bool = True, corrupt: int = 0,
                       non_image: int = 0) -> list[Path]:
    """n images (jpg, png, bmp, webp, gif in turn) of size x size, in class_a/ and class_b/ when nested.

    corrupt: extra '.jpg' files holding garbage; non_image: extra '.txt' files. Returns the image paths.
    """
    directory = Path(directory)
    extensions = (".png", ".jpg", ".bmp", ".webp", ".gif")
    paths = []
    for i in range(n):
        folder = directory / ("class_a" if i % 2 == 0 else "class_b") if nested else directory
        folder.mkdir(parents=True, exist_ok=True)
        extension = extensions[i % len(extensions)]
        path = folder / f"image_{i:04d}{extension}"
        image = pattern(i, size, size)
        if extension == ".gif":
            from PIL import Image
            Image.fromarray(image).save(path, format="GIF")
        else:
            path.write_bytes(encode(image, extension))
        paths.append(path)
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(corrupt):
        (directory / f"corrupt_{i}.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated" + bytes(range(50)))
    for i in range(non_image):
        (directory / f"notes_{i}.txt").write_text("not an image\n")
    return paths


def write_fixture(name: str, directory, n: int = 16):
    """Write a tiny copy of dataset `name` into `directory` (the folder to pass as data_dir)."""
    writers = {
        "cifar10": lambda: write_cifar10_binary(directory, n),
        "svhn": lambda: write_svhn_mat(directory, n, splits=("train", "test", "extra")),
        "celeba": lambda: write_celeba(directory, n),
        "lsun_bedroom": lambda: write_lsun_lmdb(directory, n),
        "cats": lambda: write_image_folder(Path(directory) / "cats", n, size=64, nested=False),
        "folder": lambda: write_image_folder(directory, n, size=48),
    }
    if name not in writers:
        raise ValueError(f"no fixture writer for {name!r}; choose one of: {', '.join(sorted(writers))} "
                         "(mnist and fashion_mnist: utils.data.idx)")
    return writers[name]()
