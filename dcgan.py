#!/usr/bin/env python3
"""Headless front door: train a DCGAN, generate from one, benchmark the trainer.

    python dcgan.py train --dataset fashion_mnist --epochs 5 --out runs/fashion_mnist
    python dcgan.py generate --model runs/fashion_mnist --n 64 --out samples.png
    python dcgan.py evaluate --model runs/fashion_mnist --metrics svm,domain --out results.json
    python dcgan.py bench --image-size 32

Mistakes a user can make (unknown dataset, missing or corrupt files, bad flags, an unwritable
folder) print one line naming the fix and exit with code 2. TensorFlow's C++ start-up lines are hidden
(utils/startup.py); `--verbose` (before or after the command) or DCGAN_VERBOSE=1 shows them.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import traceback
from pathlib import Path

from utils.errors import UsageError, environment_message

# TensorFlow is imported in main(), through utils.startup: oneDNN on, its C++ start-up lines hidden
# (--verbose or DCGAN_VERBOSE=1 shows them); the user's own TF_* settings win.

EXIT_BUG = 1
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 4   # as a checkpoint that could not be written
VERBOSE_HELP = ("show TensorFlow's C++ log lines (its start-up notices, info and warnings) as it prints them; "
                "also DCGAN_VERBOSE=1")
REPO = Path(__file__).resolve().parent


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def class_list(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated labels such as 0,3,7, got {text!r}") from None


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage mistake prints one line (and where to get help), not the whole usage block."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def c_values(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(value) for value in text.split(",") if value.strip())
    except ValueError:
        values = ()
    if not values or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"expected positive numbers separated by commas, got {text!r}")
    return values


def build_parser() -> argparse.ArgumentParser:
    from utils.data import dataset_names

    parser = OneLineParser(prog="dcgan.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    train = commands.add_parser("train", help="train (or resume) a DCGAN; writes a run directory",
                                description="Train a DCGAN with the paper's hyper-parameters (Adam 2e-4, beta_1 0.5, "
                                            "batch 128, N(0, 0.02) weights).")
    train.add_argument("--dataset", default="fashion_mnist", choices=dataset_names(), help="default: fashion_mnist")
    train.add_argument("--data-dir", help="folder holding the dataset's files (default: datasets/<name>/, then "
                                          "system copies such as Debian's dataset-fashion-mnist)")
    train.add_argument("--source", choices=("native", "tfds"), default="native",
                       help="native files (datasets/download_*.sh) or TensorFlow Datasets; with tfds, --data-dir is "
                            "TFDS's data_dir")
    train.add_argument("--split", default="train", help="dataset split to train on (default: train)")
    train.add_argument("--epochs", type=positive_int, help="epochs in total (default 5; with --resume: the run's)")
    train.add_argument("--image-size", type=int, default=32, choices=(32, 64, 128), help="default 32")
    train.add_argument("--channels", type=int, choices=(1, 3), help="default: the dataset's own")
    train.add_argument("--batch-size", type=positive_int, default=128, help="default 128 (paper Sec. 4)")
    train.add_argument("--no-batch-norm", action="store_true", help="the 2021 E4040 report's NOBN variant")
    train.add_argument("--width", type=positive_int, help="feature maps of D's first layer, doubling per layer "
                                                          "(default: 64 at 32 px, 128 at 64 px as in the paper)")
    train.add_argument("--architecture", choices=("dcgan", "lin"), default="dcgan",
                       help="dcgan: the paper's layout (default); lin: the linDCGAN of an earlier PyTorch "
                            "reproduction (D one strided convolution deeper, then a linear layer; G's last layer a "
                            "stride-1 convolution)")
    train.add_argument("--kernel-size", type=int, choices=(4, 5), default=5,
                       help="5: the original code's 5x5 kernels (default); 4: the PyTorch examples' 4x4, stride 2, "
                            "padding 1 (same output sizes)")
    train.add_argument("--leaky-slope", type=share, default=0.2, help="D's LeakyReLU slope (default 0.2, Sec. 4; "
                       "some PyTorch reproductions use 0.1)")
    train.add_argument("--limit", type=non_negative_int, default=0, help="train on the first N images only")
    train.add_argument("--max-bad-files", type=share, default=0.1, metavar="SHARE",
                       help="streamed datasets (folders, CelebA, LSUN): stop before training when more than this "
                            "share of the first 256 files read do not decode (default 0.1)")
    train.add_argument("--classes", type=class_list, default=(), help="train one GAN on these labels only, all together, e.g. 0,7 "
                       "(with --per-class: the classes that get a GAN each)")
    train.add_argument("--per-class", action="store_true",
                       help="one DCGAN per class (as classDCGAN), one after the other, each its own run in "
                            "OUT/class_<k>_<name>/ (--limit counts each class's images), then OUT/gallery.png")
    train.add_argument("--precision", choices=("float32", "mixed_bfloat16", "mixed_float16"), default="float32",
                       help="float32 (the paper's, default) or mixed precision (16-bit compute, float32 weights)")
    train.add_argument("--lr", type=positive_float, default=2e-4, help="Adam's learning rate for both networks "
                                                                     "(default 2e-4, paper Sec. 4)")
    train.add_argument("--lr-d", type=positive_float, help="D's learning rate (two time-scale update rule, Heusel "
                                                           "et al. 2017: e.g. 4e-4 with --lr-g 1e-4; default --lr)")
    train.add_argument("--lr-g", type=positive_float, help="G's learning rate (default --lr)")
    train.add_argument("--ema", type=float, default=0.0, metavar="DECAY",
                       help="keep an exponential moving average of G's weights (Yazici et al. 2019), e.g. 0.999; "
                            "generate, evaluate and the grids then use it (default 0: off)")
    train.add_argument("--label-smoothing", type=float, default=0.0,
                       help="one-sided label smoothing (Salimans et al. 2016): D's real targets become 1 - S, "
                            "e.g. 0.1 -> 0.9 (default 0, the paper's)")
    train.add_argument("--update", choices=("alternating", "simultaneous"), default="alternating",
                       help="alternating (default): D's update, then G's under the updated D, as the paper's code; "
                            "simultaneous: both from one forward pass, as the TensorFlow tutorial (one D pass fewer)")
    train.add_argument("--steps-per-call", type=positive_int,
                       help="train steps per compiled call (default: 1 on CPUs, 10 on GPUs); the same updates")
    train.add_argument("--xla", action="store_true", help="compile the step with XLA (jit_compile): faster on "
                                                         "GPUs, slower on CPUs; `dcgan.py bench --xla` measures it")
    train.add_argument("--strategy", choices=("default", "mirrored", "multiworker"), default="default",
                       help="one device (default), all GPUs of this machine (mirrored), or several machines "
                            "(multiworker, see --cluster; start the same command on each). --batch-size stays the "
                            "global batch, split over the replicas, and the learning rate is not rescaled")
    train.add_argument("--cluster", choices=("tf_config", "slurm"), default="tf_config",
                       help="with --strategy multiworker: the workers from the TF_CONFIG environment variable "
                            "(default; what Kubernetes' training operators and Vertex AI set) or from the Slurm job")
    train.add_argument("--sync-batch-norm", action="store_true", help="with several devices: BatchNorm over the "
                                                                      "global batch")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--deterministic", action="store_true",
                       help="the same weights from the same seed on the same machine, straight or resumed "
                            "(tf.config.experimental.enable_op_determinism; slower on GPUs)")
    train.add_argument("--out", help="run directory (default: runs/<dataset>)")
    train.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    train.add_argument("--checkpoint-every", type=positive_int, default=100, help="steps between checkpoints "
                                                                                  "(default 100; also every epoch)")
    train.add_argument("--tensorboard-every", type=non_negative_int, default=10,
                       help="steps between the points of the TensorBoard curves in <out>/tensorboard/ (default 10; "
                            "0: no TensorBoard files)")
    train.add_argument("--no-progress", action="store_true", help="no progress bar (one line per epoch remains)")
    train.add_argument("--fid-every", type=non_negative_int, default=0,
                       help="FID and KID (evaluate's protocol) after every N-th epoch and the last, into the epoch "
                            "line and epoch_metrics.csv (default 0: never; about 8 min per 10,000 samples on 2 CPU "
                            "cores; with --ema, of the averaged G and of G as trained, which doubles it)")
    train.add_argument("--fid-samples", type=positive_int, default=10_000,
                       help="generated images per FID while training (default 10000, the protocol's)")

    generate = commands.add_parser("generate", help="draw samples from a trained generator",
                                   description="FILE.png writes a grid; FILE.npy writes uint8 images (N, H, W, C).")
    generate.add_argument("--model", required=True, help="a run directory or a generator .keras file")
    generate.add_argument("--n", type=positive_int, default=64, help="number of samples (default 64)")
    generate.add_argument("--out", required=True, help="output FILE.png (grid) or FILE.npy (uint8 array)")
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument("--class", type=int, dest="label", metavar="K",
                          help="a per-class run (train --per-class): sample class K (without it: a labelled row "
                               "of up to 10 samples per class)")
    generate.add_argument("--raw-generator", action="store_true",
                          help="a run trained with --ema: sample G as trained, not its moving average")
    generate.add_argument("--walk", choices=("linear", "spherical", "dimension"),
                          help="draw --n latent walks instead of samples (paper Fig. 4): row i goes from the "
                               "i-th z of --seed to the i-th z of --seed + 1 (linear, spherical), or sweeps "
                               "coordinate --dim of the i-th z from -RANGE to +RANGE (dimension); a .png --out "
                               "gets the walks animated beside it as a .gif")
    generate.add_argument("--steps", type=positive_int, default=9, help="images per walk, endpoints included "
                                                                        "(default 9, as in Fig. 4)")
    generate.add_argument("--dim", type=int, help="with --walk dimension: the latent coordinate to sweep")
    generate.add_argument("--range", type=positive_float, default=3.0, dest="sweep_range",
                          help="with --walk dimension: sweep from -RANGE to +RANGE (default 3: z ~ N(0, 1))")
    generate.add_argument("--gif", help="with --walk: the GIF's name (default: --out with .gif)")
    generate.add_argument("--arithmetic", metavar='"A - B + C"',
                          help="vector arithmetic (paper Sec. 6.3.2): each term a sample index of --seed (the "
                               "grid `generate --n N --seed S` draws) or a class name (MNIST family: the domain "
                               "classifier picks --exemplars samples of it); writes the terms, G(A - B + C) and "
                               "8 neighbours (+-0.25 noise)")
    generate.add_argument("--exemplars", type=positive_int, default=3,
                          help="with --arithmetic: samples averaged per class name (default 3, as the paper)")

    evaluate = commands.add_parser("evaluate", help="feature classification (L2-SVM) and sample-quality metrics",
                                   description="Paper Sec. 5: D's features with a linear L2-SVM (all labels and N "
                                               "per class), against raw pixels and a random-weights D; a domain "
                                               "classifier's FID and mode coverage (MNIST family); the standard "
                                               "FID and KID (2015 Inception network; MNIST family: Lucic et al. "
                                               "2018's protocol, 10,000 samples vs the test set at 28x28), of a "
                                               "run or of any program's samples; IS (needs the original graph).")
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="a run directory")
    source.add_argument("--samples", help="score these instead (fid, kid): a .npy of uint8 (N, H, W[, C]) images, "
                                          "e.g. from generate --out x.npy, or a folder of image files; needs --dataset")
    evaluate.add_argument("--dataset", choices=dataset_names(), help="default: the run's")
    evaluate.add_argument("--data-dir")
    evaluate.add_argument("--metrics", default="svm", help="comma-separated: svm,domain,fid,kid,is (default svm)")
    evaluate.add_argument("--num-samples", type=positive_int, default=None,
                          help="generated images (default: the FID protocol's, 10000 for the MNIST family and "
                               "50000 elsewhere, with fid/kid; else 10000)")
    evaluate.add_argument("--resize", choices=("compare_gan", "clean"), default="compare_gan",
                          help="FID's resize to 299 px: compare_gan (the protocol: TF1 bilinear on unrounded "
                               "floats, default) or clean (8-bit rounding, half-pixel bilinear, as pytorch-fid "
                               "users compare)")
    evaluate.add_argument("--allow-few-samples", action="store_true",
                          help="score fewer than 2048 samples (a rank-deficient covariance: not comparable)")
    evaluate.add_argument("--train-limit", type=non_negative_int, default=0, help="use the first N training images")
    evaluate.add_argument("--test-limit", type=non_negative_int, default=0, help="use the first N test images")
    evaluate.add_argument("--per-class", type=positive_int, default=100, help="labels per class, few-label protocol")
    evaluate.add_argument("--svm-c", type=c_values, default=None, metavar="C1,C2,...",
                          help="the SVM's regularisation values to choose from on the validation split "
                               "(default 1e-4,1e-3,...,10)")
    evaluate.add_argument("--draws", type=positive_int, default=5, help="random draws, few-label protocol")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--raw-generator", action="store_true",
                          help="a run trained with --ema: evaluate G as trained, not its moving average")
    evaluate.add_argument("--cache-dir", help="where the domain classifier and real-set features are cached "
                                              "(default $DCGAN_CACHE_DIR, else saved_models/)")
    evaluate.add_argument("--out", help="write the results as JSON here")

    bench = commands.add_parser("bench", help="images/s of the train step (and of a dataset's input pipeline)")
    bench.add_argument("--image-size", type=int, default=32, choices=(32, 64, 128))
    bench.add_argument("--batch-size", type=positive_int, default=128)
    bench.add_argument("--width", type=positive_int)
    bench.add_argument("--channels", type=int, choices=(1, 3), help="default: the dataset's own (1 without --data)")
    bench.add_argument("--precision", choices=("float32", "mixed_bfloat16", "mixed_float16"), default="float32",
                       help="float32 (the paper's, default) or mixed precision (16-bit compute, float32 weights)")
    bench.add_argument("--steps-per-call", type=positive_int, help="train steps per compiled call (default: as train)")
    bench.add_argument("--inception", action="store_true",
                       help="also time FID's Inception feature extractor, against the train step's FLOP/s")
    bench.add_argument("--architectures", action="store_true",
                       help="also time the step of each architecture option (5x5, --kernel-size 4, "
                            "--architecture lin) side by side, with their parameter counts")
    bench.add_argument("--xla", action="store_true", help="also time the step compiled with XLA (jit_compile)")
    bench.add_argument("--no-reference", action="store_true", help="skip timing the tutorial-style reference step")
    bench.add_argument("--steps", type=positive_int, default=20, help="timed steps (default 20)")
    bench.add_argument("--strategy", choices=("default", "multiworker"), default="default",
                       help="multiworker: also time the step over --workers processes of this machine "
                            "(MultiWorkerMirroredStrategy on 127.0.0.1) and print its scaling against one process")
    bench.add_argument("--workers", type=positive_int, default=2, help="with --strategy multiworker (default 2)")
    bench.add_argument("--data", choices=dataset_names(), help="also time this dataset's input pipeline")
    bench.add_argument("--data-dir")
    bench.add_argument("--synthetic", type=non_negative_int, default=0,
                       help="time the pipeline on N generated native-format images of real size instead of --data-dir")
    bench.add_argument("--source", choices=("native", "tfds"), default="native",
                       help="native files (datasets/download_*.sh) or TensorFlow Datasets; with tfds, --data-dir is "
                            "TFDS's data_dir")
    for command in commands.choices.values():   # also after the command: `dcgan.py train --verbose ...`
        command.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    return parser


# `train --resume`: the flags that set what a run is, as (config field, the flag's value as the config holds it).
RUN_SETTINGS = {
    "dataset": ("dataset", lambda value: value), "source": ("source", lambda value: value),
    "image_size": ("image_size", int), "channels": ("channels", int), "width": ("width", int),
    "no_batch_norm": ("batch_norm", lambda value: not value), "batch_size": ("batch_size", int),
    "limit": ("limit", int), "classes": ("classes", tuple), "precision": ("precision", lambda value: value),
    "lr": ("learning_rate", float), "lr_d": ("learning_rate_d", float), "lr_g": ("learning_rate_g", float),
    "ema": ("ema", float), "label_smoothing": ("label_smoothing", float), "update": ("update", lambda value: value),
    "sync_batch_norm": ("sync_batch_norm", bool), "seed": ("seed", int),
    "architecture": ("architecture", lambda value: value), "kernel_size": ("kernel_size", int),
    "leaky_slope": ("leaky_slope", float),
}
# Flags a resumed run takes from the command line: these three into its config (and said), the rest
# (checkpoint and logging cadence, progress, where the data is, how the step is compiled, --deterministic)
# for this process.
CHANGEABLE_ON_RESUME = ("epochs", "fid_every", "fid_samples")


def given_options(argv) -> set[str]:
    """The destinations of the options written on the command line (not those left at their defaults)."""
    parser = build_parser()
    for action in parser._actions:   # argparse's documented way to tell given from default is SUPPRESS
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                for option in command._actions:
                    option.default = argparse.SUPPRESS
    return set(vars(parser.parse_args(argv)))


def resumed_config(config, args, out_dir: Path):
    """The run's config with --epochs, --fid-every and --fid-samples applied (each said); ValueError naming
    the flag, the run's value and the asked value for any other run setting given with a different value."""
    given = getattr(args, "given", set())
    for dest, (field, as_config) in RUN_SETTINGS.items():
        if dest in given and as_config(getattr(args, dest)) != getattr(config, field):
            flag = "--" + dest.replace("_", "-")
            raise UsageError(f"{flag} {getattr(args, dest)}: the run in {out_dir} has {field} = "
                             f"{getattr(config, field)!r}, and a resumed run keeps its settings; drop {flag}, "
                             "or start a new run with another --out")
    changes = {dest: getattr(args, dest) for dest in CHANGEABLE_ON_RESUME
               if dest in given and getattr(args, dest) != getattr(config, dest)}
    for dest, value in changes.items():
        print(f"resuming with --{dest.replace('_', '-')} {value} (the run had {getattr(config, dest)})", flush=True)
    return dataclasses.replace(config, **changes) if changes else config


