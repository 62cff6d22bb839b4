"""Hyper-parameters of a DCGAN run; the defaults are the paper's (Radford et al. 2015, Sec. 4)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from utils.errors import UsageError

IMAGE_SIZES = (32, 64, 128)
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
UPDATES = ("alternating", "simultaneous")
ARCHITECTURES = ("dcgan", "lin")
KERNEL_SIZES = (4, 5)


@dataclasses.dataclass(frozen=True)
class DCGANConfig:
    dataset: str = "fashion_mnist"
    source: str = "native"          # native files, or "tfds" (TensorFlow Datasets); a resumed run keeps its source
    image_size: int = 32            # 32 for CIFAR-10, SVHN and the MNIST family; the paper's LSUN/faces model is 64
    channels: int = 1
    latent_dim: int = 100           # Sec. 4: "a 100 dimensional uniform distribution Z" (we sample N(0, 1), as most reproductions do)
    width: int = 0                  # feature maps of D's first layer, doubling per layer; 0 = the paper's for this size
    batch_norm: bool = True         # Sec. 3: BatchNorm in both networks; False = the 2021 E4040 report's "NOBN" variant
    batch_size: int = 128           # Sec. 4: mini-batch SGD with a mini-batch size of 128
    learning_rate: float = 2e-4     # Sec. 4: Adam, learning rate 0.0002 (0.001 was too high)
    # Two time-scale update rule (Heusel et al. 2017, arXiv:1706.08500; their DCGAN on CelebA used D 4e-4,
    # G 1e-4): a learning rate per network; 0 = learning_rate, the paper's one rate for both.
    learning_rate_d: float = 0.0
    learning_rate_g: float = 0.0
    # One-sided label smoothing (Salimans et al. 2016, arXiv:1606.03498, Sec. 3.4): D's targets for real
    # images are 1 - label_smoothing (0.9 with 0.1), fakes stay 0; 0 = the paper's hard labels.
    label_smoothing: float = 0.0
    # An exponential moving average of G's weights (Yazici et al. 2019, "The Unusual Effectiveness of
    # Averaging in GAN Training", arXiv:1806.04498), e.g. 0.999 (about the last 1,000 steps); 0 = off.
    ema: float = 0.0
    beta_1: float = 0.5             # Sec. 4: momentum beta_1 0.5 (0.9 gave oscillation and instability)
    leaky_slope: float = 0.2        # Sec. 4: "the slope of the leak was set to 0.2" (some PyTorch reproductions: 0.1)
    # 5: the original code's (Newmu/dcgan_code) 5x5 kernels; 4: the PyTorch examples' DCGAN (4x4, stride 2,
    # padding 1, which is Keras' "same" padding for even sizes): the same output sizes either way.
    kernel_size: int = 5
    # "dcgan": the paper's layout; "lin": the linDCGAN of an earlier PyTorch reproduction: D one strided
    # convolution deeper (to 2x2) before its linear layer, G `blocks` transposed convolutions to the full size
    # and then a stride-1 convolution to the image.
    architecture: str = "dcgan"
    init_stddev: float = 0.02       # Sec. 4: weights from a zero-centred normal with standard deviation 0.02
    epochs: int = 5
    seed: int = 0
    limit: int = 0                  # train on the first N images only (0 = all)
    classes: tuple[int, ...] = ()   # train on these labels only (empty = all)
    sync_batch_norm: bool = False   # several devices: BatchNorm statistics over the global batch, not each replica's
    precision: str = "float32"      # the paper's; mixed_* compute in 16 bits, keeping D's logit and the losses in float32
    update: str = "alternating"     # D's update, then G's under the updated D (the paper's code); "simultaneous":
                                    # both from one forward pass (the TensorFlow tutorial's step), one D pass fewer
    fid_every: int = 0              # FID and KID (utils.evaluation.fid's protocol) after every N-th epoch; 0: never.
    fid_samples: int = 10_000       # generated images per FID during training (Lucic et al. 2018 use 10,000)

    def __post_init__(self):
        if self.image_size not in IMAGE_SIZES:
            raise UsageError(f"--image-size must be one of {', '.join(map(str, IMAGE_SIZES))}, got {self.image_size}")
        if self.channels not in (1, 3):
            raise UsageError(f"channels must be 1 or 3, got {self.channels}")
        if self.width < 0:
            raise UsageError(f"--width must be positive, got {self.width}")
        for name in ("epochs", "batch_size", "latent_dim"):
            if getattr(self, name) < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if self.precision not in PRECISIONS:
            raise UsageError(f"--precision must be one of {', '.join(PRECISIONS)}, got {self.precision}")
        if self.update not in UPDATES:
            raise UsageError(f"--update must be one of {', '.join(UPDATES)}, got {self.update}")
        if min(self.learning_rate, self.learning_rate_d, self.learning_rate_g) < 0 or self.learning_rate == 0:
            raise UsageError("--lr, --lr-d and --lr-g must be positive")
        if not 0.0 <= self.ema < 1.0:
            raise UsageError(f"--ema must be a decay in [0, 1), e.g. 0.999, got {self.ema}")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise UsageError(f"--label-smoothing must be in [0, 1), got {self.label_smoothing}")
        if self.fid_every < 0 or self.fid_samples < 2:
            raise UsageError(f"--fid-every must be 0 or more and --fid-samples at least 2, got {self.fid_every} "
                             f"and {self.fid_samples}")
        if self.architecture not in ARCHITECTURES:
            raise UsageError(f"--architecture must be one of {', '.join(ARCHITECTURES)}, got {self.architecture}")
        if self.kernel_size not in KERNEL_SIZES:
            raise UsageError(f"--kernel-size must be 4 or 5, got {self.kernel_size}")
        if not 0.0 <= self.leaky_slope < 1.0:
            raise UsageError(f"--leaky-slope must be in [0, 1), got {self.leaky_slope}")
        if self.limit < 0:
            raise UsageError(f"--limit must be 0 (all) or positive, got {self.limit}")

    @property
    def d_learning_rate(self) -> float:
        return self.learning_rate_d or self.learning_rate

    @property
    def g_learning_rate(self) -> float:
        return self.learning_rate_g or self.learning_rate

    @property
    def d_width(self) -> int:
        """D's first-layer feature maps: the paper's 64-px model has 128 (1024 maps at 4x4, Fig. 1)."""
        if self.width:
            return self.width
        return {32: 64, 64: 128, 128: 64}[self.image_size]

    def to_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(dataclasses.asdict(self), indent=2) + "\n")

    @classmethod
    def from_json(cls, path: str | Path) -> "DCGANConfig":
        values = json.loads(Path(path).read_text())
        known = {field.name for field in dataclasses.fields(cls)}
        values = {key: value for key, value in values.items() if key in known}
        if "classes" in values:
            values["classes"] = tuple(values["classes"])
        return cls(**values)
