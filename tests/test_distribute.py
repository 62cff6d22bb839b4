"""tf.distribute: one mirrored step on two logical CPU devices equals one single-device step.

Logical devices must be configured before TensorFlow first touches the CPU, so the comparison runs
in a fresh Python process.
"""

import json
import subprocess
import sys

from tests.conftest import REPO

SCRIPT = r"""
import json, sys
import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
sys.path.insert(0, sys.argv[1])
import keras
from model.config import DCGANConfig
from model.gan import DCGAN

config = DCGANConfig(width=8, batch_size=8, sync_batch_norm=True, seed=0)
rng = np.random.default_rng(0)
images = rng.uniform(-1, 1, (8, 32, 32, 1)).astype("float32")
latent = rng.standard_normal((8, 100)).astype("float32")

keras.utils.set_random_seed(0)
single = DCGAN(config)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
keras.utils.set_random_seed(0)
mirrored = DCGAN(config, strategy=strategy)

def weights(gan):
    return [np.array(w) for w in gan.generator.weights + gan.discriminator.weights]

initial_difference = max(float(np.abs(a - b).max()) for a, b in zip(weights(single), weights(mirrored)))
before = weights(single)
single_values = single.update(tf.constant(images), tf.constant(latent))
distributed = strategy.experimental_distribute_dataset(
    tf.data.Dataset.from_tensors((images, latent)))
mirrored_values = mirrored.update(*next(iter(distributed)))
moved = max(float(np.abs(a - b).max()) for a, b in zip(weights(single), before))
print(json.dumps({
    "replicas": strategy.num_replicas_in_sync,
    "initial_difference": initial_difference,
    "weight_difference": max(float(np.abs(a - b).max()) for a, b in zip(weights(single), weights(mirrored))),
    "loss_difference": max(abs(float(single_values[k]) - float(mirrored_values[k])) for k in single_values),
    "moved": moved,
}))
"""


def test_mirrored_step_equals_single_device_step():
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(REPO)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    numbers = json.loads(result.stdout.strip().splitlines()[-1])
    assert numbers["replicas"] == 2
    assert numbers["initial_difference"] == 0.0
    assert numbers["moved"] > 1e-4                 # the step really changed the weights...
    assert numbers["weight_difference"] < 1e-5     # ...and both strategies changed them alike
    assert numbers["loss_difference"] < 1e-5


TRAIN_SCRIPT = r"""
import sys
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
sys.path.insert(0, sys.argv[1])
from model.config import DCGANConfig
from utils.data import load_raw
from utils.data.idx import write_mnist_fixture
from utils.data.pipeline import TrainingData
from utils.training.trainer import train

write_mnist_fixture(sys.argv[2] + "/data", num_images=64)
data = TrainingData(load_raw("mnist", data_dir=sys.argv[2] + "/data"), 32, 1, 16, seed=0)
config = DCGANConfig(dataset="mnist", width=8, batch_size=16, epochs=1, sync_batch_norm=True)
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
history = train(config, data, sys.argv[2] + "/run", progress=False, strategy=strategy, log=lambda line: None,
                steps_per_call=3)   # calls of 3 and 1 steps over the replicas' iterator
print(len(history["step"]), strategy.num_replicas_in_sync)
"""


def test_training_run_on_two_replicas(tmp_path):
    result = subprocess.run([sys.executable, "-c", TRAIN_SCRIPT, str(REPO), str(tmp_path)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-2:] == ["4", "2"]
    assert (tmp_path / "run" / "generator.keras").is_file() and (tmp_path / "run" / "samples" / "epoch_001.png").is_file()
