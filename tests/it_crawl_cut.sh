#!/usr/bin/env bash
# it_crawl_cut.sh - responses a server cuts off inside their headers, and a header too large:
# a robots.txt that stops after its status line is unreachable (RFC 9309 2.3.1.4: disallow
# all, nothing else requested), not an empty 200 (allow all); a tdmrep.json cut the same way
# is status 0; a page cut that way is a network error, retried and then failed, never stored
# as done with 0 bytes; a 1 MB header line is headers_too_large and not retried. The same
# robots.txt read by `clearset signals` is unreachable too.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
/usr/bin/python3 - "$work/cut.json" <<'PY'
import json, sys
cut_status = "HTTP/1.1 200 OK\r\n"
big = ("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Big: " + "a" * (1 << 20) +
       "\r\nContent-Length: 2\r\n\r\nhi")
routes = [
    {"host": "cut", "path": "/robots.txt", "raw": cut_status},
    {"host": "cut", "path": "/", "content_type": "text/html", "body": "<a href='/p.html'>p</a>"},
    {"host": "site", "path": "/robots.txt", "content_type": "text/plain",
     "body": "User-agent: *\nAllow: /\n"},
    {"host": "site", "path": "/.well-known/tdmrep.json",
     "raw": "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"},
    {"host": "site", "path": "/ai.txt", "status": 404},
    {"host": "site", "path": "/", "content_type": "text/html",
     "body": "<a href='/cut.html'>c</a> <a href='/big.html'>b</a> <a href='/ok.html'>o</a>"},
    {"host": "site", "path": "/cut.html", "raw": "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"},
    {"host": "site", "path": "/big.html", "raw": big},
    {"host": "site", "path": "/ok.html", "content_type": "text/html", "body": "<p>ok</p>"},
]
json.dump({"hosts": {"127.0.7.41": "cut", "127.0.7.42": "site"}, "routes": routes},
          open(sys.argv[1], "w"))
PY
fixture_start "$work/cut.json" 127.0.7.41 127.0.7.42
cut=${fixture_hosts[0]}; site=${fixture_hosts[1]}

"$CLEARSET_BIN" --catalog "$work/c.db" crawl "http://$cut/" "http://$site/" --allow-loopback \
  --delay 0.05 --max-attempts 2 > "$work/out.json"
jq -e '.event == "done"' "$work/out.json" > /dev/null

# the cut robots.txt: unreachable, so the host gets nothing else
$check only "$work/log.jsonl" 127.0.7.41 /robots.txt
$check sql "$work/c.db" "SELECT robots_status FROM hosts WHERE origin = 'http://$cut'" 0
$check sql "$work/c.db" "SELECT f.error_code, f.http_status IS NULL FROM fetches f JOIN urls u ON u.id = f.url_id WHERE u.url = 'http://$cut/robots.txt'" "incomplete_headers|1"
$check sql "$work/c.db" "SELECT state FROM urls WHERE url = 'http://$cut/'" queued

# the cut tdmrep.json: no answer, status 0 (not an empty 200)
$check sql "$work/c.db" "SELECT tdmrep_status, ai_txt_status FROM hosts WHERE origin = 'http://$site'" "0|404"

state() { # state PATH STATE ERROR_PREFIX FETCHES
  $check sql "$work/c.db" "SELECT u.state, substr(coalesce(u.last_error, ''), 1, length('$3')), (SELECT count(*) FROM fetches f WHERE f.url_id = u.id) FROM urls u WHERE u.url = 'http://$site$1'" "$2|$3|$4"
}
state /cut.html failed incomplete_headers 2 # a network error: retried, then given up
state /big.html failed headers_too_large 1  # a limit: not retried
state /ok.html done "" 1
$check sql "$work/c.db" "SELECT count(*) FROM pages p JOIN urls u ON u.id = p.url_id WHERE u.url LIKE '%/cut.html' OR u.url LIKE '%/big.html'" 0

# signals reads the cut robots.txt the same way: unreachable, disallow all (exit 1)
set +e
"$CLEARSET_BIN" signals "http://$cut/" --allow-loopback --delay 0.05 > "$work/signals.json"
rc=$?
set -e
[ "$rc" = 1 ] || { echo "signals: exit $rc, expected 1"; cat "$work/signals.json"; exit 1; }
jq -e '.robots_txt.status == 0 and .robots_txt.allowed == false and .status == null' \
  "$work/signals.json" > /dev/null || { echo "signals:"; cat "$work/signals.json"; exit 1; }
"$CLEARSET_BIN" signals "http://$site/ok.html" --allow-loopback --delay 0.05 > "$work/site.json"
jq -e '.tdmrep_status == 0 and .ai_txt_status == 404 and .status == 200' "$work/site.json" \
  > /dev/null || { echo "signals site:"; cat "$work/site.json"; exit 1; }
echo ok