def command_train(args) -> int:
    from model.config import DCGANConfig
    from model.gan import is_chief, make_strategy, worker_count
    from utils.data import load_raw
    from utils.data.pipeline import TrainingData
    from utils.training.trainer import TrainingStopped, prepare_run_dir, train

    out_dir = Path(args.out or Path("runs") / args.dataset)
    # Before any other TensorFlow op of this process: a multi-worker strategy configures the runtime's
    # collective ops, which is only possible while nothing has run yet.
    strategy = make_strategy(args.strategy, args.cluster)
    if args.deterministic:   # before the data and the networks exist: every kernel and tf.data in a fixed order
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    chief = is_chief(strategy)   # in a cluster only the chief writes the run directory
    if chief:
        prepare_run_dir(out_dir, args.resume)   # an existing run or an unwritable folder fails now, not after loading
    if args.resume:   # the run's own settings; what may change is applied and said, the rest must agree
        config = resumed_config(DCGANConfig.from_json(out_dir / "config.json"), args, out_dir)
        raw = load_raw(config.dataset, source=config.source, data_dir=args.data_dir, split=args.split,
                       image_size=config.image_size, channels=config.channels)
    else:
        raw = load_raw(args.dataset, source=args.source, data_dir=args.data_dir, split=args.split,
                       image_size=args.image_size, channels=args.channels)
        native_channels = raw.images.shape[-1] if raw.images is not None else raw.stream.element_spec.shape[-1]
        config = DCGANConfig(dataset=args.dataset, source=args.source, image_size=args.image_size,
                             channels=args.channels or int(native_channels), width=args.width or 0,
                             batch_norm=not args.no_batch_norm, batch_size=args.batch_size, epochs=args.epochs or 5,
                             seed=args.seed, limit=args.limit, classes=args.classes, precision=args.precision,
                             sync_batch_norm=args.sync_batch_norm, update=args.update, fid_every=args.fid_every,
                             learning_rate=args.lr, learning_rate_d=args.lr_d or 0.0,
                             learning_rate_g=args.lr_g or 0.0, label_smoothing=args.label_smoothing, ema=args.ema,
                             fid_samples=args.fid_samples, architecture=args.architecture,
                             kernel_size=args.kernel_size, leaky_slope=args.leaky_slope)
    from utils.training import per_class

    if args.per_class or (args.resume and per_class.is_per_class(out_dir)):
        return _train_per_class(args, raw, config, out_dir, strategy)
    data = TrainingData(raw, config.image_size, config.channels, config.batch_size, config.seed,
                        limit=config.limit, classes=config.classes)
    data.check_readable(args.max_bad_files)   # before anything is written into the run directory
    workers = worker_count(strategy)
    print(f"{config.dataset}: {data.num_examples} images from {raw.source}, {data.steps_per_epoch} steps per epoch"
          + (f" of {config.batch_size} images over {workers} workers" if workers > 1 else "")
          + (", each decoding only its own share of the files" if workers > 1 and data.shards_by_file else "")
          + f"; run directory {out_dir}" + ("" if chief else " (written by the chief)"), flush=True)
    log = lambda line: print(line, flush=True)  # noqa: E731
    epoch_metrics = None
    if config.fid_every and chief:
        from utils.evaluation.fid import training_metrics

        # Real-set features are cached where evaluate caches them ($DCGAN_CACHE_DIR, else saved_models/).
        cache_dir = os.environ.get("DCGAN_CACHE_DIR") or REPO / "saved_models"
        epoch_metrics = training_metrics(config, data_dir=args.data_dir, cache_dir=cache_dir, log=log)
    try:
        train(config, data, out_dir, resume=args.resume, checkpoint_every=args.checkpoint_every,
              progress=not args.no_progress and chief, log=log, strategy=strategy,
              steps_per_call=args.steps_per_call, jit_compile=args.xla, epoch_metrics=epoch_metrics,
              tensorboard_every=args.tensorboard_every)
    except TrainingStopped as stopped:
        print(f"dcgan.py: {stopped}", file=sys.stderr)
        return stopped.exit_code
    if not chief:
        print(f"done: worker's part of the run in {out_dir} finished (the chief wrote it)")
        return 0
    print(f"done: samples in {out_dir / 'samples'}, {out_dir / 'progress.gif'}, {out_dir / 'losses.png'}, "
          f"models {out_dir / 'generator.keras'} and {out_dir / 'discriminator.keras'}")
    return 0


