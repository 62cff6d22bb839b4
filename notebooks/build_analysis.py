"""The analysis notebooks (paper Sec. 6 and the 2021 E4040 report), written by build_notebooks.py.

Seven notebooks look inside a trained run: Grad-CAM and guided backpropagation on D, walks in the
latent space, vector arithmetic, "forgetting" objects, memorisation, and D's features as a
classifier input. They share one frame, built
here: a `parameters` cell (`model`, `dataset`, `data_dir`, `num_samples`, `seed`, `figures_root`,
`smoke` and a few of their own), a Models and a Train section that load the run (or, in smoke mode,
train a width-8 model for one epoch on a tiny native-format copy of the dataset), and figures under
`figures/<notebook>/`. The code they run lives in `utils/` (`utils.analysis_views` for what they share).
"""

from __future__ import annotations

import nbformat

from build_notebooks import PAPER, SETUP_CODE, code, dedent, markdown, notebook

REPORT = "the 2021 E4040 reproduction report"


def parameters(name: str, dataset: str, why: str, num_samples: int, what_samples: str, extra: str = "") -> tuple:
    lines = f'''
        model = None                    # run directory to analyse; None: runs/notebooks/<dataset> (smoke: one trained here)
        dataset = "{dataset}"{' ' * (20 - len(dataset))}# {why}; fashion_mnist is the one we can train on a CPU
        data_dir = None                 # the dataset's files; None: datasets/<dataset>/, then system copies
        num_samples = {num_samples}{' ' * (18 - len(str(num_samples)))}# {what_samples}
        seed = 0
        figures_root = "figures"        # PNG figures go to <figures_root>/{name}/
        smoke = False                   # True: a tiny copy of the dataset and a width-8 model trained on it for 1 epoch
        '''
    return code(dedent(lines) + "\n" + extra, tags=("parameters",))


def setup(name: str, modules: str, imports: str = "") -> tuple:
    """The Setup code cell: `modules` are extra `utils` modules ("latent, domain"), `imports` other lines."""
    modules = ", ".join(sorted(["analysis_views", "notebook", *(m.strip() for m in modules.split(",") if m.strip())]))
    lines = [f"from utils import {modules}", "from utils.checkpoints import load_networks", *imports.splitlines()]
    body = f'''
        import keras
        import numpy as np

        IMPORTS

        NAME = "{name}"
        IMAGE_SIZE, CHANNELS = analysis_views.dataset_shape(dataset)
        if smoke:
            data_dir = notebook.smoke_data_dir(dataset, tempfile.mkdtemp(prefix=f"{{dataset}}_smoke_"))
        figures = notebook.figures_dir(NAME, figures_root)
        keras.utils.set_random_seed(seed)
        print(f"{{dataset}} at {{IMAGE_SIZE}} px; data: {{data_dir or 'default lookup'}}; figures: {{figures}}")
        '''
    return code(SETUP_CODE + dedent(body).replace("IMPORTS", "\n".join(sorted(lines))))


def setup_markdown(name: str, what: str) -> tuple:
    return markdown(f"""
        ## Setup

        {what}

        The next cell holds the parameters (tagged `parameters`: `papermill -p NAME VALUE` overrides them).
        `model` is a run directory written by a dataset notebook or `python dcgan.py train`; by default
        the notebook reads `runs/notebooks/<dataset>/`, so run the dataset notebook first.
        `smoke = True` trains a width-8 model for one epoch on a tiny native-format copy of the dataset
        instead: the notebook's own test, whose pictures show the mechanics, not results. On
        Fashion-MNIST, for example:

            papermill notebooks/{name}.ipynb /tmp/{name}.ipynb -p dataset fashion_mnist -p model runs/notebooks/fashion_mnist
        """)


def models_and_train(network_text: str) -> list:
    return [
        markdown(f"""
            ## Models

            {network_text} In smoke mode the configuration is `analysis_views.smoke_config`: the paper's
            architecture at width 8 (D's first layer has 8 feature maps instead of 64 or 128), batches
            of 16, one epoch on 64 images.
            """),
        code("""
            if model:
                run_dir = Path(model)
            elif smoke:
                config = analysis_views.smoke_config(dataset, seed)
                run_dir = Path(tempfile.mkdtemp(prefix=f"{dataset}_smoke_run_")) / dataset
                print(config)
            else:
                run_dir = Path("runs/notebooks") / dataset
            print("run:", run_dir)
            """),
        markdown("""
            ## Train

            Nothing is trained here unless `smoke = True`: the analysis reads the networks back with
            `utils.checkpoints.load_networks` (the final `.keras` files, or the latest checkpoint of a run
            still going). A missing run directory is an error that names the path: train it with the
            dataset notebook (`notebooks/<dataset>.ipynb`) or `python dcgan.py train --dataset <dataset>`.
            """),
        code("""
            if smoke and not model:
                history, run_dir = notebook.run_training(config, run_dir, data_dir=data_dir, progress=False)
            generator, discriminator, config = load_networks(run_dir)
            if tuple(generator.output_shape[1:]) != (IMAGE_SIZE, IMAGE_SIZE, CHANNELS):
                raise ValueError(f"{run_dir} makes {generator.output_shape[1:]} images, but {dataset} is read at "
                                 f"{IMAGE_SIZE}x{IMAGE_SIZE}x{CHANNELS}: pass the dataset the run was trained on")
            LATENT_DIM = generator.inputs[0].shape[-1]
            print(f"G {generator.count_params():,} parameters, output {generator.output_shape[1:]}; "
                  f"D {'missing' if discriminator is None else format(discriminator.count_params(), ',')}")
            """),
    ]


def need_discriminator() -> str:
    return """
            if discriminator is None:
                raise ValueError(f"{run_dir} has no discriminator: pass a run directory, not a generator .keras file")"""


# --------------------------------------------------------------------------------------------- Grad-CAM

