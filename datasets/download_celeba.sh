#!/usr/bin/env bash
# CelebA aligned and cropped faces (Liu et al. 2015; non-commercial research use only):
# 202,599 178x218 JPEGs (1.4 GB zip) with 40 binary attributes and the train/valid/test partition.
# Usage: bash datasets/download_celeba.sh [DEST]   (default: datasets/celeba/)
# Sources, in order:
#   1. the official Google Drive files (https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html), verified
#      with the MD5s torchvision publishes. Drive often refuses large files ("quota exceeded" or an
#      HTML page instead of the file): the checksum catches that and the next source is tried;
#   2. the Kaggle mirror jessicali9530/celeba-dataset (needs a Kaggle API token), unpacked safely
#      into DEST in Kaggle's layout (img_align_celeba/img_align_celeba/*.jpg and .csv annotations).
# Other mirrors, by hand: the official Baidu drive (see the CelebA page) and the Drive folder
# https://drive.google.com/drive/folders/0B7EVK8r0v71pWEZsZE9oNnFzTm8 ; put img_align_celeba.zip,
# list_attr_celeba.txt and list_eval_partition.txt into DEST.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=datasets/_common.sh
source "$here/_common.sh"
dest=${1:-$here/celeba}

drive_urls() {  # drive_urls FILE_ID: the two Drive endpoints that serve a file without a browser
  echo "https://drive.usercontent.google.com/download?id=$1&export=download&confirm=t"
  echo "https://docs.google.com/uc?export=download&id=$1&confirm=t"
}

if [ -f "$dest/.celeba-dataset.zip.extracted" ]; then
  log "CelebA (Kaggle copy) is already in $dest"
  exit 0
fi

official=yes
while read -r file md5 id; do
  mapfile -t urls < <(drive_urls "$id")
  fetch "$dest/$file" "md5:$md5" "${urls[@]}" || { official=no; break; }
done <<'LIST'
list_eval_partition.txt d32c9cbf5e040fd4025c592c306e6668 0B7EVK8r0v71pY0NSMzRuSXJEVkk
list_attr_celeba.txt 75e246fa4810816ffd6ee81facbd244c 0B7EVK8r0v71pblRyaVFSWGxPY0U
img_align_celeba.zip 00d2c5bc6d35e252742224ab0c1e8fcb 0B7EVK8r0v71pZjFTYXZWM3FlRnM
LIST
if [ "$official" = yes ]; then
  log "CelebA is ready in $dest (the reader reads img_align_celeba.zip directly)"
  exit 0
fi

warn "Google Drive did not deliver CelebA; trying the Kaggle mirror jessicali9530/celeba-dataset"
if ! have_kaggle_token; then
  kaggle_token_help
  die "no CelebA source worked; see the mirrors listed at the top of $0"
fi
kaggle_fetch jessicali9530/celeba-dataset "$dest/celeba-dataset.zip" \
  || die "no CelebA source worked; see the mirrors listed at the top of $0"
extract "$dest/celeba-dataset.zip" "$dest"
rm -f "$dest/celeba-dataset.zip"  # 1.4 GB; the marker file records that it was extracted
log "CelebA (Kaggle layout) is ready in $dest"
