"""CelebA reader (Liu et al., 2015): 202,599 aligned and cropped 178x218 celebrity faces, 40 attributes.

Images come from `img_align_celeba.zip` (members read in the pipeline, nothing extracted) or the
extracted `img_align_celeba/` folder, including Kaggle's nested `img_align_celeba/img_align_celeba/`
(https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html,
https://www.kaggle.com/datasets/jessicali9530/celeba-dataset). Attributes come from
`list_attr_celeba.txt` (count line, names line, then `000001.jpg -1 1 ...`) or Kaggle's
`list_attr_celeba.csv`; splits from `list_eval_partition.txt`/`.csv` (0 train, 1 valid, 2 test).
Each face is cropped to the central 108x108 (rows 55-163, columns 35-143) and resized with area
interpolation, the preprocessing of the DCGAN face experiments (Radford et al., 2016, section 4.2;
carpedm20/DCGAN-tensorflow).
"""

from __future__ import annotations

import csv
import threading
import warnings
import zipfile
from pathlib import Path

import numpy as np

from utils.data import base
from utils.data.images import check_args, decoded_stream, items_dataset, read_path, resize, resize_and_centre_crop
from utils.errors import MissingError, UsageError

NAME = "celeba"
SPLITS = {"train": 0, "valid": 1, "test": 2, "all": None}
CROP = 108
IMAGE_FOLDER, IMAGE_ZIP = "img_align_celeba", "img_align_celeba.zip"


def centre_crop(image: np.ndarray, image_size: int) -> np.ndarray:
    """uint8 (218, 178, C) -> (image_size, image_size, C): the central 108x108, then area resize."""
    height, width = image.shape[:2]
    if min(height, width) < CROP:
        return resize_and_centre_crop(image, image_size)
    top, left = (height - CROP) // 2, (width - CROP) // 2  # 55 and 35 for 218x178
    return resize(image[top:top + CROP, left:left + CROP], image_size, image_size)


def _find_annotation(folders: list[Path], stem: str) -> Path | None:
    for folder in folders:
        for candidate in (folder / f"{stem}.txt", folder / f"{stem}.csv", folder / "Anno" / f"{stem}.txt",
                          folder / "Eval" / f"{stem}.txt"):
            if candidate.is_file():
                return candidate
    return None


def read_attributes(path: Path) -> tuple[list[str], dict[str, np.ndarray]]:
    """(40 attribute names, {file name: int8 row of +1/-1}) from the .txt or Kaggle .csv file."""
    rows = {}
    with open(path, newline="") as handle:
        if path.suffix == ".csv":
            reader = csv.reader(handle)
            header = next(reader)
            names = [name.strip() for name in header[1:]]
            lines = ((row[0], row[1:]) for row in reader if row)
        else:
            next(handle)  # the image count
            names = next(handle).split()
            lines = ((parts[0], parts[1:]) for parts in (line.split() for line in handle) if parts)
        for file_name, values in lines:
            if len(values) != len(names):
                raise UsageError(f"{path}: {file_name} has {len(values)} values for {len(names)} attributes")
            rows[file_name.strip()] = np.array([int(v) for v in values], np.int8)
    return names, rows


def read_partition(path: Path) -> dict[str, int]:
    """{file name: 0 train, 1 valid, 2 test} from list_eval_partition.txt or .csv."""
    with open(path, newline="") as handle:
        if path.suffix == ".csv":
            reader = csv.reader(handle)
            next(reader)
            return {row[0].strip(): int(row[1]) for row in reader if row}
        return {parts[0]: int(parts[1]) for parts in (line.split() for line in handle) if parts}


class _ZipReader:
    """`load_bytes` for zip members: one ZipFile per decoding thread, since handles are not thread-safe."""

    def __init__(self, path: Path):
        self.path = path
        self.local = threading.local()

    def __call__(self, member: bytes) -> bytes:
        if not hasattr(self.local, "bundle"):
            self.local.bundle = zipfile.ZipFile(self.path)
        return self.local.bundle.read(member.decode())