def gradcam() -> nbformat.NotebookNode:
    name = "gradcam"
    cells = [
        markdown(f"""
            # Grad-CAM: where the discriminator looks

            {REPORT.capitalize()} explained the DCGAN discriminator with Grad-CAM (Selvaraju et al. 2017)
            on its SVHN model: the gradient of D's output with respect to the feature maps of its last
            convolution, averaged over each map, weights the maps into one coarse heat map of the pixels
            that pushed D towards "real". {PAPER} look at the same layer with guided backpropagation
            (Sec. 6.2, Fig. 5; see `guided_backprop.ipynb`). This notebook draws the heat maps over real
            images and over G's samples, for both of D's verdicts ("real" and "fake").

            The code is `utils.saliency.grad_cam` (keras-io's `grad_cam.py` recipe: a sub-model from
            `model.inputs` to the layer's output and the logit) and `utils.saliency.overlay`.
            Runtime: seconds once the run exists.
            """),
        setup_markdown(name, "The report's dataset, SVHN, is the default; Fashion-MNIST runs on a CPU."),
        parameters(name, "svhn", "the report's Grad-CAM dataset", 8, "images per row of the figures"),
        setup(name, "saliency", "from model.dcgan import last_conv_name\nfrom utils.samples import generate_fake_samples"),
        markdown("""
            ## Data

            The first `num_samples` real training images, scaled to [-1, 1] as D saw them in training
            (`analysis_views.load_images` reads them from the native files, streamed datasets included).
            """),
        code("""
            real_images, *_ = analysis_views.load_images(dataset, data_dir, "train", limit=num_samples)
            print("real images", real_images.shape, f"{real_images.min():.2f}..{real_images.max():.2f}")
            """),
        *models_and_train("Grad-CAM needs D, with its input (`keras.Input`) and its last convolution's "
                          "activation (`down{k}_act`, the layer before the flatten and the logit)."),
        markdown("""
            ## Results

            Each pair of rows: the images, then the heat map over them (blue: no influence, red: the
            pixels whose features raised D's "real" logit most). A trained D that judges the digit itself
            lights up on the strokes; heat on the border or the background means D relies on cues other
            than the object (the report found that its SVHN D looked at the digit's edges). The printed
            D(x) is D's probability that the image is real.
            """),
        code(need_discriminator() + """
            layer = last_conv_name(discriminator)
            real_heat = saliency.grad_cam(discriminator, real_images, layer, target="real")
            real_probability = np.asarray(keras.ops.sigmoid(discriminator(real_images, training=False)))[:, 0]
            print(f"layer {layer}; D(x) on real images: {np.round(real_probability, 2)}")
            figure = analysis_views.image_rows([real_images, saliency.overlay(real_images, real_heat)],
                                               ["real", "Grad-CAM\\n'real'"], title=f"{dataset}: real images")
            notebook.show_figure(figure, figures / "gradcam_real.png")
            """),
        markdown("""
            The same for generated images, with a second heat map for the opposite verdict ("fake": the
            gradient of the negated logit): where D finds evidence that a sample is generated. Artefacts
            G has not learned to hide (checkerboard patterns, smeared edges) show up in that row.
            """),
        code("""
            fake_images, _ = generate_fake_samples(generator, num_samples, seed=seed + 1)
            fake_heat_real = saliency.grad_cam(discriminator, fake_images, layer, target="real")
            fake_heat_fake = saliency.grad_cam(discriminator, fake_images, layer, target="fake")
            fake_probability = np.asarray(keras.ops.sigmoid(discriminator(fake_images, training=False)))[:, 0]
            print(f"D(G(z)) on generated images: {np.round(fake_probability, 2)}")
            figure = analysis_views.image_rows(
                [fake_images, saliency.overlay(fake_images, fake_heat_real), saliency.overlay(fake_images, fake_heat_fake)],
                ["generated", "Grad-CAM\\n'real'", "Grad-CAM\\n'fake'"], title=f"{dataset}: generated images")
            notebook.show_figure(figure, figures / "gradcam_fake.png")
            """),
        markdown("""
            ## Analysis

            Averaged over the images, the heat maps say whether D looks at the centre, where SVHN and
            Fashion-MNIST put the object, or spreads its attention. The printed share is the fraction of
            the heat in the central half of the image (a quarter of its area: 0.25 means no preference).
            Grad-CAM at D's last convolution is coarse (4x4 positions at 32 px, upsampled), so read the
            maps as regions, not pixels.
            """),
        code("""
            from matplotlib import pyplot

            centre = np.zeros((IMAGE_SIZE, IMAGE_SIZE), bool)
            centre[IMAGE_SIZE // 4:3 * IMAGE_SIZE // 4, IMAGE_SIZE // 4:3 * IMAGE_SIZE // 4] = True
            figure, axes = pyplot.subplots(1, 3, figsize=(9, 3.3))
            for axis, (title, heat) in zip(axes, [("real, 'real'", real_heat), ("generated, 'real'", fake_heat_real),
                                                  ("generated, 'fake'", fake_heat_fake)]):
                mean_heat = heat.mean(axis=0)
                share = mean_heat[centre].sum() / max(mean_heat.sum(), 1e-12)
                axis.imshow(mean_heat, cmap="jet", vmin=0, vmax=max(mean_heat.max(), 1e-6))
                axis.set_title(f"{title}\\ncentre share {share:.2f}", fontsize=9)
                axis.axis("off")
                print(f"{title:20s} mean heat {heat.mean():.3f}, share in the central half {share:.2f}")
            figure.suptitle("mean Grad-CAM heat map")
            figure.tight_layout()
            notebook.show_figure(figure, figures / "gradcam_mean.png")
            """),
    ]
    return notebook(name, cells)


# ------------------------------------------------------------------------------------- guided backprop

