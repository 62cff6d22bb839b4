#!/usr/bin/env bash
# Shared by the download_*.sh scripts (sourced, not run). Each download goes to FILE.part, resumes
# there (`curl -C -`), and is moved to FILE only after it verifies, so a partial or wrong download
# never sits under the final name; a file that already verifies is skipped. Archives are unpacked
# with utils/data/archive.py, which refuses members that would land outside the target folder.
set -euo pipefail

DATASETS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$DATASETS_DIR")
PYTHON=${PYTHON:-python3}

log() { echo "$*"; }
warn() { echo "warning: $*" >&2; }
die() { echo "error: $*" >&2; exit 1; }

verify() {  # verify CHECK FILE: CHECK is md5:HASH, sha256:HASH, content-sha256:HASH (of a .gz file's decompressed
            # content: robust to mirrors that re-compress) or zip (an intact zip, when no checksum is published)
  local check=$1 file=$2
  [ -s "$file" ] || return 1
  case "$check" in
    md5:*) [ "$(md5sum "$file" | cut -d' ' -f1)" = "${check#md5:}" ] ;;
    sha256:*) [ "$(sha256sum "$file" | cut -d' ' -f1)" = "${check#sha256:}" ] ;;
    content-sha256:*) [ "$(gunzip -c "$file" 2>/dev/null | sha256sum | cut -d' ' -f1)" = "${check#content-sha256:}" ] ;;
    zip) "$PYTHON" -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); sys.exit(z.testzip() is not None)' \
           "$file" 2>/dev/null ;;
    *) die "unknown check $check" ;;
  esac
}

fetch() {  # fetch FILE CHECK URL...: the first URL whose download verifies wins; returns 1 if none does
  local file=$1 check=$2 url
  shift 2
  if verify "$check" "$file"; then
    log "ok       $file (already verified)"
    return 0
  fi
  mkdir -p "$(dirname "$file")"
  for url in "$@"; do
    # A partial download resumes only from the URL that started it ($file.part.url), never from
    # another server's bytes.
    if [ -f "$file.part" ] && [ "$(cat "$file.part.url" 2>/dev/null)" != "$url" ]; then
      rm -f "$file.part"
    fi
    echo "$url" > "$file.part.url"
    log "fetching $url"
    if curl -fL --retry 3 --connect-timeout 20 -C - -o "$file.part" "$url"; then
      if verify "$check" "$file.part"; then
        mv "$file.part" "$file"
        rm -f "$file.part.url"
        log "ok       $file"
        return 0
      fi
      warn "$url did not verify ($check); discarding it"
      rm -f "$file.part" "$file.part.url"
    else
      warn "$url failed; a partial download is kept in $file.part and resumes next time"
    fi
  done
  return 1
}

kaggle_config() {  # curl config lines carrying the Kaggle credentials (kept off the command line)
  if [ -n "${KAGGLE_API_TOKEN:-}" ]; then
    printf 'header = "Authorization: Bearer %s"\n' "$KAGGLE_API_TOKEN"
  elif [ -n "${KAGGLE_USERNAME:-}" ] && [ -n "${KAGGLE_KEY:-}" ]; then
    printf 'user = "%s:%s"\n' "$KAGGLE_USERNAME" "$KAGGLE_KEY"
  elif [ -f "${KAGGLE_CONFIG_DIR:-$HOME/.kaggle}/kaggle.json" ]; then
    "$PYTHON" -c 'import json, sys; c = json.load(open(sys.argv[1])); print("user = \"" + c["username"] + ":" + c["key"] + "\"")' \
      "${KAGGLE_CONFIG_DIR:-$HOME/.kaggle}/kaggle.json"
  else
    return 1
  fi
}

have_kaggle_token() { kaggle_config >/dev/null 2>&1; }

kaggle_token_help() {
  cat >&2 <<'EOF'
This download needs a Kaggle API token (free account; accept the dataset's terms on its page first):
  - create one at https://www.kaggle.com/settings (API -> Create New Token), then either
    save the downloaded kaggle.json as ~/.kaggle/kaggle.json (chmod 600), or
    export KAGGLE_API_TOKEN=<token>   (or KAGGLE_USERNAME and KAGGLE_KEY)
and run this script again.
EOF
}

kaggle_fetch() {  # kaggle_fetch OWNER/DATASET ZIP: download a Kaggle dataset archive (verified as an intact zip)
  local dataset=$1 file=$2 config
  if verify zip "$file"; then
    log "ok       $file (already verified)"
    return 0
  fi
  config=$(kaggle_config) || { kaggle_token_help; return 1; }
  mkdir -p "$(dirname "$file")"
  log "fetching https://www.kaggle.com/datasets/$dataset (Kaggle API)"
  if curl -fL --retry 3 --connect-timeout 20 -C - -K - -o "$file.part" \
      "https://www.kaggle.com/api/v1/datasets/download/$dataset" <<<"$config" && verify zip "$file.part"; then
    mv "$file.part" "$file"
    log "ok       $file"
    return 0
  fi
  warn "Kaggle download of $dataset failed (token valid? dataset terms accepted?)"
  return 1
}

extract() {  # extract ARCHIVE TARGET: safe extraction, then a marker so a second run skips it
  local archive=$1 target=$2 marker
  marker="$target/.$(basename "$archive").extracted"
  if [ -f "$marker" ]; then
    log "ok       $archive (already extracted into $target)"
    return 0
  fi
  log "extracting $archive into $target"
  "$PYTHON" "$REPO_DIR/utils/data/archive.py" "$archive" "$target" || die "could not extract $archive"
  touch "$marker"
}