def find_images(data_dir=None) -> tuple[Path, dict[str, str], Path | None]:
    """(folder the dataset sits in, {file name: path or zip member}, the zip or None for a folder)."""
    looked_in = base.search_dirs(NAME, data_dir)
    for folder in looked_in:
        for candidate in (folder / IMAGE_FOLDER / IMAGE_FOLDER, folder / IMAGE_FOLDER):
            if candidate.is_dir():
                files = {path.name: str(path) for path in candidate.glob("*.jpg")}
                if files:
                    return folder, files, None
        archive = next((p for p in (folder / IMAGE_ZIP, folder / "Img" / IMAGE_ZIP) if p.is_file()), None)
        if archive is not None:
            try:
                with zipfile.ZipFile(archive) as bundle:
                    members = [m for m in bundle.namelist() if m.lower().endswith(".jpg")]
            except zipfile.BadZipFile as error:
                raise UsageError(f"{archive}: damaged zip ({error}); delete it and run "
                                 "`bash datasets/download_celeba.sh`") from error
            return folder, {Path(m).name: m for m in members}, archive
    raise base.missing_dataset_error(NAME, looked_in, f"{IMAGE_ZIP} or {IMAGE_FOLDER}/*.jpg")


def load(data_dir=None, split="train", image_size=32, channels=None, limit=None) -> base.RawData:
    """CelebA `split` (train, valid, test or all) as a stream of uint8 (image_size, image_size, channels).

    attributes: int8 (N, 40) of +1/-1 aligned with the stream (sorted file names), or None with a
    warning when list_attr_celeba is missing. A corrupt JPEG is dropped from the stream (and counted),
    which shifts the rows after it: the official files have none. Without the partition file only
    'all' (and 'train', meaning all, with a warning) are available.
    """
    channels = check_args(NAME, split, image_size, channels, limit, splits=tuple(SPLITS))
    folder, files, archive = find_images(data_dir)
    annotation_dirs = [folder, *base.search_dirs(NAME, data_dir)]
    names = sorted(files)

    partition_path = _find_annotation(annotation_dirs, "list_eval_partition")
    if SPLITS[split] is not None:
        if partition_path is None:
            if split != "train":
                raise MissingError(f"{NAME}: split {split!r} needs list_eval_partition.txt (or .csv) "
                                        f"beside the images in {folder}; run `bash datasets/download_celeba.sh`")
            warnings.warn(f"{NAME}: no list_eval_partition file in {folder}; 'train' uses all images",
                          stacklevel=2)
        else:
            partition = read_partition(partition_path)
            names = [name for name in names if partition.get(name) == SPLITS[split]]
    if limit is not None:
        names = names[:limit]
    if not names:
        raise UsageError(f"{NAME}: no images for split {split!r} in {folder}")

    attributes, attribute_names = None, None
    attribute_path = _find_annotation(annotation_dirs, "list_attr_celeba")
    if attribute_path is None:
        warnings.warn(f"{NAME}: no list_attr_celeba file in {folder}; attributes are None", stacklevel=2)
    else:
        attribute_names, rows = read_attributes(attribute_path)
        missing = [name for name in names if name not in rows]
        if missing:
            raise UsageError(f"{attribute_path}: no attributes for {len(missing)} image(s), e.g. {missing[0]}")
        attributes = np.stack([rows[name] for name in names])

    if archive is None:
        load_bytes, source = read_path, folder
    else:
        load_bytes, source = _ZipReader(archive), archive

    def preprocess(image):
        return centre_crop(image, image_size)

    stream, counter, shard = decoded_stream(items_dataset([files[name] for name in names]), load_bytes, preprocess,
                                            image_size, channels, f"{NAME} ({source})", total=len(names))
    return base.RawData(stream=stream, shard=shard, labels=None, attributes=attributes, attribute_names=attribute_names,
                        num_examples=len(names), source=str(source), unreadable=counter)