def _train_per_class(args, raw, config, out_dir: Path, strategy) -> int:
    """train --per-class: one run per label under `out_dir`, one after the other, then the gallery."""
    from utils.training import per_class
    from utils.training.trainer import TrainingStopped

    if args.resume and not per_class.is_per_class(out_dir):
        raise UsageError(f"--per-class --resume: {out_dir} holds a one-GAN run; resume it without --per-class")
    try:
        gallery, runs = per_class.train_classes(
            config, raw, out_dir, resume=args.resume, log=lambda line: print(line, flush=True),
            checkpoint_every=args.checkpoint_every, progress=not args.no_progress, strategy=strategy,
            steps_per_call=args.steps_per_call, jit_compile=args.xla, tensorboard_every=args.tensorboard_every)
    except TrainingStopped as stopped:
        print(f"dcgan.py: {stopped}", file=sys.stderr)
        return stopped.exit_code
    print(f"done: {runs} runs in {out_dir}, gallery {gallery}; sample one with generate --model {out_dir} --class K")
    return 0


def command_generate(args) -> int:
    import numpy as np

    from utils.data.pipeline import unscale_images
    from utils.files import atomic_path
    from utils.pictures.images import save_grid, walk_gif
    from utils.pictures.samples import generate_fake_samples
    from utils.training.checkpoints import load_networks
    from utils.training.trainer import check_writable

    out = Path(args.out)
    if out.suffix not in (".png", ".npy"):
        raise UsageError(f"--out {out}: the name must end in .png (a grid) or .npy (a uint8 array)")
    if args.walk and args.arithmetic:
        raise UsageError("--walk and --arithmetic draw different pictures: give one of them")
    if args.walk and args.steps < 2:
        raise UsageError("--steps: a walk needs at least 2 images (its two endpoints)")
    if (args.walk == "dimension") != (args.dim is not None):
        raise UsageError("--walk dimension needs --dim K (the latent coordinate to sweep), and --dim needs it")
    gif = Path(args.gif) if args.gif else (out.with_suffix(".gif") if args.walk and out.suffix == ".png" else None)
    if gif is not None and (not args.walk or gif.suffix != ".gif"):
        raise UsageError(f"--gif {gif}: a GIF is made of --walk frames, and its name must end in .gif")
    for folder in {out.parent, *([gif.parent] if gif else [])}:
        check_writable(folder)   # before the work, not after
    from utils.training import per_class

    if per_class.is_per_class(args.model):
        if args.label is None:
            return _generate_per_class_rows(args, out)
        args.model = per_class.child_dir(args.model, args.label)
    elif args.label is not None:
        raise UsageError(f"--class {args.label}: {args.model} is not a per-class run (train --per-class)")
    generator, _, config = load_networks(args.model, raw=args.raw_generator)
    columns = args.steps if args.walk else None
    if args.arithmetic:
        return _generate_arithmetic(args, generator, config, out)
    if args.walk:
        from utils.analysis.latent import dimension_sweep, interpolation_walk
        from utils.pictures.samples import generate_images, latent_samples

        latent_dim = generator.input_shape[-1]
        starts = latent_samples(args.n, latent_dim, args.seed)
        if args.walk == "dimension":
            if not 0 <= args.dim < latent_dim:
                raise UsageError(f"--dim {args.dim}: this generator's z has {latent_dim} coordinates (0 to "
                                 f"{latent_dim - 1})")
            values = np.linspace(-args.sweep_range, args.sweep_range, args.steps)
            z = np.concatenate([dimension_sweep(start, args.dim, values) for start in starts])
            what = f"{args.n} sweeps of z[{args.dim}] from {-args.sweep_range:g} to {args.sweep_range:g}"
        else:
            ends = latent_samples(args.n, latent_dim, args.seed + 1)
            z = np.concatenate([interpolation_walk(start, end, args.steps, args.walk) for start, end in zip(starts, ends)])
            what = f"{args.n} {args.walk} walks"
        images, what = generate_images(generator, z), f"{what} of {args.steps} images"
    else:
        images, _ = generate_fake_samples(generator, args.n, seed=args.seed)
        what = f"{args.n} samples"
    if out.suffix == ".png":
        save_grid(images, out, columns=columns)
    else:
        with atomic_path(out) as temporary:
            np.save(temporary, unscale_images(images))
    if gif is not None:
        walk_gif(images, args.steps, gif)
        what += f" (animated: {gif})"
    print(f"wrote {what} to {out}")
    return 0


