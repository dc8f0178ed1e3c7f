#!/usr/bin/env bash
# it_pg_migrate.sh - `clearset migrate --from demo.db --to postgresql://...` copies the
# demo's whole catalog into an empty PostgreSQL database: the same rows under the same
# ids in every table, the same status, explanation, export and report read from either,
# the blob files untouched (the copy reads them where they are); new rows get fresh ids
# after the copied ones; a second migrate into the now full database is refused (exit 2).
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/postgres.sh"
bin=${CLEARSET_BIN:?}
check="/usr/bin/python3 $CLEARSET_SOURCE_DIR/tests/crawl_check.py"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pg_start
cd "$work"

# the sample web alone under strict (no training set): the catalog the checks below know
"$bin" --catalog demo.db demo --sample-web-only --policy strict --workdir w --delay 0.05 \
  >/dev/null 2>demo.log ||
  { echo "it_pg_migrate: the demo failed" >&2; cat demo.log >&2; exit 1; }
blobs_before=$(find demo.blobs -type f | sort | xargs sha256sum)

"$bin" migrate --from demo.db --to "$pg_url" >migrate.jsonl
[ "$(jq -s length migrate.jsonl)" -eq 20 ] # 19 tables, then the summary
jq -e -s '.[-1].blobs == "demo.blobs"' migrate.jsonl >/dev/null
[ "$(find demo.blobs -type f | sort | xargs sha256sum)" = "$blobs_before" ] ||
  { echo "it_pg_migrate: the blob files changed" >&2; exit 1; }

# the same rows under the same ids, table by table (a sample of columns of each)
same() {
  $check rows demo.db "$1" >sqlite.rows
  $check rows "$pg_url" "$1" >pg.rows
  [ -s sqlite.rows ] || { echo "it_pg_migrate: no rows for: $1" >&2; exit 1; }
  diff sqlite.rows pg.rows >/dev/null ||
    { echo "it_pg_migrate: differs: $1" >&2; diff sqlite.rows pg.rows | head >&2; exit 1; }
}
same "SELECT id, origin, robots_status, next_fetch_at, crawl_delay_ms FROM hosts ORDER BY id"
same "SELECT id, url, host_id, kind, state, depth, referrer_id, attempts FROM urls ORDER BY id"
same "SELECT id, url_id, http_status, content_type, body_bytes FROM fetches ORDER BY id"
same "SELECT id, url_id, fetch_id, title FROM pages ORDER BY id"
same "SELECT id, sha256, blob_path, byte_size, width, height FROM images ORDER BY id"
same "SELECT url_id, image_id, fetch_id FROM image_urls ORDER BY url_id, image_id"
same "SELECT id, page_id, image_url_id, image_id, license_url FROM sightings ORDER BY id"
same "SELECT id, image_id, field, raw_value, license_spdx FROM rights_evidence ORDER BY id"
same "SELECT id, scope, kind, raw_value, effect FROM optout_signals ORDER BY id"
same "SELECT image_id, pdq, pdq_quality, phash FROM hashes ORDER BY image_id"
same "SELECT image_id, keypoints, length(data) FROM local_features ORDER BY image_id"
same "SELECT cluster_id, image_id, distance FROM cluster_members ORDER BY 1, 2"
same "SELECT id, image_id, policy, verdict, license_spdx, reasons FROM verdicts ORDER BY id"
same "SELECT image_id, protocol FROM image_checks ORDER BY 1, 2"

# what the commands read is the same from either catalog
"$bin" --catalog demo.db status | jq -S 'del(.catalog)' >sqlite.status
"$bin" --catalog "$pg_url" --blobs demo.blobs status | jq -S 'del(.catalog)' >pg.status
diff sqlite.status pg.status
"$bin" --catalog demo.db explain 4 >sqlite.explain
"$bin" --catalog "$pg_url" --blobs demo.blobs explain 4 >pg.explain
diff sqlite.explain pg.explain
"$bin" --catalog "$pg_url" --blobs demo.blobs export --out pg.export --policy strict >/dev/null
"$bin" --catalog demo.db export --out sqlite.export --policy strict >/dev/null
diff sqlite.export/metadata.jsonl pg.export/metadata.jsonl
# as many images as the demo itself exported from its catalog (demo.export beside demo.db)
[ -s demo.export/metadata.jsonl ] && [ "$(wc -l <pg.export/metadata.jsonl)" -eq "$(wc -l <demo.export/metadata.jsonl)" ]
# the report's page is the same from either, but for the catalog's name
"$bin" --catalog demo.db report --out sqlite.html >/dev/null 2>&1
"$bin" --catalog "$pg_url" --blobs demo.blobs report --out pg.html >/dev/null 2>&1
unnamed() { sed 's|<dt>catalog</dt><dd>[^<]*</dd>||' "$1"; }
diff <(unnamed sqlite.html) <(unnamed pg.html) >/dev/null ||
  { echo "it_pg_migrate: the report differs" >&2; diff <(unnamed sqlite.html) <(unnamed pg.html) | cut -c1-200 | head >&2; exit 1; }
grep -q 'class="tile cleared"' pg.html

# the copy goes on where the original would: new rows after the copied ids
images=$($check rows demo.db "SELECT max(id) FROM images")
"$bin" --catalog "$pg_url" --blobs demo.blobs protect "$CLEARSET_SOURCE_DIR/tests/fixtures/crawler/blue.png" >protect.json
[ "$(jq .id protect.json)" -eq $((images + 1)) ]

set +e
"$bin" migrate --from demo.db --to "$pg_url" >/dev/null 2>again.log
status=$?
set -e
[ "$status" -eq 2 ] || { echo "it_pg_migrate: migrate into a full catalog exited $status" >&2; exit 1; }
grep -q 'empty catalog only' again.log
echo "it_pg_migrate: every table copied with its ids; status, explain, export agree"
