#!/usr/bin/env bash
# it_crawl_ends.sh - a crawl ends as soon as nothing is in flight and nothing is queued,
# not when its last host would next be due. One host, --delay 1.5, four requests
# (robots.txt, tdmrep.json, ai.txt, the page): the crawl must have exited less than one
# delay after the server answered the last request. Deterministic where it matters: a
# crawler that waits for the host to come due again sleeps a full delay after that answer
# before it can notice the empty queue, so it can never pass; a crawler that notices at
# once has the whole delay (1.5 s) for recording one response and exiting. The spacing is
# checked too: ending early must not make any request early.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
cat > "$work/site.json" <<'JSON'
{"routes": [
 {"path": "/robots.txt", "status": 404},
 {"path": "/", "content_type": "text/html", "body": "<p>nothing to follow</p>"}
]}
JSON
fixture_start "$work/site.json" 127.0.9.1
a=${fixture_hosts[0]}

"$CLEARSET_BIN" --catalog "$work/c.db" --blobs "$work/blobs" crawl "http://$a/" \
  --allow-loopback --delay 1.5 > "$work/out.json"
$check ended "$work/log.jsonl" 127.0.9.1 1.5
grep -q '"event":"done"' "$work/out.json"
$check only "$work/log.jsonl" 127.0.9.1 /robots.txt /.well-known/tdmrep.json /ai.txt /
$check spacing "$work/log.jsonl" 127.0.9.1 1.5
$check sql "$work/c.db" "SELECT state FROM urls WHERE url = 'http://$a/'" done
echo ok
