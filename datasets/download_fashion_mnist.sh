#!/usr/bin/env bash
# Fashion-MNIST (Xiao, Rasul, Vollgraf 2017; MIT licence): 60,000 + 10,000 28x28 grayscale images, 30 MB.
# Usage: bash datasets/download_fashion_mnist.sh [DEST]   (default: datasets/fashion_mnist/)
# On Debian/Ubuntu, `apt-get install dataset-fashion-mnist` installs the same files system-wide,
# and dcgan.py finds them there without this script.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=datasets/download_idx.sh
source "$here/download_idx.sh"
fetch_idx_set "${1:-$here/fashion_mnist}" \
  "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/" \
  "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/" \
  -- \
  "train-images-idx3-ubyte.gz=content-sha256:c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888" \
  "train-labels-idx1-ubyte.gz=content-sha256:bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9" \
  "t10k-images-idx3-ubyte.gz=content-sha256:5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b" \
  "t10k-labels-idx1-ubyte.gz=content-sha256:0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