def _generate_per_class_rows(args, out: Path) -> int:
    """generate --model PER_CLASS_RUN without --class: a row of up to 10 samples per class, labelled."""
    from utils.pictures.plots import image_rows, save_figure
    from utils.pictures.samples import generate_fake_samples
    from utils.training import per_class
    from utils.training.checkpoints import load_networks

    if out.suffix != ".png" or args.walk or args.arithmetic:
        raise UsageError("a per-class run without --class draws one labelled PNG (a row per class); give --class K "
                         "for a .npy, a walk or arithmetic")
    record = per_class.read_parent(args.model)
    per_row = min(args.n, 10)
    rows = [generate_fake_samples(load_networks(Path(args.model) / run, raw=args.raw_generator)[0], per_row,
                                  seed=args.seed)[0] for run in record["runs"]]
    labels = [f"{label}: {name}" for label, name in zip(record["labels"], record["names"])]
    save_figure(image_rows(rows, labels, title=f"one DCGAN per class ({args.model})"), out)
    print(f"wrote {len(rows)} rows of {per_row} samples, one per class, to {out}")
    return 0


def _generate_arithmetic(args, generator, config, out: Path) -> int:
    """generate --arithmetic: the terms' rows and the result row as a labelled PNG, or the result row as .npy."""
    import numpy as np

    from utils.analysis.arithmetic import expression_arithmetic
    from utils.data.idx import CLASS_NAMES
    from utils.data.pipeline import unscale_images
    from utils.files import atomic_path

    class_names = CLASS_NAMES.get(config.dataset) if config else None
    classify = None
    if class_names is not None:
        classifier = _domain_classifier(config)
        if classifier is not None:
            from utils.evaluation.domain import domain_outputs

            classify = lambda images: domain_outputs(classifier, images)[1]  # noqa: E731
    outcome = expression_arithmetic(generator, args.arithmetic, seed=args.seed, class_names=class_names,
                                    classify=classify, num_exemplars=args.exemplars)
    if out.suffix == ".png":
        from utils.analysis.views import image_rows
        from utils.pictures.plots import save_figure

        save_figure(image_rows(outcome.rows, outcome.labels, title=f"{args.arithmetic} (seed {args.seed})"), out)
    else:
        with atomic_path(out) as temporary:
            np.save(temporary, unscale_images(outcome.rows[-1]))
    verdict = ""
    if classify is not None:
        counts = np.bincount(classify(outcome.rows[-1]).argmax(axis=1), minlength=len(class_names))
        verdict = "; the domain classifier calls them " + ", ".join(
            f"{count} {name}" for name, count in zip(class_names, counts) if count)
    print(f"wrote {' '.join(outcome.labels[:3])} = G(result) and {len(outcome.rows[-1]) - 1} neighbours to "
          f"{out}{verdict}")
    return 0