def guided_backprop() -> nbformat.NotebookNode:
    name = "guided_backprop"
    cells = [
        markdown(f"""
            # Guided backpropagation: what D's features respond to

            {PAPER}, Sec. 6.2 and Fig. 5: guided backpropagation (Springenberg et al. 2014) of the
            strongest responses of features in D's last convolution, on LSUN bedrooms, beside the same
            for a discriminator with random weights. The trained D's features respond to bed and
            window shapes; the random D's give unstructured texture. Guided backpropagation passes the
            gradient back through each ReLU/LeakyReLU only where both the forward input and the returned
            gradient are positive, which leaves the image structure that excites the feature.

            The code is `utils.saliency.guided_backprop_top_maps` (a clone of D whose rectifiers carry
            the guided gradient, nothing patched globally) and `utils.saliency.random_like` (the baseline:
            same architecture, fresh N(0, 0.02) weights). Runtime: seconds once the run exists.
            """),
        setup_markdown(name, "The paper's dataset, LSUN bedrooms, is the default; Fashion-MNIST "
                                    "runs on a CPU."),
        parameters(name, "lsun_bedroom", "the paper's Fig. 5 dataset", 64,
                   "real images searched for the strongest responses",
                   extra="top_maps = 6                    # feature maps shown (the most active ones)\n"
                         'patch_layer = "down2_act"        # layer whose maps get their top-activating real patches\n'),
        setup(name, "filters, saliency"),
        markdown("""
            ## Data

            The first `num_samples` real training images in [-1, 1]: each feature map is shown on the
            image that excites it most among them.
            """),
        code("""
            real_images, *_ = analysis_views.load_images(dataset, data_dir, "train", limit=num_samples)
            print("real images", real_images.shape)
            """),
        *models_and_train("The analysis uses D's last convolution activation (`down{k}_act`), the "
                          "layer of the paper's Fig. 5, and a copy of D with random weights."),
        markdown("""
            ## Results

            Top row: for each of the `top_maps` most active feature maps of the trained D, the image it
            fires on most; bottom row: the guided-backprop gradient of that map's peak with respect to
            the image (grey is zero; light and dark are positive and negative). Gradients that trace
            edges and object parts of the image are what the paper's Fig. 5 shows for bedrooms.
            """),
        code(need_discriminator() + """
            trained = saliency.guided_backprop_top_maps(discriminator, real_images, k=top_maps)
            print("maps", trained["map_indices"], "peak activations", np.round(trained["peak_activations"], 2))
            figure = analysis_views.image_rows(
                [real_images[trained["image_indices"]],
                 analysis_views.to_signed(saliency.gradients_to_images(trained["gradients"]))],
                ["image", "guided\\nbackprop"], title=f"trained D: its {top_maps} most active maps")
            notebook.show_figure(figure, figures / "guided_backprop_trained.png")
            """),
        markdown("""
            ## Analysis

            The baseline of Fig. 5: the same architecture with random weights (seeded), the same images.
            Its most active maps respond to whatever the random filters happen to match, so the gradients
            look like noise or the image's raw intensity, without the part-like structure of the trained
            D. Peak activations are printed for scale.
            """),
        code("""
            keras.utils.set_random_seed(seed)
            random_discriminator = saliency.random_like(discriminator)
            baseline = saliency.guided_backprop_top_maps(random_discriminator, real_images, k=top_maps)
            print("maps", baseline["map_indices"], "peak activations", np.round(baseline["peak_activations"], 2))
            figure = analysis_views.image_rows(
                [real_images[baseline["image_indices"]],
                 analysis_views.to_signed(saliency.gradients_to_images(baseline["gradients"]))],
                ["image", "guided\\nbackprop"], title=f"random-weights D: its {top_maps} most active maps")
            notebook.show_figure(figure, figures / "guided_backprop_random.png")
            """),
        markdown("""
            A number to go with the pictures: how much each gradient follows the image itself (the
            absolute correlation between the gradient and the image's grey levels, per map). A random
            network's gradient often copies the image's intensities; a trained one picks out parts.
            """),
        code("""
            for label, result in (("trained", trained), ("random", baseline)):
                grey = real_images[result["image_indices"]].mean(axis=-1).reshape(len(result["map_indices"]), -1)
                gradient = result["gradients"].mean(axis=-1).reshape(len(result["map_indices"]), -1)
                correlation = [abs(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else 0.0
                               for a, b in zip(grey, gradient)]
                print(f"{label:8s} |corr(gradient, image)| per map: {np.round(correlation, 2)}")
            """),
        markdown("""
            The same question one layer at a time, without gradients. D's first convolution is a bank of
            5x5 filters applied to the image itself (`filters.first_layer_filters`, each filter scaled to
            its own range; for colour images the three channels show as colour): trained filters become
            oriented edge and blob detectors, random ones stay noise. Then, for the `top_maps` most active
            maps of `patch_layer`, the real image patches that excite each map most
            (`filters.top_activating_patches`; a patch is the map's receptive field, 13x13 pixels for
            `down2_act`): a map whose patches share a part (a sole, a collar, a window frame) has learned
            that part.
            """),
        code("""
            from matplotlib import pyplot

            figure, axes = pyplot.subplots(1, 2, figsize=(10, 5))
            for axis, (label, model) in zip(axes, (("trained D", discriminator), ("random-weights D", random_discriminator))):
                grid = filters.first_layer_filters(model)
                axis.imshow(grid.squeeze(), cmap="gray" if grid.shape[-1] == 1 else None, vmin=0, vmax=255)
                axis.set_title(f"{label}: first-layer 5x5 filters")
                axis.axis("off")
            notebook.show_figure(figure, figures / "first_layer_filters.png")

            patches = filters.top_activating_patches(discriminator, real_images, patch_layer, k=top_maps)
            strongest = np.argsort(-patches["activations"][:, 0], kind="stable")[:top_maps]
            figure = analysis_views.image_rows([patches["patches"][m] for m in strongest],
                                               [f"map {m}" for m in strongest],
                                               title=f"trained D, {patch_layer}: the {top_maps} real patches that excite each map most")
            notebook.show_figure(figure, figures / "top_patches.png")
            """),
    ]
    return notebook(name, cells)


# ----------------------------------------------------------------------------------------- latent walk

