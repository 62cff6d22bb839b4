"""Image-folder readers: any folder of images (`folder`) and the 64x64 cat faces (`cats`).

Files are found recursively and read in sorted path order; JPEG, PNG, BMP, WebP and GIF (first
frame) are decoded in a parallel tf.data map and brought to image_size x image_size by resizing the
shorter side and centre cropping, as DCGAN did for LSUN and faces (Radford et al., 2016, section 4).
Non-image files are skipped and counted (`RawData.skipped`, one warning at load time); files that do
not decode are skipped and counted, with one warning at the end of the first full pass. The cat
faces are the Kaggle set "Cats faces 64x64 (for generative models)",
https://www.kaggle.com/datasets/spandan2/cats-faces-64x64-for-generative-models.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from utils.data import base
from utils.data.images import (
    IMAGE_EXTENSIONS,
    check_args,
    decoded_stream,
    items_dataset,
    read_path,
    resize_and_centre_crop,
)
from utils.errors import MissingError, UsageError


def image_files(folder: Path) -> tuple[list[Path], int]:
    """(sorted image paths under `folder`, number of other files); hidden files are ignored."""
    images, others = [], 0
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        if path.suffix.lower() in IMAGE_EXTENSIONS:
            images.append(path)
        else:
            others += 1
    return images, others


def stream_files(name: str, folder: Path, paths: list[Path], others: int, image_size: int, channels: int,
                 limit: int | None, preprocess=None) -> base.RawData:
    """RawData streaming `paths` (already sorted) as uint8 (image_size, image_size, channels)."""
    if others:
        warnings.warn(f"{name}: skipped {others} non-image file(s) in {folder}", stacklevel=3)
    if limit is not None:
        paths = paths[:limit]
    if preprocess is None:
        def preprocess(image):
            return resize_and_centre_crop(image, image_size)
    stream, counter, shard = decoded_stream(items_dataset([str(p) for p in paths]), read_path, preprocess,
                                            image_size, channels, f"{name} ({folder})", total=len(paths))
    return base.RawData(stream=stream, shard=shard, num_examples=len(paths), source=str(folder), skipped=others,
                        unreadable=counter)


def load(data_dir=None, split="train", image_size=32, channels=None, limit=None) -> base.RawData:
    """Every image under `data_dir` (recursively) as a stream of uint8 (image_size, image_size, channels).

    channels None or 3: RGB; 1: grayscale. Raises ValueError without data_dir or when it holds no images.
    """
    channels = check_args("folder", split, image_size, channels, limit)
    if data_dir is None:
        raise UsageError("folder: pass --data-dir pointing at a folder of images (searched recursively)")
    folder = Path(data_dir).expanduser()
    if not folder.is_dir():
        raise MissingError(f"folder: {folder} is not a folder; pass --data-dir pointing at a folder of images")
    paths, others = image_files(folder)
    if not paths:
        raise UsageError(f"folder: no images ({', '.join(IMAGE_EXTENSIONS)}) found in {folder} "
                         f"({others} other file(s))")
    return stream_files("folder", folder, paths, others, image_size, channels, limit)


def load_cats(data_dir=None, split="train", image_size=32, channels=None, limit=None) -> base.RawData:
    """The 64x64 cat faces (15,747 images) from data_dir or datasets/cats/, as a uint8 stream."""
    channels = check_args("cats", split, image_size, channels, limit)
    looked_in = base.search_dirs("cats", data_dir)
    for folder in looked_in:
        if not folder.is_dir():
            continue
        paths, others = image_files(folder)
        if paths:
            return stream_files("cats", folder, paths, others, image_size, channels, limit)
        if data_dir is not None and folder == looked_in[0]:
            raise UsageError(f"cats: no images found in {folder} ({others} other file(s)); "
                             "run `bash datasets/download_cats.sh` or point --data-dir at the image folder")
    raise base.missing_dataset_error("cats", looked_in, "cat face images")
