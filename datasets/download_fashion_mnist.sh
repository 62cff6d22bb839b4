#!/usr/bin/env bash
# Fashion-MNIST (Xiao, Rasul, Vollgraf 2017; MIT licence): 60,000 + 10,000 28x28 grayscale images, 30 MB.
# Usage: bash datasets/download_fashion_mnist.sh [DEST]   (default: datasets/fashion_mnist/)
# On Debian/Ubuntu, `apt-get install dataset-fashion-mnist` installs the same files system-wide,
# and dcgan.py finds them there without this script. The checksums are SHA-256 of the decompressed
# IDX content, so a mirror that re-compresses the files still verifies.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=datasets/_common.sh
source "$here/_common.sh"
dest=${1:-$here/fashion_mnist}
official=http://fashion-mnist.s3-website.eu-central-1.amazonaws.com
mirror=https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion

while read -r name checksum; do
  fetch "$dest/$name" "content-sha256:$checksum" "$official/$name" "$mirror/$name" \
    || die "could not fetch a verified $name; check the network and run this script again"
done <<'LIST'
train-images-idx3-ubyte.gz c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
train-labels-idx1-ubyte.gz bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
t10k-images-idx3-ubyte.gz 5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
t10k-labels-idx1-ubyte.gz 0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34
LIST
log "Fashion-MNIST is ready in $dest"
