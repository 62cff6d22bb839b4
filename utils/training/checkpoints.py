"""Loading trained networks back: from `.keras` files, or from a run's latest checkpoint.

Models load with Keras' `safe_mode` on: a `.keras` file that would run arbitrary code is refused.
"""

from __future__ import annotations

from pathlib import Path

import keras
import tensorflow as tf

from model.config import DCGANConfig
from utils.errors import MissingError, UsageError


def _load_keras(path: Path) -> keras.Model:
    try:
        return keras.models.load_model(path, safe_mode=True, compile=False)
    except (ValueError, OSError) as error:
        raise UsageError(f"{path}: not a loadable Keras model ({str(error).splitlines()[0]})") from None


def load_networks(path: str | Path, raw: bool = False) -> tuple[keras.Model, keras.Model | None, DCGANConfig | None]:
    """(generator, discriminator or None, config or None) from a run directory or a generator `.keras` file.

    A run trained with `--ema` gives its averaged generator (`generator_ema.keras`), unless `raw`
    asks for G as trained. A run directory without final models (a run still going, or killed) is
    read from its latest checkpoint.
    """
    path = Path(path)
    if path.is_file():
        if path.suffix != ".keras":
            raise UsageError(f"{path}: expected a run directory or a .keras file")
        return _load_keras(path), None, None
    if not path.is_dir():
        raise MissingError(f"{path}: no such run directory or .keras file")
    config = DCGANConfig.from_json(path / "config.json") if (path / "config.json").is_file() else None
    if (path / "generator.keras").is_file():
        discriminator = _load_keras(path / "discriminator.keras") if (path / "discriminator.keras").is_file() else None
        averaged = path / "generator_ema.keras"
        generator = path / ("generator.keras" if raw or not averaged.is_file() else "generator_ema.keras")
        return _load_keras(generator), discriminator, config
    latest = tf.train.latest_checkpoint(str(path / "checkpoints"))
    if config is None or latest is None:
        raise MissingError(f"{path}: no generator.keras and no checkpoint; is this a run directory of dcgan.py train?")
    from model.gan import DCGAN

    gan = DCGAN(config)
    gan.checkpoint().restore(latest).expect_partial()
    return (gan.generator if raw else gan.sampling_generator), gan.discriminator, config


def load_generator(path: str | Path, raw: bool = False) -> keras.Model:
    return load_networks(path, raw)[0]
