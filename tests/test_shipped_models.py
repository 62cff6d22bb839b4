"""The trained models in saved_models/ load safely, are the files their cards describe, and generate.

Each shipped model is a folder with a model card (`model_card.json`: the command, commit, epochs, wall
time, FID/KID under the written protocol and the SHA-256 of every file), so `dcgan.py generate --model
saved_models/<name>` works right after set-up, without training.
"""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from utils.training.checkpoints import load_networks

REPO = Path(__file__).resolve().parents[1]
CARDS = sorted((REPO / "saved_models").glob("*/model_card.json"))


def test_at_least_one_model_ships_and_all_stay_under_50_mb():
    assert CARDS, "no model card in saved_models/"
    total = sum(path.stat().st_size for card in CARDS for path in card.parent.iterdir())
    assert total < 50 * 2**20, f"shipped models take {total / 2**20:.1f} MiB"


@pytest.mark.parametrize("card", CARDS, ids=[card.parent.name for card in CARDS])
def test_shipped_model_matches_its_card_and_generates(card):
    details = json.loads(card.read_text())
    for name, expected in details["sha256"].items():
        assert hashlib.sha256((card.parent / name).read_bytes()).hexdigest() == expected, name
    assert {"command", "commit", "epochs", "wall_time_minutes", "fid", "kid"} <= set(details)
    generator, discriminator, config = load_networks(card.parent)   # keras safe_mode=True
    assert config is not None and config.epochs == details["epochs"]
    latent = np.random.default_rng(0).standard_normal((4, config.latent_dim)).astype(np.float32)
    images = np.asarray(generator(latent, training=False))
    assert images.shape == (4, config.image_size, config.image_size, config.channels)
    assert np.isfinite(images).all() and images.min() >= -1.0 and images.max() <= 1.0 and images.std() > 0.05
    assert discriminator is not None and discriminator(images).shape == (4, 1)
    if "generator_ema.keras" in details["sha256"]:   # the average is what loads by default; raw on request
        import keras

        averaged = keras.models.load_model(card.parent / "generator_ema.keras", safe_mode=True, compile=False)
        assert all(np.array_equal(a, b) for a, b in zip(generator.get_weights(), averaged.get_weights()))
        raw = load_networks(card.parent, raw=True)[0]
        assert not all(np.array_equal(a, b) for a, b in zip(raw.get_weights(), averaged.get_weights()))


def test_generate_from_the_shipped_model_without_training(tmp_path):
    out = tmp_path / "grid.png"
    result = subprocess.run([sys.executable, str(REPO / "dcgan.py"), "generate", "--model", str(CARDS[0].parent),
                             "--n", "16", "--out", str(out)], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"\x89PNG")
