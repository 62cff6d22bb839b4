#!/usr/bin/env bash
# CIFAR-10 (Krizhevsky 2009): 50,000 + 10,000 32x32 colour images in 10 classes, 163 MB (binary version).
# Usage: bash datasets/download_cifar10.sh [DEST]   (default: datasets/cifar10/)
# The reader reads cifar-10-binary.tar.gz directly; nothing is extracted. The MD5 is the one published
# on https://www.cs.toronto.edu/~kriz/cifar.html. The python (pickle) version is not downloaded: the
# binary one needs no unpickling.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=datasets/_common.sh
source "$here/_common.sh"
dest=${1:-$here/cifar10}

fetch "$dest/cifar-10-binary.tar.gz" md5:c32a1d4ab5d03f1284b67883e8d87530 \
  "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz" \
  "http://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz" \
  || die "could not fetch a verified cifar-10-binary.tar.gz; check the network and run this script again"
log "CIFAR-10 is ready in $dest"
