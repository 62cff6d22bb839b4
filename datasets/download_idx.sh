#!/usr/bin/env bash
# Shared by download_mnist.sh and download_fashion_mnist.sh: fetch four IDX .gz files into a folder,
# trying each base URL in turn, resuming partial downloads, and accepting a file only when its
# checksum matches: `md5:HASH` of the file as published, or `content-sha256:HASH` of its
# decompressed content (robust to mirrors that re-compress).
# Usage (from the two scripts): fetch_idx_set DEST BASE_URL... -- NAME=ALGORITHM:HASH...
set -euo pipefail

checksum_of() {  # checksum_of ALGORITHM FILE
  case "$1" in
    md5) md5sum "$2" | cut -d' ' -f1 ;;
    content-sha256) gunzip -c "$2" 2>/dev/null | sha256sum | cut -d' ' -f1 ;;
    *) echo "unknown checksum algorithm $1" >&2; return 1 ;;
  esac
}

fetch_idx_set() {
  local dest=$1; shift
  local bases=()
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do bases+=("$1"); shift; done
  shift
  mkdir -p "$dest"
  local entry name algorithm want file got base
  for entry in "$@"; do
    name=${entry%%=*}
    want=${entry#*=}
    algorithm=${want%%:*}
    want=${want#*:}
    file="$dest/$name"
    if [ -f "$file" ] && [ "$(checksum_of "$algorithm" "$file")" = "$want" ]; then
      echo "ok       $file (already verified)"
      continue
    fi
    got=""
    for base in "${bases[@]}"; do
      echo "fetching $base$name"
      # .part keeps a partial download away from the final name; -C - resumes it next time.
      if curl -fL --retry 3 --connect-timeout 20 -C - -o "$file.part" "$base$name"; then
        if [ "$(checksum_of "$algorithm" "$file.part")" = "$want" ]; then
          mv "$file.part" "$file"
          got=yes
          echo "ok       $file"
          break
        fi
        echo "checksum mismatch for $base$name; discarding it" >&2
        rm -f "$file.part"
      fi
    done
    if [ -z "$got" ]; then
      echo "error: could not fetch a verified $name from: ${bases[*]}; check the network and run this script again" >&2
      return 1
    fi
  done
}