def latent_walk() -> nbformat.NotebookNode:
    name = "latent_walk"
    cells = [
        markdown(f"""
            # Walking in the latent space

            {PAPER}, Sec. 6.1 and Fig. 4: images generated along straight lines between random points z
            of the latent space, 9 points each. Smooth transitions (a lamp slowly becoming a window, a TV
            a window) suggest that the model has learned relevant, hierarchical structure; sharp jumps
            would suggest memorisation. Besides the paper's linear interpolation we draw spherical ones
            (slerp, White 2016), which keep z at the norm typical of a Gaussian sample, and sweeps of
            single latent dimensions.

            The code is `utils.latent` (`interpolation_walk`, `dimension_sweep`). Runtime: seconds.
            """),
        setup_markdown(name, "The paper's dataset, LSUN bedrooms, is the default; Fashion-MNIST "
                                    "runs on a CPU."),
        parameters(name, "lsun_bedroom", "the paper's Fig. 4 dataset", 4, "walks (rows) per figure",
                   extra="steps = 9                       # points per walk, end points included (Fig. 4: 9)\n"
                         "sweep_range = 3.0               # a single dimension sweeps from -sweep_range to +sweep_range\n"),
        setup(name, "latent", "from utils.samples import generate_images, latent_samples"),
        markdown("""
            ## Data

            No images are read: the walks start and end at random latent vectors z ~ N(0, 1) (the
            paper samples a uniform distribution; like most reproductions this repository trains on a
            Gaussian, `utils.samples.latent_samples`).
            """),
        code("""
            print(f"{2 * num_samples} random end points, {steps} points per walk")
            """),
        *models_and_train("Only G is needed: each walk is a batch of z run through G in inference mode "
                          "(`utils.samples.generate_images`, BatchNorm with its moving statistics)."),
        markdown("""
            ## Results

            Each row walks from one random z to another in `steps` equal steps, first along the straight
            line (the paper's Fig. 4), then along the great circle. Read each row left to right: a good
            model morphs one object into another through plausible images; a row that stays the same and
            then flips at once, or passes through noise, marks a region of z the model has not learned.
            """),
        code("""
            ends = latent_samples(2 * num_samples, LATENT_DIM, seed=seed)
            walks = {kind: [latent.interpolation_walk(ends[2 * row], ends[2 * row + 1], steps, kind)
                            for row in range(num_samples)] for kind in ("linear", "spherical")}
            for kind, paths in walks.items():
                figure = analysis_views.image_rows([generate_images(generator, path) for path in paths],
                                                   [f"walk {row + 1}" for row in range(num_samples)],
                                                   title=f"{kind} interpolation, {steps} points")
                notebook.show_figure(figure, figures / f"walk_{kind}.png")
            """),
        markdown("""
            ## Analysis

            Why two kinds of walk: the middle of a straight line between two Gaussian samples has a
            norm about 0.7 times theirs, a region G rarely saw in training, so linear walks can fade
            towards an "average" image in the middle; slerp keeps the norm. The printed norms along the
            first walk show it, and the mean pixel change between neighbouring images measures how
            smooth each walk is (large single jumps are what the paper reads as memorisation).
            """),
        code("""
            for kind, paths in walks.items():
                images = [generate_images(generator, path) for path in paths]
                jumps = np.concatenate([np.abs(np.diff(batch, axis=0)).mean(axis=(1, 2, 3)) for batch in images])
                print(f"{kind:9s} |z| along walk 1: {np.round(np.linalg.norm(paths[0], axis=1), 1)}; "
                      f"pixel change per step: mean {jumps.mean():.3f}, largest {jumps.max():.3f}")
            """),
        markdown("""
            Single dimensions: one z, with one coordinate swept from `-sweep_range` to `+sweep_range`.
            The dimensions shown are those whose sweep changes the image most (measured on that z). A
            DCGAN spreads concepts over many dimensions, so a single one rarely controls one attribute;
            the vector arithmetic notebook finds directions that do.
            """),
        code("""
            start = ends[0]
            values = np.linspace(-sweep_range, sweep_range, steps)
            extremes = np.concatenate([latent.dimension_sweep(start, dim, [-sweep_range, sweep_range])
                                       for dim in range(LATENT_DIM)])
            extreme_images = generate_images(generator, extremes).reshape(LATENT_DIM, 2, -1)
            effect = np.abs(extreme_images[:, 1] - extreme_images[:, 0]).mean(axis=1)
            dims = np.argsort(-effect, kind="stable")[:num_samples]
            print("dimensions with the largest effect:", dims, "mean pixel change", np.round(effect[dims], 3))
            rows = [generate_images(generator, latent.dimension_sweep(start, int(dim), values)) for dim in dims]
            figure = analysis_views.image_rows(rows, [f"z[{dim}]" for dim in dims],
                                               title=f"one dimension from {-sweep_range} to {sweep_range}")
            notebook.show_figure(figure, figures / "dimension_sweeps.png")
            """),
    ]
    return notebook(name, cells)


# ----------------------------------------------------------------------------------- vector arithmetic

