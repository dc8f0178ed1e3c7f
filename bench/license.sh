#!/usr/bin/env bash
# bench/license.sh - runs bench_license: `clearset license` vs `exiftool -j` on the
# same files in the same run, on two corpora:
#   tagged  40 copies of every license fixture and demo-site image (all carry
#           XMP / IPTC / EXIF rights fields written by ExifTool)
#   found   the images this machine ships (icons, documentation; mostly untagged)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${CLEARSET_BUILD:-$here/build-bench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
for f in "$here"/tests/fixtures/license/*.{jpg,png,webp} $(find "$here/demo/site/www" -name '*.jpg' -o -name '*.png'); do
  for i in $(seq 40); do n=$((n + 1)); cp "$f" "$work/$n-$(basename "$f")"; done
done
echo "== tagged corpus"
nice -n 19 "$build/bench/bench_license" "$build/cli/clearset" "$work" "$@"
dirs=()
for d in /usr/share/icons /usr/share/doc /usr/share/pixmaps; do [ -d "$d" ] && dirs+=("$d"); done
if [ ${#dirs[@]} -gt 0 ]; then
  echo "== found corpus"
  nice -n 19 "$build/bench/bench_license" "$build/cli/clearset" "${dirs[@]}" "$@"
fi
