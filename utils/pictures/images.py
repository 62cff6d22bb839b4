"""Pictures from tensors: sample grids (PNG), the progress GIF over epochs, latent walks as a GIF."""

from __future__ import annotations

import math
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
from PIL import Image

from utils.data.pipeline import unscale_images
from utils.files import atomic_path


def make_grid(images, columns: int | None = None, padding: int = 2) -> np.ndarray:
    """(N, H, W, C) images in [-1, 1] (float) or uint8 -> one uint8 (rows, cols, C) grid, C in {1, 3}."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        images = unscale_images(images)
    count, height, width, channels = images.shape
    columns = columns or int(math.ceil(math.sqrt(count)))
    rows = int(math.ceil(count / columns))
    grid = np.full((rows * (height + padding) + padding, columns * (width + padding) + padding, channels),
                   255, np.uint8)
    for index, image in enumerate(images):
        top = padding + (index // columns) * (height + padding)
        left = padding + (index % columns) * (width + padding)
        grid[top:top + height, left:left + width] = image
    return grid


def _picture(array: np.ndarray, scale: int = 1) -> Image.Image:
    """A uint8 (H, W, C) array as a PIL image, enlarged `scale` times without smoothing."""
    image = Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    return image


def save_png(array: np.ndarray, path: str | Path, scale: int = 1) -> Path:
    """Write a uint8 (H, W, C) array as PNG, atomically (a temporary name, then rename)."""
    path = Path(path)
    image = _picture(array, scale)
    with atomic_path(path) as temporary:
        image.save(temporary, format="PNG")
    return path


def save_grid(images, path: str | Path, columns: int | None = None, scale: int = 2) -> Path:
    return save_png(make_grid(images, columns), path, scale=scale)


def progress_gif(frame_paths: list[Path], path: str | Path, seconds_per_frame: float = 0.5) -> Path:
    """Assemble per-epoch grids into an animated GIF (looping), atomically."""
    if not frame_paths:
        raise ValueError("no sample grids to assemble into a GIF")
    path = Path(path)
    frames = [imageio.imread(frame) for frame in frame_paths]
    with atomic_path(path) as temporary:
        imageio.mimsave(temporary, frames, format="GIF", duration=seconds_per_frame * 1000, loop=0)
    return path


def walk_gif(images, steps: int, path: str | Path, seconds_per_frame: float = 0.15, scale: int = 2) -> Path:
    """Latent walks as an animation, atomically: `images` holds the walks one after the other (walk i is
    images[i * steps:(i + 1) * steps]); frame t is the grid of every walk's t-th image. The frames run
    forward and back, so that the loop has no jump."""
    images = np.asarray(images)
    if len(images) == 0 or len(images) % steps:
        raise ValueError(f"{len(images)} images are not whole walks of {steps}")
    walks = images.reshape(len(images) // steps, steps, *images.shape[1:])
    order = list(range(steps)) + list(range(steps - 2, 0, -1))
    frames = [_picture(make_grid(walks[:, t]), scale) for t in order]
    path = Path(path)
    with atomic_path(path) as temporary:
        frames[0].save(temporary, format="GIF", save_all=True, append_images=frames[1:],
                       duration=int(seconds_per_frame * 1000), loop=0)
    return path
