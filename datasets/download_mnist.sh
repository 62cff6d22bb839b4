#!/usr/bin/env bash
# MNIST (LeCun, Cortes, Burges): 60,000 + 10,000 28x28 grayscale digits, 11 MB.
# Usage: bash datasets/download_mnist.sh [DEST]   (default: datasets/mnist/)
# The checksums are the MD5s of the original .gz files, as published with torchvision's MNIST loader.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=datasets/_common.sh
source "$here/_common.sh"
dest=${1:-$here/mnist}

while read -r name checksum; do
  fetch "$dest/$name" "md5:$checksum" \
    "https://yann.lecun.com/exdb/mnist/$name" \
    "https://ossci-datasets.s3.amazonaws.com/mnist/$name" \
    "https://storage.googleapis.com/cvdf-datasets/mnist/$name" \
    || die "could not fetch a verified $name; check the network and run this script again"
done <<'LIST'
train-images-idx3-ubyte.gz f68b3c2dcbeaaa9fbdd348bbdeb94873
train-labels-idx1-ubyte.gz d53e105ee54ea40749a09fcbcd1e9432
t10k-images-idx3-ubyte.gz 9fb629c4189551a2d022fa330f9573f3
t10k-labels-idx1-ubyte.gz ec29112dd5afa0611ce80d1b7f02629c
LIST
log "MNIST is ready in $dest"
