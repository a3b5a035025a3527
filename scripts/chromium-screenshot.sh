#!/usr/bin/env bash
# Screenshot (or DOM dump) of a page, e.g. quikedge's admin dashboard, with
# Debian's headless Chromium: the same flags the dashboard integration test uses.
#   scripts/chromium-screenshot.sh http://127.0.0.1:9901/ dashboard.png [1280,1000]
#   scripts/chromium-screenshot.sh --dom http://127.0.0.1:9901/ > dashboard.html
# Needs the Debian package `chromium`. Virtual time lets the page's one-second
# refresh run five times without waiting for the wall clock.
set -euo pipefail

usage() {
  echo "usage: $0 URL OUT.png [WIDTH,HEIGHT] | $0 --dom URL" >&2
  exit 2
}

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
  echo "$0: $chromium not found; install it with: apt-get install -y chromium" >&2
  exit 1
fi

dom=false
if [ "${1:-}" = "--dom" ]; then
  dom=true
  shift
fi
[ $# -ge 1 ] || usage
url=$1

profile=$(mktemp -d "${TMPDIR:-/tmp}/quikedge-chromium-XXXXXX")
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  "--user-data-dir=$profile" --virtual-time-budget=5000)

if $dom; then
  exec 2>/dev/null  # Chromium logs D-Bus noise on stderr in containers
  "$chromium" "${flags[@]}" --dump-dom "$url"
else
  [ $# -ge 2 ] || usage
  out=$(realpath -m "$2")
  size=${3:-1280,1000}
  "$chromium" "${flags[@]}" "--window-size=$size" "--screenshot=$out" "$url" 2>/dev/null
  echo "$out"
fi
