"""`dcgan.py evaluate`: the paper's feature-classification protocol and sample-quality metrics for a run.

- svm (paper Sec. 5.1, Tables 1-2): D's features (every layer max-pooled to 4x4, BatchNorm statistics
  from the training set) -> linear L2-SVM with C chosen on a validation split of the training set;
  all labels, and N labels per class over repeated draws; raw pixels and a random-weights D as
  baselines in the same run.
- domain (MNIST family): a small classifier trained once on the labelled training split gives a
  domain FID (its penultimate features) and the class distribution of generated samples.
- fid, kid: the field's standard FID and KID under the protocol written down in `utils.evaluation.fid`
  (Lucic et al. 2018 for the MNIST family, the TTUR convention elsewhere), with the 2015-12-05
  Inception network rebuilt in Keras (`utils.evaluation.inception`); of a run's generator, or of
  samples made by any program (`samples=`).
- is: the Inception score, which needs the original graph's softmax (`metrics.InceptionExtractor`,
  the .pb file where a user has it).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from model import batchnorm
from utils.data.idx import CLASS_NAMES, MNIST_FAMILY
from utils.data.pipeline import load_scaled
from utils.errors import MissingError, UsageError
from utils.evaluation import domain, features, fid, metrics, svm
from utils.pictures.samples import generate_fake_samples
from utils.progress import stage
from utils.training.checkpoints import load_networks

METRICS = ("svm", "domain", "fid", "kid", "is")
REPO = Path(__file__).resolve().parents[2]


def parse_metrics(text: str) -> list[str]:
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(METRICS))
    if unknown or not chosen:
        raise UsageError(f"--metrics: unknown {', '.join(unknown) or '(none given)'}; choose from {','.join(METRICS)}")
    return chosen


def _split(dataset, split, config, data_dir, source, limit):
    images, raw = load_scaled(dataset, config.image_size, config.channels, data_dir, split, limit, source,
                              streams=False)
    return images, raw.labels[:len(images)]


def _require_domain_dataset(dataset: str) -> None:
    if dataset not in CLASS_NAMES:
        raise UsageError(f"--metrics domain is for the MNIST family (mnist, fashion_mnist), not {dataset}")


def _domain_classifier(dataset, config, train_images, train_labels, cache_dir: Path):
    # The file name records what it was trained on, so a classifier fit on a --train-limit subset
    # is never mistaken for the full one.
    path = cache_dir / f"domain_classifier_{dataset}_{config.image_size}px_{config.channels}ch_{len(train_images)}.keras"
    return domain.load_or_train(path, train_images, train_labels, seed=0), path


def evaluate_per_class(run_dir, dataset=None, data_dir=None, num_samples=None, seed=0, train_limit=0,
                       source="native", cache_dir=None, raw_generator=False, metric_names=("domain",),
                       resize="compare_gan", allow_few=False, log=print) -> dict:
    """A per-class run (train --per-class): for each class, the share of its generator's samples that the
    domain classifier judges to be of that class (MNIST family); with fid/kid in `metric_names`, also the
    FID and KID of all classes' samples together against the test set, the same number from each class
    (the MNIST family's test sets hold 1,000 images of each class), so that the ten generators compare
    with one GAN for all classes. num_samples: per class (default 1,000)."""
    from model.config import DCGANConfig
    from utils.training import per_class as class_runs

    cache_dir = Path(cache_dir) if cache_dir else REPO / "saved_models"
    run_dir = Path(run_dir)
    record = class_runs.read_parent(run_dir)
    config = DCGANConfig.from_json(run_dir / "config.json")
    dataset = dataset or config.dataset
    _require_domain_dataset(dataset)
    train_images, train_labels = _split(dataset, "train", config, data_dir, source, train_limit)
    classifier, _ = _domain_classifier(dataset, config, train_images, train_labels, cache_dir)
    count = num_samples or 1000
    quality = {"fid", "kid"} & set(metric_names)
    if quality and count * len(record["labels"]) < fid.MIN_SAMPLES and not allow_few:
        raise fid.SampleError(f"--num-samples {count} per class: FID needs at least {fid.MIN_SAMPLES} samples in "
                              f"all ({len(record['labels'])} classes give {count * len(record['labels'])})")
    results = {"run": str(run_dir), "dataset": dataset, "seed": seed, "samples_per_class": count, "classes": {}}
    every_class = []
    for label, name, run in zip(record["labels"], record["names"], record["runs"]):
        generator = load_networks(run_dir / run, raw=raw_generator)[0]
        fakes, _ = generate_fake_samples(generator, count, seed=seed)
        judged = domain.domain_outputs(classifier, fakes)[1].argmax(1)
        share = float((judged == label).mean())
        results["classes"][str(label)] = {"name": name, "judged_as_its_class": share}
        log(f"class {label} ({name}): {share:.1%} of {count} samples judged {name}")
        if quality:
            every_class.append(fid.generated_to_pixels(fakes, dataset))
    shares = [entry["judged_as_its_class"] for entry in results["classes"].values()]
    results["mean_judged_as_its_class"] = float(np.mean(shares))
    log(f"mean over {len(shares)} classes: {results['mean_judged_as_its_class']:.1%}")
    if quality:
        results.update(fid.frechet_and_kernel_distances(
            np.concatenate(every_class), dataset, config.image_size, config.channels, sorted(quality), data_dir,
            source, cache_dir, resize, seed=seed, log=log))
    return results


def evaluate(run_dir=None, dataset=None, data_dir=None, metric_names=("svm",), num_samples=None, seed=0,
             train_limit=0, test_limit=0, per_class=100, draws=5, source="native", cache_dir=None,
             c_grid=None, samples=None, resize="compare_gan", allow_few=False, raw_generator=False,
             log=print) -> dict:
    """Evaluate the run in `run_dir`, or score `samples` (uint8 (N, H, W, C) images) with fid/kid;
    returns a JSON-ready dict of results and protocol details.

    num_samples: generated images (default: the FID protocol's count for fid/kid, else 10,000).
    """
    cache_dir = Path(cache_dir) if cache_dir else REPO / "saved_models"
    c_grid = tuple(c_grid or svm.DEFAULT_C_GRID)
    if samples is not None:
        return _score_samples(samples, dataset, metric_names, data_dir, source, cache_dir, resize, allow_few,
                              seed, log)
    generator, discriminator, config = load_networks(run_dir, raw=raw_generator)
    if config is None:
        raise UsageError(f"{run_dir}: evaluate needs a run directory (with config.json), not a bare .keras file")
    dataset = dataset or config.dataset
    results = {"run": str(run_dir), "dataset": dataset, "seed": seed, "image_size": config.image_size,
               "generator": "raw" if raw_generator or not config.ema else f"ema {config.ema}"}
    if {"svm", "domain"} & set(metric_names):
        train_images, train_labels = _split(dataset, "train", config, data_dir, source, train_limit)
        test_images, test_labels = _split(dataset, "test", config, data_dir, source, test_limit)
        results["train_images"], results["test_images"] = len(train_images), len(test_images)

    if "svm" in metric_names:
        if discriminator is None:
            raise MissingError(f"{run_dir}: no discriminator.keras or checkpoint; the svm protocol needs D")
        started = time.perf_counter()
        table = {}
        batchnorm.set_batchnorm_statistics(discriminator, train_images)   # real images' statistics
        candidates = {
            "trained_discriminator": lambda images, advance: features.extract_features(
                discriminator, images, progress=advance),
            "random_discriminator": lambda images, advance: features.baseline_features(
                "random_discriminator", images, config=config, seed=seed, statistics_images=train_images,
                progress=advance),
            "raw_pixels": lambda images, advance: features.baseline_features("pixels", images, progress=advance),
        }
        for name, extract in candidates.items():
            with stage(f"svm {name}: features", len(train_images) + len(test_images), "images") as advance:
                train_features, test_features = extract(train_images, advance), extract(test_images, advance)
            with stage(f"svm {name}: all labels, C grid", len(c_grid) + 1, "fits") as advance:
                all_labels = svm.linear_svm_protocol(train_features, train_labels, test_features, test_labels,
                                                     c_grid=c_grid, seed=seed, progress=advance)
            with stage(f"svm {name}: {per_class} labels per class, {draws} draws", draws * (len(c_grid) + 1),
                       "fits") as advance:
                few = svm.few_label_protocol(train_features, train_labels, test_features, test_labels,
                                             c_grid=c_grid, per_class=per_class, draws=draws, seed=seed,
                                             progress=advance)
            table[name] = {"features": int(train_features.shape[1]), "all_labels": all_labels,
                           f"{per_class}_per_class": few}
            log(f"svm {name:>22}: {train_features.shape[1]:>6} features, all labels {all_labels['test_accuracy']:.4f}, "
                f"{per_class}/class {few['mean_test_accuracy']:.4f} +- {few['std_test_accuracy']:.4f} ({draws} draws)")
        results["svm"] = table
        results["svm_seconds"] = time.perf_counter() - started

    fakes = None
    if {"domain", "fid", "kid", "is"} & set(metric_names):
        quality = {"fid", "kid"} & set(metric_names)
        num_samples = num_samples or (fid.protocol_for(dataset)["num_samples"] if quality else 10_000)
        if quality and num_samples < fid.MIN_SAMPLES and not allow_few:
            raise fid.SampleError(f"--num-samples {num_samples}: FID needs at least {fid.MIN_SAMPLES} samples "
                                  "(the feature dimension); the protocol uses 10,000")
        fakes, _ = generate_fake_samples(generator, num_samples, seed=seed)
        results["generated_images"] = num_samples
    if "domain" in metric_names:
        _require_domain_dataset(dataset)
        classifier, classifier_path = _domain_classifier(dataset, config, train_images, train_labels, cache_dir)
        _, test_probabilities = domain.domain_outputs(classifier, test_images)
        classifier_accuracy = float((test_probabilities.argmax(1) == test_labels).mean())
        _, fake_probabilities = domain.domain_outputs(classifier, fakes)
        results["domain"] = {
            "classifier": classifier_path.name,
            "classifier_test_accuracy": classifier_accuracy,
            "fid_generated_vs_test": domain.domain_frechet_distance(classifier, test_images, fakes),
            "fid_train_vs_test": domain.domain_frechet_distance(classifier, train_images[:len(test_images)],
                                                                test_images),
            "mode_coverage": domain.mode_coverage(fake_probabilities, CLASS_NAMES[dataset]),
        }
        coverage = results["domain"]["mode_coverage"]
        log(f"domain: classifier test accuracy {classifier_accuracy:.4f}; domain FID generated-vs-test "
            f"{results['domain']['fid_generated_vs_test']:.2f} (train-vs-test {results['domain']['fid_train_vs_test']:.2f}); "
            f"class entropy {coverage['entropy']:.3f} nats (uniform {np.log(len(coverage['counts'])):.3f}); missing classes {coverage.get('missing', [])}, over-produced {coverage.get('over_produced', [])}")

    if {"fid", "kid"} & set(metric_names):
        results.update(fid.frechet_and_kernel_distances(
            fid.generated_to_pixels(fakes, dataset), dataset, config.image_size, config.channels, metric_names,
            data_dir, source, cache_dir, resize, seed=seed, log=log))
    if "is" in metric_names:
        extractor = metrics.InceptionExtractor()
        _, fake_probabilities = extractor(fakes)
        results["inception_score"] = metrics.inception_score(fake_probabilities)
        results["inception_score_extractor"] = extractor.name
    return results


def _score_samples(samples, dataset, metric_names, data_dir, source, cache_dir, resize, allow_few, seed, log):
    """FID/KID of images made by any program, against the protocol's real set of `dataset`."""
    if dataset is None:
        raise UsageError("evaluate --samples needs --dataset (the real images to compare with)")
    other = sorted(set(metric_names) - {"fid", "kid"})
    if other:
        raise UsageError(f"evaluate --samples scores fid and kid only, not {','.join(other)}; "
                         "the other metrics need a run directory (--model)")
    pixels = fid.check_samples(samples, dataset, allow_few)
    channels = 1 if dataset in MNIST_FAMILY else 3
    results = {"samples": len(pixels), "dataset": dataset, "seed": seed}
    results.update(fid.frechet_and_kernel_distances(pixels, dataset, pixels.shape[1], channels, metric_names,
                                                    data_dir, source, cache_dir, resize, seed=seed, log=log))
    return results
