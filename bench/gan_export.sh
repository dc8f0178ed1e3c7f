#!/usr/bin/env bash
# bench/gan_export.sh - makes the signed Fashion-MNIST export that bench/gan.sh
# trains on, the way any clearset training set is made, and times each stage.
#
#   bench/gan_export.sh BUILD_DIR EXPORT_DIR COUNT
#
# clearset-fashion-site publishes the first COUNT training images of Debian's
# dataset-fashion-mnist (32x32 grey PNGs, MIT licence and Zalando SE in XMP,
# gallery pages with rel=license); clearset-fixture serves the site on
# 127.0.9.1 (a free port) for the length of the run; then clearset crawls it
# (--allow-loopback, --delay 0: the site is ours), dedups, clears under a
# policy that accepts MIT (no preset does), makes a key, exports signed to
# EXPORT_DIR and verifies. Each stage's wall-clock seconds, the verdicts and
# the export's image count go to stdout. The work files (catalog, blobs, key,
# logs) stay in EXPORT_DIR.work for a look afterwards.
# An EXPORT_DIR that verifies and holds a stamp for COUNT is reused as is.
set -euo pipefail
build=${1:?usage: bench/gan_export.sh BUILD_DIR EXPORT_DIR COUNT}
export_dir=${2:?}
count=${3:?}
clearset=$build/cli/clearset
work=$export_dir.work

if [ -f "$export_dir.count" ] && [ "$(cat "$export_dir.count")" = "$count" ] &&
  "$clearset" verify "$export_dir" >/dev/null 2>&1; then
  echo "export: reusing $export_dir ($(($(wc -l <"$export_dir/metadata.jsonl"))) images of $count published)"
  exit 0
fi
rm -rf "$export_dir" "$work" "$export_dir.count"
mkdir -p "$work"
fixture_pid=
trap '[ -n "$fixture_pid" ] && kill "$fixture_pid" 2>/dev/null; true' EXIT

# stage NAME COMMAND...: runs COMMAND with stdout to $work/NAME.out, stderr to
# $work/NAME.err, and prints its wall-clock seconds.
stage() {
  local name=$1 start end
  shift
  start=$(date +%s.%N)
  if ! "$@" >"$work/$name.out" 2>"$work/$name.err"; then
    echo "export: $name failed:" >&2
    tail -n 5 "$work/$name.err" >&2
    exit 3
  fi
  end=$(date +%s.%N)
  printf 'export: %-8s %7.1f s\n' "$name" "$(echo "$end - $start" | bc)"
}

stage publish "$build/demo/clearset-fashion-site" --out "$work/site" --count "$count"
"$build/demo/clearset-fixture" --scenario "$work/site/scenario.json" --listen 127.0.9.1:0 \
  --ready-file "$work/ready" >/dev/null 2>"$work/fixture.err" &
fixture_pid=$!
for _ in $(seq 200); do [ -s "$work/ready" ] && break; sleep 0.05; done
[ -s "$work/ready" ] || { echo "export: the fixture server did not start" >&2; cat "$work/fixture.err" >&2; exit 3; }
site=$(cat "$work/ready")

echo '{"accept": ["MIT"]}' >"$work/policy.json"
db=$work/catalog.db
stage crawl "$clearset" --catalog "$db" crawl "http://$site/" --allow-loopback --delay 0
kill "$fixture_pid" && wait "$fixture_pid" 2>/dev/null || true
fixture_pid=
stage dedup "$clearset" --catalog "$db" dedup
stage clear "$clearset" --catalog "$db" clear --policy "$work/policy.json"
stage keygen "$clearset" keygen --out "$work/bench.key"
stage export "$clearset" --catalog "$db" export --out "$export_dir" --key "$work/bench.key" \
  --policy "$work/policy.json"
stage verify "$clearset" verify "$export_dir"
echo "$count" >"$export_dir.count"

echo "export: crawl  $(tail -n 1 "$work/crawl.out")"
echo "export: dedup  $(tail -n 1 "$work/dedup.out")"
echo "export: verdicts $(grep -o '"verdict":"[a-z]*"' "$work/clear.out" | sort | uniq -c | tr -s ' \n' ' ')"
{ grep -v '"verdict":"cleared"' "$work/clear.out" || true; } | head -n 3 |
  sed 's/^/export: not cleared: /' | cut -c 1-300
echo "export: $(cat "$work/export.out")"
