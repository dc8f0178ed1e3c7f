#!/usr/bin/env bash
# it_demo.sh - `clearset demo` runs the whole pipeline on the bundled sample web and
# every scenario demo/site/README.md lists lands as the site was built to make it land.
# The expectations are the table below (one row per picture the site publishes, from
# the README's design), not a copy of any output:
#   - each cleared picture is cleared with its licence (attribution where CC BY needs it,
#     from the licensor or the source page), and is in the export unless a larger near
#     duplicate of it is;
#   - each opted-out picture is blocked by exactly the opt-out its host was given (the
#     signal kind named in the optout reason), the RSL payment one as licence-required;
#   - BY-SA, BY-NC and BY-ND are blocked by policy strict, all-rights-reserved and page
#     versus file disagreements by conflict, the laundered copies (a scaled lighthouse,
#     a cropped skyline) by laundering, the picture without any statement is unknown;
#   - the exact copy on the content farm is the museum's image (one image, two URLs);
#   - the truncated JPEG, the PNG bomb, the gzip bomb and the 402 pictures never become
#     images: their URLs fail with the reason; robots.txt's disallows (clearsetbot shut
#     out, a robots.txt answering 503) are never requested, and no request the server
#     logged is one its host's robots.txt disallows for clearsetbot (`robots check`);
#   - the 429 host was asked again only after its Retry-After, the slow host answered
#     late and its picture still arrived;
# then the export verifies and holds exactly the expected images and licences, and a
# second run on the same (no longer empty) catalog is refused with exit 2.
# With CLEARSET_TEST_CATALOG set (it_pg_demo.sh: a PostgreSQL URL) all of it runs on that
# catalog, blobs in ./blobs. The demo runs --sample-web-only (no training set, no
# training) under policy strict; the checks themselves are tests/demo_scenarios.py, which
# it_demo_quick.sh runs on the whole demo --quick too.
set -euo pipefail
bin=${CLEARSET_BIN:?}
site=$CLEARSET_SOURCE_DIR/demo/site
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
if [ -n "${CLEARSET_TEST_CATALOG:-}" ]; then
  catalog=(--catalog "$CLEARSET_TEST_CATALOG" --blobs blobs)
  db=$CLEARSET_TEST_CATALOG
else
  catalog=(--catalog demo.db)
  db=demo.db
fi
stem=w # the demo's work folder: export, signing key

CLEARSET_DEMO_SITE=$site "$bin" "${catalog[@]}" demo --sample-web-only --policy strict \
  --workdir $stem --delay 0.05 --log requests.jsonl \
  >verdicts.jsonl 2>demo.log || { echo "it_demo: clearset demo failed" >&2; cat demo.log >&2; exit 1; }
grep '^{"host"' demo.log >hosts.jsonl

grep -q '^\$ clearset crawl --allow-loopback' demo.log
grep -q '^\$ clearset dedup' demo.log
grep -q "^\\\$ clearset export --out $stem/export --key $stem/signing.key" demo.log
grep -q "^\\\$ clearset verify $stem/export" demo.log
"$bin" verify $stem/export --pubkey $stem/signing.key.pub >/dev/null 2>verify.log ||
  { echo "it_demo: the demo's export does not verify" >&2; cat verify.log >&2; exit 1; }

/usr/bin/python3 "$CLEARSET_SOURCE_DIR/tests/demo_scenarios.py" "$db" "$site" "$bin" "$stem/export" \
  "$CLEARSET_SOURCE_DIR/tests"

set +e
"$bin" "${catalog[@]}" demo >/dev/null 2>again.log
status=$?
set -e
[ "$status" -eq 2 ] || { echo "it_demo: second run on a used catalog exited $status, not 2" >&2; exit 1; }
grep -q 'already holds' again.log
echo "it_demo: every scenario of the sample web as designed, the cleared set exported and verified; a used catalog is refused"
