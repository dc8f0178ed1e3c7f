#!/usr/bin/env bash
# it_crawl_robots.sh - robots.txt as RFC 9309 says, seen from the server's request log:
# 500 means nothing else on that host is requested (the host waits for a later run, when
# the cached answer has expired); 404 means everything is allowed;
# redirects are followed (up to five) and the target's rules apply; a redirect loop
# counts as "unavailable", i.e. allow all. A disallowed URL is never requested. A robots.txt
# that redirects to another host (alias -> central's shared file) applies the target's rules
# and the request counts toward the target host's politeness like its own requests.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
fixture_start crawler/robots.json 127.0.4.11 127.0.4.12 127.0.4.13 127.0.4.14 127.0.4.15 \
  127.0.4.16
seeds=$(printf 'http://%s/ ' "${fixture_hosts[@]}")

"$CLEARSET_BIN" --catalog "$work/c.db" crawl $seeds --allow-loopback --delay 0.1 > "$work/out.json"

$check only "$work/log.jsonl" 127.0.4.11 /robots.txt
$check sql "$work/c.db" "SELECT robots_status FROM hosts WHERE origin LIKE 'http://127.0.4.11:%'" 500
# unreachable is temporary (RFC 9309 2.3.1.4): the host is parked, its URLs stay queued
$check sql "$work/c.db" "SELECT u.state, h.parked FROM urls u JOIN hosts h ON h.id = u.host_id WHERE h.origin LIKE 'http://127.0.4.11:%' AND u.kind = 'page'" "queued|1"
# and a second run within the cache window asks the host nothing at all
"$CLEARSET_BIN" --catalog "$work/c.db" crawl --allow-loopback --delay 0.1 > /dev/null
$check only "$work/log.jsonl" 127.0.4.11 /robots.txt
$check sql "$work/c.db" "SELECT count(*) FROM fetches f JOIN urls u ON u.id = f.url_id WHERE u.url LIKE 'http://127.0.4.11:%/robots.txt'" 1

$check first "$work/log.jsonl" 127.0.4.12 /robots.txt
$check saw "$work/log.jsonl" 127.0.4.12 / /p.html /admin/q.html

$check first "$work/log.jsonl" 127.0.4.13 /robots.txt
$check saw "$work/log.jsonl" 127.0.4.13 /r1.txt /real-robots.txt / /y.html
$check never "$work/log.jsonl" 127.0.4.13 /x.html
$check sql "$work/c.db" "SELECT state FROM urls WHERE url LIKE '%/x.html'" disallowed

$check saw "$work/log.jsonl" 127.0.4.14 / /z.html
$check spacing "$work/log.jsonl" 127.0.4.14 0.1

$check saw "$work/log.jsonl" 127.0.4.15 /robots.txt /shared-robots.txt / /c1.html /c2.html
$check never "$work/log.jsonl" 127.0.4.15 /c-private.html
$check only "$work/log.jsonl" 127.0.4.16 /robots.txt /.well-known/tdmrep.json /ai.txt / /v.html
$check spacing "$work/log.jsonl" 127.0.4.15 0.1
$check sql "$work/c.db" "SELECT h.origin = 'http://${fixture_hosts[4]}' FROM urls u JOIN hosts h ON h.id = u.host_id WHERE u.url LIKE '%/shared-robots.txt'" 1
echo ok
