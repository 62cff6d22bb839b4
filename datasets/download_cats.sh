#!/usr/bin/env bash
# Cat faces 64x64 (about 15.7k JPEGs), a common DCGAN demo set, from the Kaggle dataset
# spandan2/cats-faces-64x64-for-generative-models (see its page for the images' origin and licence).
# It is only published on Kaggle, so a Kaggle API token is required; no checksum is published, so
# the zip's CRCs are checked.
# Usage: bash datasets/download_cats.sh [DEST]   (default: datasets/cats/)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=datasets/_common.sh
source "$here/_common.sh"
dest=${1:-$here/cats}

if [ -f "$dest/.cats.zip.extracted" ]; then
  log "cats are already in $dest"
  exit 0
fi
kaggle_fetch spandan2/cats-faces-64x64-for-generative-models "$dest/cats.zip" \
  || die "could not fetch the cat faces from Kaggle"
extract "$dest/cats.zip" "$dest"
rm -f "$dest/cats.zip"
log "cats are ready in $dest"
