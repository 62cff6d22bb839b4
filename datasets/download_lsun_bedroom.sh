#!/usr/bin/env bash
# LSUN bedroom (Yu et al. 2015; images are Flickr photos, for research use): the DCGAN scene set.
# Usage: bash datasets/download_lsun_bedroom.sh [DEST [full|sample]]   (default: datasets/lsun_bedroom/ full)
#   full    the official LMDB export, 3,033,042 images, a 43 GB zip (http://dl.yf.io/lsun/,
#           https://github.com/fyu/lsun), unpacked to DEST/bedroom_train_lmdb/ (about 43 GB more,
#           the zip is deleted afterwards). No checksum is published: the zip's CRCs are checked.
#   sample  the Kaggle 20% sample jhoward/lsun_bedroom (JPEG tree, about 4.6 GB; needs a Kaggle token).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=datasets/_common.sh
source "$here/_common.sh"
dest=${1:-$here/lsun_bedroom}
variant=${2:-full}

case "$variant" in
  full)
    if [ -f "$dest/.bedroom_train_lmdb.zip.extracted" ]; then
      log "LSUN bedroom (LMDB) is already in $dest"
      exit 0
    fi
    fetch "$dest/bedroom_train_lmdb.zip" zip \
      "http://dl.yf.io/lsun/scenes/bedroom_train_lmdb.zip" \
      || die "could not fetch bedroom_train_lmdb.zip from dl.yf.io; for the 20% sample run: bash $0 $dest sample"
    extract "$dest/bedroom_train_lmdb.zip" "$dest"
    rm -f "$dest/bedroom_train_lmdb.zip"
    ;;
  sample)
    if [ -f "$dest/.lsun_bedroom.zip.extracted" ]; then
      log "LSUN bedroom (Kaggle sample) is already in $dest"
      exit 0
    fi
    kaggle_fetch jhoward/lsun_bedroom "$dest/lsun_bedroom.zip" || die "could not fetch the Kaggle LSUN sample"
    extract "$dest/lsun_bedroom.zip" "$dest"
    rm -f "$dest/lsun_bedroom.zip"
    ;;
  *) die "unknown variant $variant; choose full or sample" ;;
esac
log "LSUN bedroom ($variant) is ready in $dest"
