#!/usr/bin/env bash
# it_pg_conflict_parked.sh - a host one `crawl --worker` parked is crawled by the next
# worker run: parking lasts one crawl (the hosts table says so), as for a plain crawl.
# Run 1, without --allow-loopback, is refused the loopback host's robots.txt and parks
# the host (stored parked, its page still queued) and ends, as nothing else is left.
# Run 2, allowed to connect, must crawl the host: robots.txt, the page and its image,
# each once, and leave nothing parked or queued. Before, the lease search never took a
# parked host again, so run 2 ended at once having fetched nothing.
# On PostgreSQL and on a SQLite file (the same lease functions serve both).
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
. "$CLEARSET_SOURCE_DIR/tests/support/postgres.sh"
pg_start

cp "$here/fixtures/crawler/red.jpg" "$work/"
cat >"$work/site.json" <<'JSON'
{
 "routes": [
  {"path": "/robots.txt", "content_type": "text/plain", "body": "User-agent: *\nAllow: /\n"},
  {"path": "/", "content_type": "text/html", "body": "<img src='/i.jpg'>"},
  {"path": "/i.jpg", "content_type": "image/jpeg", "body_file": "red.jpg"}
 ]
}
JSON
fixture_start "$work/site.json" 127.0.41.20
seed="http://${fixture_hosts[0]}/"

for db in "$pg_url" "$work/c.db"; do
  : >"$work/log.jsonl"
  "$CLEARSET_BIN" --catalog "$db" --blobs "$work/blobs" crawl --worker "$seed" --delay 0.05 \
    >"$work/run1.json" 2>"$work/run1.err" || { cat "$work/run1.err"; exit 1; }
  [ "$(jq -r .refused "$work/run1.json")" -ge 1 ] ||
    { echo "$db: run 1 was not refused:"; cat "$work/run1.json"; exit 1; }
  $check sql "$db" "SELECT count(*) FROM hosts WHERE parked != 0" 1
  $check sql "$db" "SELECT state FROM urls WHERE kind = 'page'" queued
  [ ! -s "$work/log.jsonl" ] || { echo "$db: run 1 reached the server"; exit 1; }

  timeout 60 "$CLEARSET_BIN" --catalog "$db" --blobs "$work/blobs" crawl --worker \
    --allow-loopback --delay 0.05 >"$work/run2.json" 2>"$work/run2.err" ||
    { cat "$work/run2.err"; exit 1; }
  : >"$work/none"
  $check duplicates "$work/log.jsonl" 0 "$work/none"
  $check saw "$work/log.jsonl" 127.0.41.20 /robots.txt / /i.jpg >/dev/null
  $check sql "$db" "SELECT count(*) FROM hosts WHERE parked != 0" 0
  $check sql "$db" "SELECT kind || ' ' || state FROM urls WHERE kind IN ('page', 'image')
    ORDER BY kind" "image done
page done"
  echo "$db: run 2 made $(jq -r .requests "$work/run2.json") requests"
done
echo ok
