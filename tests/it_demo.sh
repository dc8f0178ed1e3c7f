#!/usr/bin/env bash
# it_demo.sh - `clearset demo` runs the whole pipeline on the bundled sample web
# and reaches the verdicts the site was built to produce:
#   - the photographer's CC BY 4.0 images (two served by the CDN host) are cleared,
#     attributed to the author the licensor supplied;
#   - the museum's CC0 and Public Domain Mark images are cleared;
#   - the stock agency's images are blocked by its AI opt-outs;
#   - the blog's "CC0" copy of the stock lighthouse is blocked as laundering;
# exports the five cleared images beside the catalog, signed with a key it makes,
# and verifies the export; then refuses to run again on the same (no longer empty) catalog, with exit 2.
# With CLEARSET_TEST_CATALOG set (it_pg_demo.sh: a PostgreSQL URL) all of it runs on that
# catalog, blobs in ./blobs, the export and key in ./clearset.export and ./clearset.key.
set -euo pipefail
bin=${CLEARSET_BIN:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
if [ -n "${CLEARSET_TEST_CATALOG:-}" ]; then
  catalog=(--catalog "$CLEARSET_TEST_CATALOG" --blobs blobs)
  stem=clearset
else
  catalog=(--catalog demo.db)
  stem=demo
fi

"$bin" "${catalog[@]}" demo --delay 0.05 >verdicts.jsonl 2>demo.log || {
  echo "it_demo: clearset demo failed" >&2; cat demo.log >&2; exit 1; }

python3 - verdicts.jsonl <<'PY'
import json, sys
verdicts = [json.loads(line) for line in open(sys.argv[1])]
def fail(message):
    print("it_demo: " + message, file=sys.stderr)
    for v in verdicts:
        print(json.dumps(v)[:400], file=sys.stderr)
    sys.exit(1)
if len(verdicts) != 8:
    fail("expected 8 images, got %d" % len(verdicts))
by_verdict = {}
for v in verdicts:
    by_verdict.setdefault(v["verdict"], []).append(v)
if len(by_verdict.get("cleared", [])) != 5 or len(by_verdict.get("blocked", [])) != 3:
    fail("expected 5 cleared and 3 blocked")
cleared = sorted((v["license"] or {}).get("spdx") for v in by_verdict["cleared"])
if cleared != ["CC-BY-4.0", "CC-BY-4.0", "CC-BY-4.0", "CC-PDM-1.0", "CC0-1.0"]:
    fail("cleared licences are %s" % cleared)
for v in by_verdict["cleared"]:
    if v["license"]["spdx"] == "CC-BY-4.0" and (v.get("attribution") or {}).get("name") != "Ana Lima":
        fail("CC BY image %d without the licensor's attribution" % v["image_id"])
opted_out = [v for v in by_verdict["blocked"] if any(r["rule"] == "optout" for r in v["reasons"])]
laundered = [v for v in by_verdict["blocked"] if v not in opted_out]
if len(opted_out) != 2:
    fail("expected the two stock images blocked by opt-outs")
if len(laundered) != 1 or (laundered[0]["license"] or {}).get("spdx") != "CC0-1.0" or \
        not any(r["rule"] == "laundering" for r in laundered[0]["reasons"]):
    fail("expected the blog's CC0 copy blocked as laundering")
PY

grep -q '^\$ clearset crawl --allow-loopback' demo.log
grep -q '^\$ clearset dedup' demo.log
grep -q 'strict:cleared *5' demo.log
grep -q "^\\\$ clearset export --out $stem.export --key $stem.key" demo.log
grep -q "^\\\$ clearset verify $stem.export" demo.log
[ "$(wc -l <$stem.export/metadata.jsonl)" -eq 5 ] ||
  { echo "it_demo: the export does not hold the 5 cleared images" >&2; exit 1; }
jq -s -e '[.[].license] | sort == ["CC-BY-4.0", "CC-BY-4.0", "CC-BY-4.0", "CC-PDM-1.0", "CC0-1.0"]' \
  $stem.export/metadata.jsonl >/dev/null ||
  { echo "it_demo: exported licences are wrong" >&2; cat $stem.export/metadata.jsonl >&2; exit 1; }
"$bin" verify $stem.export --pubkey $stem.key.pub >/dev/null 2>verify.log ||
  { echo "it_demo: the demo's export does not verify" >&2; cat verify.log >&2; exit 1; }

set +e
"$bin" "${catalog[@]}" demo >/dev/null 2>again.log
status=$?
set -e
[ "$status" -eq 2 ] || { echo "it_demo: second run on a used catalog exited $status, not 2" >&2; exit 1; }
grep -q 'already holds' again.log
echo "it_demo: pipeline verdicts as designed, the cleared set exported and verified; a used catalog is refused"