def _domain_classifier(config):
    """The saved domain classifier for the run's dataset and image shape (the one fit on the most images),
    or None; `evaluate --metrics domain` trains and saves one where there is none."""
    from utils.evaluation.domain import load_or_train

    folders = [Path(os.environ["DCGAN_CACHE_DIR"])] if os.environ.get("DCGAN_CACHE_DIR") else []
    pattern = f"domain_classifier_{config.dataset}_{config.image_size}px_{config.channels}ch_*.keras"
    found = sorted((path for folder in [*folders, REPO / "saved_models"] for path in folder.glob(pattern)),
                   key=lambda path: int(path.stem.rsplit("_", 1)[1]))
    return load_or_train(found[-1]) if found else None


def command_evaluate(args) -> int:
    import json

    from utils.evaluation.evaluate import evaluate, parse_metrics
    from utils.files import atomic_path

    metric_names = parse_metrics(args.metrics)
    out = Path(args.out) if args.out else None
    if out is not None:
        from utils.training.trainer import check_writable

        check_writable(out.parent)
    samples = None
    if args.samples:
        from utils.evaluation.fid import load_samples

        samples = load_samples(args.samples)
    from utils.training import per_class

    if args.model and per_class.is_per_class(args.model):   # train --per-class: each class's share judged as it
        if "domain" not in metric_names or set(metric_names) - {"domain", "fid", "kid"}:
            raise UsageError(f"{args.model} is a per-class run: evaluate it with --metrics domain (the share of "
                             "each class's samples the domain classifier judges to be of that class), and fid,kid "
                             "for all classes' samples together")
        from utils.evaluation.evaluate import evaluate_per_class

        results = evaluate_per_class(args.model, dataset=args.dataset, data_dir=args.data_dir,
                                     num_samples=args.num_samples, seed=args.seed, train_limit=args.train_limit,
                                     cache_dir=args.cache_dir or os.environ.get("DCGAN_CACHE_DIR"),
                                     raw_generator=args.raw_generator, metric_names=metric_names,
                                     resize=args.resize, allow_few=args.allow_few_samples,
                                     log=lambda line: print(line, flush=True))
    else:
        results = evaluate(args.model, dataset=args.dataset, data_dir=args.data_dir, metric_names=metric_names,
                       num_samples=args.num_samples, seed=args.seed, train_limit=args.train_limit,
                           test_limit=args.test_limit, per_class=args.per_class, draws=args.draws, c_grid=args.svm_c,
                           cache_dir=args.cache_dir or os.environ.get("DCGAN_CACHE_DIR"), samples=samples,
                           resize=args.resize, allow_few=args.allow_few_samples, raw_generator=args.raw_generator,
                           log=lambda line: print(line, flush=True))
    if out is not None:
        with atomic_path(out) as temporary:
            temporary.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {out}")
    return 0