def vector_arithmetic() -> nbformat.NotebookNode:
    name = "vector_arithmetic"
    cells = [
        markdown(f"""
            # Vector arithmetic on latent vectors

            {PAPER}, Sec. 6.3.2 and Fig. 7: for each concept, average the z of three generated exemplars
            (single samples were unstable), then combine the averages, e.g. smiling woman - neutral woman
            + neutral man, and generate the result together with 8 neighbours (the result plus uniform
            noise in [-0.25, 0.25]). The paper's result is a smiling man; Fig. 8 builds a "turn" vector
            from left- and right-looking faces and applies it along a walk.

            The paper picked its exemplars by eye. Here a classifier picks them among generated samples:
            on CelebA a small CNN trained on the attribute combinations of `concept_attributes` (Male x
            Smiling: "not Male, Smiling" is the paper's smiling woman); on Fashion-MNIST the repository's
            domain classifier (`utils.domain`) on the 10 class labels. **Class arithmetic on
            Fashion-MNIST is only a stand-in for the face attributes**: "ankle boot - sneaker + sandal"
            asks for a sandal with a boot's shaft, a question whose answer is less clear-cut than a
            smile, and the classes differ in shape as well as in any one attribute.

            The code is `utils.latent` (`pick_exemplars`, `concept_vector`, `arithmetic`, `neighbours`,
            `turn_vector`, `apply_along`) and `utils.domain`. Runtime: seconds with a cached classifier;
            training one takes a few minutes on a CPU (once: it is saved in `saved_models/`).
            """),
        setup_markdown(name, "CelebA, the public stand-in for the paper's faces, is the default; "
                             "Fashion-MNIST runs on a CPU."),
        parameters(name, "celeba", "the paper's faces (CelebA stands in)", 512,
                   "generated samples the classifier searches for exemplars",
                   extra='concepts = None                 # "a;b;c" for a - b + c; None: the default of the dataset (below)\n'
                         'concept_attributes = "Male,Smiling"  # CelebA: combinations of these are the concepts\n'
                         "num_exemplars = 3               # Sec. 6.3.2: average three exemplars per concept\n"
                         "noise = 0.25                    # Fig. 7: neighbours add uniform noise in [-0.25, 0.25]\n"
                         "classifier_limit = 0            # labelled images for the classifier; 0: all (20,000 for CelebA)\n"),
        setup(name, "domain, latent", "from utils.evaluate import CLASS_NAMES\nfrom utils.samples import generate_images, latent_samples"),
        markdown("""
            ## Data

            Labelled real images for the classifier: the class labels of the MNIST family, CIFAR-10 and
            SVHN, or CelebA's attributes turned into one class per combination of
            `concept_attributes` (`analysis_views.concept_labels`). The default concepts are the paper's
            faces on CelebA and ankle boot - sneaker + sandal on Fashion-MNIST.
            """),
        code("""
            DEFAULT_CONCEPTS = {"celeba": "not Male, Smiling;not Male, not Smiling;Male, not Smiling",
                                "fashion_mnist": "Ankle boot;Sneaker;Sandal", "mnist": "7;1;4"}
            attributes_used = tuple(concept_attributes.split(","))
            limit = classifier_limit or (20_000 if dataset == "celeba" else None)
            train_images, labels, attributes, attribute_names = analysis_views.load_images(
                dataset, data_dir, "train", limit=limit)
            class_names = CLASS_NAMES.get(dataset) or [str(label) for label in range(10)]
            concept_ids, concept_names = analysis_views.concept_labels(labels, class_names, attributes, attribute_names,
                                                                       attributes_used)
            if concepts is None and dataset not in DEFAULT_CONCEPTS:
                raise ValueError(f"no default concepts for {dataset}: pass concepts='a;b;c' from {concept_names}")
            chosen = (concepts or DEFAULT_CONCEPTS[dataset]).split(";")
            unknown = [concept for concept in chosen if concept not in concept_names]
            if len(chosen) != 3 or unknown:
                raise ValueError(f"concepts must be three of {concept_names}; got {chosen}")
            print(f"{len(train_images)} labelled images; concepts: {chosen[0]} - {chosen[1]} + {chosen[2]}")
            counts = np.bincount(concept_ids, minlength=len(concept_names))
            print("images per concept:", {name: int(count) for name, count in zip(concept_names, counts)})
            """),
        *models_and_train("Two networks: G, and the classifier that finds exemplars among G's samples: "
                          "`utils.domain`'s small CNN (two conv-pool blocks and a dense layer), trained once "
                          "on the labelled images and cached as `saved_models/<kind>_<dataset>_<size>px_"
                          "<channels>ch_<count>.keras` (in smoke mode in a temporary folder). On Fashion-MNIST "
                          "with all 60,000 images that is the file `dcgan.py evaluate --metrics domain` uses."),
        code("""
            kind = "domain_classifier" if labels is not None else "concept_classifier_" + "_".join(attributes_used).lower()
            classifier_dir = Path(tempfile.mkdtemp(prefix="classifier_")) if smoke else Path("saved_models")
            classifier_path = classifier_dir / f"{kind}_{dataset}_{IMAGE_SIZE}px_{CHANNELS}ch_{len(train_images)}.keras"
            classifier = domain.load_or_train(classifier_path, train_images, concept_ids, seed=seed)
            print("classifier:", classifier_path)
            """),
        markdown("""
            ## Results

            Each concept's row: the `num_exemplars` generated samples the classifier rates most typical
            of it, then (last image) G applied to their average z. The bottom row is G(a - b + c) followed
            by 8 neighbours. What to look for: the average z already looks like its concept (the paper's
            point about averaging), and the result row shows a's difference from b added to c, stable
            across the neighbours. The classifier's verdict on the result row is printed below it.
            """),
        code("""
            z = latent_samples(num_samples, LATENT_DIM, seed=seed)
            generated = generate_images(generator, z)
            _, probabilities = domain.domain_outputs(classifier, generated)
            exemplars = {}
            for concept in chosen:
                column = concept_names.index(concept)
                exemplars[concept] = latent.pick_exemplars(generated, probabilities, attribute=column, k=num_exemplars)
                print(f"{concept:24s} exemplar probabilities {np.round(probabilities[exemplars[concept], column], 2)}")
            averages = {concept: latent.concept_vector(z[indices]) for concept, indices in exemplars.items()}
            result = latent.arithmetic(*(averages[concept] for concept in chosen))
            result_z = np.concatenate([result[None], latent.neighbours(result, 8, noise, seed=seed)])
            result_images = generate_images(generator, result_z)
            rows = [np.concatenate([generated[exemplars[concept]], generate_images(generator, averages[concept][None])])
                    for concept in chosen] + [result_images]
            labels_shown = [f"{sign} {concept}" for sign, concept in zip(("", "-", "+"), chosen)] + ["= result\\n+ 8 neighbours"]
            figure = analysis_views.image_rows(rows, labels_shown, title="exemplars (last: their average z) and a - b + c")
            notebook.show_figure(figure, figures / "arithmetic.png")
            _, result_probabilities = domain.domain_outputs(classifier, result_images)
            verdict = np.bincount(result_probabilities.argmax(axis=1), minlength=len(concept_names))
            print("classifier on the result and its neighbours:",
                  {name: int(count) for name, count in zip(concept_names, verdict) if count})
            """),
        markdown("""
            ## Analysis

            The "turn"-style vector (Fig. 8): the difference of two concept averages, here a - b, added
            to random z in growing amounts (0 to 1 times the vector, 9 steps). If the difference encodes
            one attribute, each row should acquire it (a smile; on Fashion-MNIST a boot's shaft) while
            keeping the rest of the image. The printed numbers are the classifier's probability of
            concept a at the start and the end of each row.
            """),
        code("""
            direction = latent.turn_vector(z[exemplars[chosen[1]]], z[exemplars[chosen[0]]])
            starts = latent_samples(4, LATENT_DIM, seed=seed + 2)
            rows = [generate_images(generator, latent.apply_along(start, direction, steps=9)) for start in starts]
            column = concept_names.index(chosen[0])
            for row, images in enumerate(rows):
                _, row_probabilities = domain.domain_outputs(classifier, images[[0, -1]])
                print(f"row {row + 1}: p({chosen[0]}) {row_probabilities[0, column]:.2f} -> {row_probabilities[1, column]:.2f}")
            figure = analysis_views.image_rows(rows, [f"z{row + 1} + t v" for row in range(len(rows))],
                                               title=f"v = {chosen[0]} - {chosen[1]}, t from 0 to 1")
            notebook.show_figure(figure, figures / "concept_walk.png")
            """),
    ]
    return notebook(name, cells)


