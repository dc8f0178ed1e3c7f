#!/usr/bin/env bash
# it_crawl_politeness.sh - the crawler is polite, judged from the fixture server's own
# request log: robots.txt comes first on every host, no host sees two requests closer
# than its delay (--delay 0.2, or robots.txt's Crawl-delay 0.5 where it is larger),
# 503 + Retry-After pauses the host, and disallowed or nofollow URLs (rel, meta or
# X-Robots-Tag) are never requested. Lower bounds only: the test never asserts that
# anything is fast. With CLEARSET_TEST_CATALOG set (it_pg_crawl_politeness.sh: a
# PostgreSQL URL) the crawl keeps its catalog there, blobs in the work directory.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
fixture_start crawler/politeness.json 127.0.4.1 127.0.4.2 127.0.4.3
a=${fixture_hosts[0]}; b=${fixture_hosts[1]}
db=${CLEARSET_TEST_CATALOG:-$work/c.db}

"$CLEARSET_BIN" --catalog "$db" --blobs "$work/blobs" crawl "http://$a/" "http://$b/" \
  --allow-loopback --delay 0.2 > "$work/out.json"
grep -q '"event":"done"' "$work/out.json"

for host in 127.0.4.1 127.0.4.2 127.0.4.3; do
  $check first "$work/log.jsonl" $host /robots.txt
done
$check spacing "$work/log.jsonl" 127.0.4.1 0.2
$check spacing "$work/log.jsonl" 127.0.4.3 0.2
$check spacing "$work/log.jsonl" 127.0.4.2 0.5   # Crawl-delay for clearsetbot
$check pause "$work/log.jsonl" 127.0.4.2 /b1.html 1.0
$check never "$work/log.jsonl" 127.0.4.1 /private/secret.html /nf.html
$check never "$work/log.jsonl" 127.0.4.2 /no/x.html /b3.html   # X-Robots-Tag: clearsetbot: nofollow
$check saw "$work/log.jsonl" 127.0.4.1 / /a1.html /a2.html /red.jpg /plasma.jpg
$check saw "$work/log.jsonl" 127.0.4.3 /blue.png /third.jpg
$check saw "$work/log.jsonl" 127.0.4.2 / /b1.html /b2.html

# the catalog agrees with the log
$check sql "$db" "SELECT count(*) FROM images" 4
$check sql "$db" "SELECT state FROM urls WHERE url LIKE '%/private/secret.html'" disallowed
$check sql "$db" "SELECT state, attempts FROM urls WHERE url LIKE '%/b1.html'" "done|2"
$check sql "$db" "SELECT count(*) FROM urls WHERE url LIKE '%/nf.html'" 0
$check sql "$db" "SELECT crawl_delay_ms FROM hosts WHERE origin = 'http://$b'" 500
# a second run finds nothing left to do and asks nobody anything
before=$(wc -l < "$work/log.jsonl")
"$CLEARSET_BIN" --catalog "$db" --blobs "$work/blobs" crawl "http://$a/" "http://$b/" \
  --allow-loopback --delay 0.2 > /dev/null
after=$(wc -l < "$work/log.jsonl")
[ "$before" = "$after" ] || { echo "second run made $((after - before)) requests"; exit 1; }
echo ok