def command_bench(args) -> int:
    from utils.evaluation.bench import run_bench

    run_bench(image_size=args.image_size, batch_size=args.batch_size, width=args.width or 0,
              channels=args.channels, steps=args.steps, dataset=args.data, data_dir=args.data_dir,
              source=args.source, synthetic=args.synthetic, precision=args.precision,
              reference=not args.no_reference, xla=args.xla, steps_per_call=args.steps_per_call,
              inception=args.inception, workers=args.workers if args.strategy == "multiworker" else 0,
              architectures=args.architectures)
    return 0


def main(argv=None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    args = build_parser().parse_args(argv)
    args.given = given_options(argv)
    from utils.startup import import_tensorflow

    handlers = {"train": command_train, "generate": command_generate, "evaluate": command_evaluate,
                "bench": command_bench}
    try:
        import_tensorflow(verbose=args.verbose or None)   # without --verbose, DCGAN_VERBOSE decides
        return handlers[args.command](args)
    except UsageError as error:   # the user's mistake: one line, the fix in it
        print(f"dcgan.py {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:   # full disk, read-only or vanished folder: one line; written files stay whole
        message = environment_message(error)
        if message is None:
            raise
        print(f"dcgan.py {args.command}: error: {message}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except KeyboardInterrupt:
        print(f"dcgan.py {args.command}: interrupted", file=sys.stderr)
        return 130


def run(argv=None) -> int:
    """main(), and for any exception that is not the user's mistake: its traceback, then one line that
    says it is a bug (exit 1)."""
    try:
        return main(argv)
    except SystemExit:
        raise
    except BaseException as error:  # noqa: BLE001 - reported, then the traceback is printed
        traceback.print_exc()
        print(f"dcgan.py: this is a bug in dcgan.py, not a mistake of yours ({type(error).__name__} above); please "
              "report it with the command line and this traceback", file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(run())