# ---------------------------------------------------------------------------------- forgetting objects

def forgetting_objects() -> nbformat.NotebookNode:
    name = "forgetting_objects"
    cells = [
        markdown(f"""
            # Forgetting to draw objects

            {PAPER}, Sec. 6.3.1 and Fig. 6: on 150 bedroom samples the authors drew boxes around windows,
            fit a logistic regression that predicts from the feature maps of G's second-highest layer
            whether a position is inside a box, and dropped every map with a positive weight. The
            regenerated bedrooms lose their windows, or turn them into doors and mirrors: G's
            representation separates objects from the scene.

            We cannot draw boxes by hand on every sample, so the region is a fixed box (or several),
            given as fractions of the image: the regression then finds the maps that draw whatever G
            puts in that part of the image, and the figure shows what G draws there without them. The
            default is the top half; on Fashion-MNIST the sleeves are a more object-like choice:

                papermill notebooks/forgetting_objects.ipynb /tmp/f.ipynb -p dataset fashion_mnist \\
                    -y "boxes: [[0.25, 0.0, 0.5, 0.25], [0.25, 0.75, 0.5, 0.25]]"

            The code is `utils.filters` (`find_object_maps`, `generate_without`). Runtime: under a minute
            (the logistic regression sees one row per position of every sample).
            """),
        setup_markdown(name, "The paper's dataset, LSUN bedrooms, is the default; Fashion-MNIST "
                                    "runs on a CPU."),
        parameters(name, "lsun_bedroom", "the paper's Fig. 6 dataset", 150,
                   "samples the regression is fitted on (Sec. 6.3.1: 150)",
                   extra="boxes = [(0.0, 0.0, 0.5, 1.0)]  # (top, left, height, width) as fractions of the image: the top half\n"
                         "num_dropped = 0                 # maps dropped, largest weight first; 0: all positive (the paper)\n"
                         "num_shown = 8                   # samples in the figure\n"),
        setup(name, "filters, saliency", "from utils.samples import generate_images, latent_samples"),
        markdown("""
            ## Data

            No images are read: the regression is fitted on G's own samples, with the box masks as the
            target. The mask is the same for every sample (`analysis_views.box_mask`).
            """),
        code("""
            masks = analysis_views.box_mask(IMAGE_SIZE, boxes, num_samples)
            print(f"{len(boxes)} box(es) covering {masks[0].mean():.0%} of the image")
            """),
        *models_and_train("Only G: its second-highest layer is the activation before the last transposed "
                          "convolution (`up{k}_act`, 16x16 at 32 px, 32x32 at 64 px), the layer of Sec. 6.3.1."),
        markdown("""
            ## Results

            Rows: the region over each sample; the samples; the same z regenerated with the region's maps
            dropped (zeroed at every position); and, as a control, with as many randomly chosen maps
            dropped. The method works when the third row changes mainly inside the box (the object is
            gone or replaced, the rest intact) and the control row changes less, or everywhere alike.
            """),
        code("""
            z = latent_samples(num_samples, LATENT_DIM, seed=seed)
            layer_name = filters.second_highest_layer(generator)
            found = filters.find_object_maps(generator, z, masks, layer_name, top_k=num_dropped or None)
            dropped = found["maps"]
            num_maps = generator.get_layer(layer_name).output.shape[-1]
            print(f"{layer_name}: {len(dropped)} of {num_maps} maps dropped; regression accuracy {found['accuracy']:.3f}")
            shown_z = z[:num_shown]
            before = generate_images(generator, shown_z)
            after = filters.generate_without(generator, shown_z, layer_name, dropped)
            random_maps = np.random.default_rng(seed).choice(num_maps, size=len(dropped), replace=False)
            after_random = filters.generate_without(generator, shown_z, layer_name, random_maps)
            region = saliency.overlay(before, masks[:num_shown].astype(np.float32), alpha=0.35)
            figure = analysis_views.image_rows([region, before, after, after_random],
                                               ["region", "samples", "region maps\\ndropped", "random maps\\ndropped"],
                                               title=f"{len(dropped)} of {num_maps} maps of {layer_name} dropped")
            notebook.show_figure(figure, figures / "forgetting.png")
            """),
        markdown("""
            ## Analysis

            The change in numbers: mean absolute pixel change inside and outside the region, for the
            region's maps and for the random control, over the shown samples. A ratio inside/outside well
            above 1 for the region's maps, and near 1 for random maps, is the paper's effect. The bar
            chart shows the regression's weights, sorted: a few large positive weights mean a few maps
            draw the region.
            """),
        code("""
            from matplotlib import pyplot

            inside = masks[:num_shown]
            for label, images in (("region maps", after), ("random maps", after_random)):
                change = np.abs(images - before).mean(axis=-1)
                ratio = change[inside].mean() / max(change[~inside].mean(), 1e-12)
                print(f"{label:12s} pixel change inside {change[inside].mean():.3f}, outside {change[~inside].mean():.3f}, "
                      f"ratio {ratio:.2f}")
            weights = np.sort(found["weights"])[::-1]
            figure, axis = pyplot.subplots(figsize=(7, 3))
            axis.bar(np.arange(len(weights)), weights, color=np.where(weights > 0, "tab:red", "tab:blue"))
            axis.set_xlabel(f"feature maps of {layer_name}, sorted")
            axis.set_ylabel("logistic regression weight")
            axis.set_title("which maps predict the region (red: dropped when positive)")
            figure.tight_layout()
            notebook.show_figure(figure, figures / "map_weights.png")
            """),
    ]
    return notebook(name, cells)


