"""Vector arithmetic "A - B + C" on latent vectors, for `dcgan.py generate --arithmetic` and the notebook.

Radford et al. 2015, Sec. 6.3.2 and Fig. 7: each concept is the average z of a few exemplars (three in
the paper: single samples were unstable); G(mean A - mean B + mean C) is drawn with 8 neighbours, the
result plus uniform noise in [-0.25, 0.25]. A term is either a sample index (the i-th z of a seed, as
`generate --n N --seed S` draws them: one exemplar) or a class name, whose exemplars are the samples a
classifier rates most typical of the class. The classifier is passed in as a function, so that this
module does not depend on any one (the command line passes the domain classifier of
`utils.evaluation.domain`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from utils.analysis import latent
from utils.errors import UsageError
from utils.pictures.samples import generate_images, latent_samples

EXPRESSION = re.compile(r"^\s*(?P<a>\S.*?)\s+-\s+(?P<b>\S.*?)\s+\+\s+(?P<c>\S.*?)\s*$")
POOL_SAMPLES = 512   # the samples searched for a class's exemplars


def parse_expression(text: str) -> tuple[str, str, str]:
    """ "A - B + C" -> (A, B, C). The signs need a space on both sides, so "T-shirt/top" stays one term."""
    match = EXPRESSION.match(text)
    if not match:
        raise UsageError(f'--arithmetic {text!r}: write "A - B + C" (spaces around - and +), where each term is '
                         "a sample index or a class name")
    return match.group("a"), match.group("b"), match.group("c")


def _class_index(term: str, class_names) -> int | None:
    key = term.strip().lower().replace("_", " ")
    names = [name.lower() for name in class_names]
    return names.index(key) if key in names else None


@dataclass
class ArithmeticResult:
    """Rows of images in [-1, 1]: one per term (its exemplars, then G of their average z when there are
    several), then G(result) followed by its neighbours; `labels` names each row, `terms` holds each term's
    name and exemplar z."""
    rows: list[np.ndarray]
    labels: list[str]
    result_z: np.ndarray
    terms: list[tuple[str, np.ndarray]]


def exemplar_arithmetic(generator, terms: list[tuple[str, np.ndarray]], num_neighbours: int = 8,
                        noise: float = 0.25, seed: int = 0) -> ArithmeticResult:
    """`terms`: a, b, c in order, each (name, (k, latent_dim) exemplar z) -> G's rows of a - b + c."""
    if len(terms) != 3:
        raise UsageError(f"vector arithmetic needs three terms (a - b + c), got {[name for name, _ in terms]}")
    averages = [latent.concept_vector(z) for _, z in terms]
    result = latent.arithmetic(*averages)
    result_z = np.concatenate([result[None], latent.neighbours(result, num_neighbours, noise, seed=seed)])
    rows = []
    for (_, z), average in zip(terms, averages):
        shown = z if len(z) == 1 else np.concatenate([z, average[None]])
        rows.append(generate_images(generator, shown))
    rows.append(generate_images(generator, result_z))
    labels = [f"{sign}{name}" for sign, (name, _) in zip(("", "- ", "+ "), terms)]
    labels.append(f"= result\n+ {num_neighbours} neighbours")
    return ArithmeticResult(rows, labels, result_z, list(terms))


def expression_arithmetic(generator, expression: str, seed: int = 0, class_names=None, classify=None,
                          num_exemplars: int = 3, num_neighbours: int = 8, noise: float = 0.25) -> ArithmeticResult:
    """`generate --arithmetic`: the terms of "A - B + C" are sample indices of `seed` or class names.

    A class name needs `class_names` and `classify(images) -> (N, num_classes) probabilities`; its
    exemplars are the `num_exemplars` of the first `POOL_SAMPLES` samples of `seed` that `classify` rates
    most probable for the class (`latent.pick_exemplars`). Raises ValueError naming a term that is neither.
    """
    terms = parse_expression(expression)
    latent_dim = generator.input_shape[-1]
    indices = {term: int(term) for term in terms if term.isdigit()}
    named = {term: _class_index(term, class_names or ()) for term in terms if term not in indices}
    unknown = [term for term, index in named.items() if index is None]
    if unknown:
        known = f"class names of this dataset ({', '.join(class_names)})" if class_names else "no class names here"
        raise UsageError(f"--arithmetic: {', '.join(map(repr, unknown))} is neither a sample index nor a class name; "
                         f"terms are sample indices (0, 1, ...) or {known}")
    if named and classify is None:
        raise UsageError("--arithmetic with class names needs a classifier for this dataset (for the MNIST family, "
                         "`dcgan.py evaluate --model RUN --metrics domain` trains and saves one); or use sample indices")
    pool = latent_samples(max([POOL_SAMPLES if named else 0, *(index + 1 for index in indices.values())]),
                          latent_dim, seed)
    if named:
        pool_images = generate_images(generator, pool[:POOL_SAMPLES])
        probabilities = classify(pool_images)
    chosen = []
    for term in terms:
        if term in indices:
            chosen.append((f"#{indices[term]}", pool[indices[term]][None]))
        else:
            column = named[term]
            best = latent.pick_exemplars(pool_images, probabilities, attribute=column, k=num_exemplars)
            chosen.append((class_names[column], pool[best]))
    return exemplar_arithmetic(generator, chosen, num_neighbours, noise, seed)
