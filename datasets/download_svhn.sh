#!/usr/bin/env bash
# SVHN cropped digits, format 2 (Netzer et al. 2011; non-commercial use): train 73,257 (182 MB),
# test 26,032 (64 MB), extra 531,131 (1.3 GB) 32x32 colour digits as MATLAB v5 files.
# Usage: bash datasets/download_svhn.sh [DEST [SPLIT...]]   (default: datasets/svhn/, train test)
#   e.g. bash datasets/download_svhn.sh datasets/svhn train test extra
# MD5s as published with the dataset (http://ufldl.stanford.edu/housenumbers/) and in torchvision's SVHN.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=datasets/_common.sh
source "$here/_common.sh"
dest=${1:-$here/svhn}
shift || true
splits=("$@")
[ "${#splits[@]}" -gt 0 ] || splits=(train test)

for split in "${splits[@]}"; do
  case "$split" in
    train) md5=e26dedcc434d2e4c54c9b2d4a06d8373 ;;
    test) md5=eb5a983be6a315427106f1b164d9cef3 ;;
    extra) md5=a93ce644f1a588dc4d68dda5feec44a7 ;;
    *) die "unknown split $split; choose from train, test, extra" ;;
  esac
  fetch "$dest/${split}_32x32.mat" "md5:$md5" \
    "http://ufldl.stanford.edu/housenumbers/${split}_32x32.mat" \
    || die "could not fetch a verified ${split}_32x32.mat; check the network and run this script again"
done
log "SVHN (${splits[*]}) is ready in $dest"