# ---------------------------------------------------------------------------------------- memorisation

def memorisation() -> nbformat.NotebookNode:
    name = "memorisation"
    cells = [
        markdown(f"""
            # Memorisation: nearest training images of generated samples

            A generator that copies its training images would score well on sample quality and learn
            nothing. {PAPER} address it for LSUN bedrooms (Sec. 4.1: samples after one epoch, before
            memorisation is possible, Fig. 2; de-duplication of the training set) and through smooth
            latent walks (Sec. 6.1, `latent_walk.ipynb`). The usual direct check, also in
            {REPORT}, puts each sample beside its nearest training images: in pixel space, and in the
            feature space of D's last convolution, which is less fooled by shifts and brightness. The
            original DCGAN code (Newmu/dcgan_code) adds a number, `nnd_score`: the mean distance from
            samples to their nearest held-out real image, to compare with the same distance for real
            images.

            The code is `utils.memorisation`. Runtime: a minute for 10,000 reference images on a CPU.
            """),
        setup_markdown(name, "The paper's dataset, LSUN bedrooms, is the default; Fashion-MNIST "
                                    "runs on a CPU."),
        parameters(name, "lsun_bedroom", "the paper's dataset (Sec. 4.1)", 8, "samples shown with their neighbours",
                   extra="neighbours = 3                  # nearest training images per sample\n"
                         "num_train = 10_000              # training images searched (0: all; in-memory datasets only)\n"
                         "num_score = 1_000               # samples and held-out images for the nearest-neighbour score\n"),
        setup(name, "memorisation", "from utils.images import save_png\nfrom utils.samples import generate_fake_samples"),
        markdown("""
            ## Data

            The first `num_train` training images (the reference set searched for neighbours) and
            `num_score` held-out images: the test split where the dataset has one; LSUN and the cat
            faces have none here, so their held-out images are the `num_score` training images after the
            reference set, which a model trained on all images has seen (the score is then optimistic).
            In smoke mode the fixture holds 64 images, so 48 and 16 are used.
            """),
        code("""
            if smoke:
                num_train, num_score = 48, 16
            train_images, *_ = analysis_views.load_images(dataset, data_dir, "train", limit=num_train or None)
            try:
                held_out, *_ = analysis_views.load_images(dataset, data_dir, "test", limit=num_score)
                held_out_source = "test split"
            except ValueError:   # no test split for this dataset
                more, *_ = analysis_views.load_images(dataset, data_dir, "train", limit=len(train_images) + num_score)
                held_out, held_out_source = more[len(train_images):], "training images after the reference set"
            if len(held_out) == 0:
                raise ValueError(f"no held-out images left after {len(train_images)} reference images; lower num_train")
            print(f"{len(train_images)} reference images, {len(held_out)} held-out images ({held_out_source})")
            """),
        *models_and_train("G makes the samples; D's last convolution (`down{k}_act`, flattened) is the "
                          "feature space of the second search."),
        markdown("""
            ## Results

            One row per sample: the sample, a blank tile, then its nearest training images, nearest first.
            A sample that is a near copy of its first neighbour is memorised; a sample that shares the
            kind of object but differs in shape and detail is new. Pixel distance favours images with the
            same overall brightness and layout; D's features group images that D treats alike.
            """),
        code(need_discriminator() + """
            samples, _ = generate_fake_samples(generator, num_samples, seed=seed + 1)
            for space in ("pixel", "features"):
                indices, distances = memorisation.nearest_training_images(samples, train_images, k=neighbours, space=space,
                                                                          discriminator=discriminator)
                print(f"{space:8s} nearest distances (first sample): {np.round(distances[0], 2)}")
                grid = memorisation.neighbour_grid(samples, train_images, indices)
                notebook.show_image(save_png(grid, figures / f"nearest_{space}.png", scale=3))
            """),
        markdown("""
            ## Analysis

            The nearest-neighbour score of the original code: how far samples are from their nearest
            held-out real image, against how far held-out real images are from their nearest training
            image (equal numbers of samples and held-out images, so the two distances are comparable).
            A ratio near 1: samples sit as close to real data as real data does; well below 1: samples
            (nearly) copy real images; well above 1: samples are far from anything real (poor samples).
            The histogram shows the two distributions of nearest distances to the reference set.
            """),
        code("""
            from matplotlib import pyplot

            score_samples, _ = generate_fake_samples(generator, len(held_out), seed=seed + 2)
            score = memorisation.nearest_neighbour_score(score_samples, held_out, train_images)
            print({key: round(value, 3) for key, value in score.items()})
            _, sample_distances = memorisation.nearest_neighbours(score_samples, train_images)
            _, real_distances = memorisation.nearest_neighbours(held_out, train_images)
            figure, axis = pyplot.subplots(figsize=(6, 3.2))
            axis.hist(real_distances[:, 0], bins=30, alpha=0.6, label=f"held-out real ({held_out_source})")
            axis.hist(sample_distances[:, 0], bins=30, alpha=0.6, label="generated")
            axis.set_xlabel("pixel distance to the nearest reference image")
            axis.set_ylabel("images")
            axis.legend(fontsize=8)
            figure.tight_layout()
            notebook.show_figure(figure, figures / "nn_distances.png")
            """),
    ]
    return notebook(name, cells)


# --------------------------------------------------------------------------------------------- Sec. 5

def feature_classification() -> nbformat.NotebookNode:
    name = "feature_classification"
    cells = [
        markdown(f"""
            # D's features as a classifier input (Sec. 5.1-5.2, Tables 1-2)

            The title claim of {PAPER} is representation learning, and its evidence is a linear classifier
            on the discriminator's features. Every convolution of D is max-pooled to a 4x4 grid, the grids
            are flattened and concatenated (28,672 features for the paper's ImageNet D), and a linear
            L2-SVM is trained on them. The paper reports two results. Table 1: 82.8% on CIFAR-10 with
            all labels, D trained on Imagenet-1k. Table 2: 22.48% test error on SVHN with 1,000 labels.
            {REPORT.capitalize()} did not get this far.

            Here the protocol is `utils.evaluate.evaluate`, the same code as
            `python dcgan.py evaluate --metrics svm`. BatchNorm uses statistics over the training set,
            as the original code does. C is chosen on a validation split carved from the training set,
            never on the test set. Then the SVM is refit on all the labelled images. There are two
            protocols:

            - all labels;
            - `per_class` labels per class, averaged over `draws` random draws.

            Two baselines go through the same protocol: raw pixels, and D's architecture with random
            weights.

            Runtime on 2 CPU cores: about an hour for Fashion-MNIST's 60,000 images and the three feature
            sets. `train_limit` makes it shorter. `results_json` draws the figures from the JSON that
            `dcgan.py evaluate --out` wrote, without computing anything.
            """),
        setup_markdown(name, "Fashion-MNIST is the default: the dataset of this repository's measured run."),
        parameters(name, "fashion_mnist", "the dataset the run was trained on", 0,
                   "test images classified (0: the whole test split)",
                   extra="train_limit = 0                 # labelled training images (0: all)\n"
                         "per_class = 100                 # labels per class in the few-label protocol (Table 2: 100 on SVHN)\n"
                         "draws = 5                       # random draws of those labels\n"
                         "c_grid = [0.001, 0.01, 0.1]     # values of C tried on the validation split\n"
                         "results_json = None             # dcgan.py evaluate --metrics svm --out FILE: draw these results instead\n"),
        setup(name, "evaluation_plots", "import json\nfrom utils.evaluate import CLASS_NAMES, evaluate"),
        markdown("""
            ## Data

            The labelled training split (its first `train_limit` images when that is set) and the test
            split, read by the same loader as `dcgan.py evaluate` and scaled to [-1, 1] at the run's size.
            The SVM sees the labels; D never did. In smoke mode the fixture holds 64 images per split, and
            the few-label protocol takes 2 per class over 2 draws.
            """),
        code("""
            if smoke:
                per_class, draws = 2, 2
            if not results_json:
                train_images, train_labels, *_ = analysis_views.load_images(dataset, data_dir, "train",
                                                                            limit=train_limit or None)
                classes, counts = np.unique(train_labels, return_counts=True)
                print(f"{len(train_images)} labelled training images in {len(classes)} classes "
                      f"({counts.min()}-{counts.max()} per class); "
                      f"{per_class} per class x {len(classes)} classes = {per_class * len(classes)} labels "
                      "in the few-label protocol")
            """),
        *models_and_train("D is the feature extractor: each of its convolutions, max-pooled to 4x4. A "
                          "random-weights D of the same architecture (seeded by `seed`) is the second "
                          "baseline."),
        code(need_discriminator() + """
            from utils import features

            for layer in features.feature_layer_names(discriminator):
                maps = discriminator.get_layer(layer).output.shape[-1]
                print(f"{layer}: {maps} maps -> 4 x 4 x {maps} = {16 * maps} features")
            print(f"{features.feature_dimension(discriminator)} features in all")
            """),
        markdown("""
            ## Results

            Test accuracy for each feature set: all labels, and `per_class` labels per class (the mean
            over the draws, with their standard deviation as the error bar). The trained D should beat
            both baselines. A random D is the fair comparison for architecture alone: random
            convolutions with max-pooling are already a fair feature extractor.
            """),
        code("""
            if results_json:
                results = json.loads(Path(results_json).read_text())
                print(f"results of {results['run']} on {results['dataset']} from {results_json}")
            else:
                results = evaluate(run_dir, dataset, data_dir, metric_names=("svm",), seed=seed,
                                   train_limit=train_limit, test_limit=num_samples, per_class=per_class,
                                   draws=draws, c_grid=c_grid)
            for row in evaluation_plots.accuracy_table(results["svm"]):
                print(f"{row['features']:>17}: {row['dimensions']:>6} features, all labels {row['all_labels']:.2f}%, "
                      f"few labels {row['few_mean']:.2f}% +- {row['few_std']:.2f}%")
            num_classes = len(CLASS_NAMES[dataset]) if dataset in CLASS_NAMES else None
            evaluation_plots.plot_svm_accuracy(results["svm"], figures / "svm_accuracy.png", num_classes=num_classes)
            notebook.show_image(figures / "svm_accuracy.png")
            """),
        markdown("""
            ## Analysis

            How C was chosen: validation accuracy against C for each feature set, on the split carved from
            the training set. An optimum at the edge of the grid means the grid should be widened
            (`c_grid`, or `--svm-c` on the command line). The test set plays no part in this choice.
            """),
        code("""
            evaluation_plots.plot_c_choice(results["svm"], figures / "svm_c_choice.png")
            notebook.show_image(figures / "svm_c_choice.png")
            """),
    ]
    return notebook(name, cells)


def analysis_notebooks() -> dict[str, nbformat.NotebookNode]:
    """{notebook name: notebook} for the seven analysis notebooks."""
    builders = (gradcam, guided_backprop, latent_walk, vector_arithmetic, forgetting_objects, memorisation,
                feature_classification)
    return {builder.__name__: builder() for builder in builders}
