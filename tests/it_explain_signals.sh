#!/usr/bin/env bash
# it_explain_signals.sh - how `clear` and `explain` word the opt-out signals of one image
# (issue 16), over a loopback crawl of one host:
#   - its robots.txt says Content-Signal: ai-train=no, and the image is shown on two pages,
#     so the crawl records that one statement three times (for each page and for the image):
#     the stored verdict has one reason for it, carrying every signal row, and explain says it
#     once as a reason and once as a signal;
#   - TDMRep: page a.html answers with a tdm-reservation: 1 header and has a
#     tdm-reservation meta, and the host has a tdmrep.json reservation; the image carries its
#     own XMP tdm:reservation (ExifTool's fixture). The header gives way to the page's meta
#     and tdmrep.json to the image's own statement: explain names what superseded each,
#     and never says such a reservation "does not opt out".
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
fail() { echo "it_explain_signals: $*" >&2; exit 1; }
cp "$here/fixtures/license/jpeg-tdm-reservation.jpg" "$work/tdm.jpg"

cat >"$work/site.json" <<'JSON'
{"hosts": {"127.0.9.31": "shop"},
 "routes": [
  {"host": "shop", "path": "/robots.txt", "content_type": "text/plain",
   "body": "User-Agent: *\nContent-Signal: search=yes, ai-train=no\nAllow: /\n"},
  {"host": "shop", "path": "/.well-known/tdmrep.json", "content_type": "application/json",
   "body": "[{\"location\": \"/*\", \"tdm-reservation\": 1}]"},
  {"host": "shop", "path": "/", "content_type": "text/html",
   "body": "<html><body><a href='/a.html'>a</a> <a href='/b.html'>b</a></body></html>"},
  {"host": "shop", "path": "/a.html", "content_type": "text/html",
   "headers": {"tdm-reservation": "1"},
   "body": "<html><head><meta name='tdm-reservation' content='1'></head><body><img src='/x/tdm.jpg' alt='one'></body></html>"},
  {"host": "shop", "path": "/b.html", "content_type": "text/html",
   "body": "<html><body><img src='/x/tdm.jpg' alt='two'></body></html>"},
  {"host": "shop", "path": "/x/tdm.jpg", "content_type": "image/jpeg", "body_file": "tdm.jpg"}
 ]}
JSON
fixture_start "$work/site.json" 127.0.9.31
u=${fixture_hosts[0]}
cd "$work"
"$CLEARSET_BIN" --catalog c.db crawl "http://$u/" --allow-loopback --delay 0.05 >crawl.json \
  2>crawl.err || fail "crawl failed: $(cat crawl.err)"
"$CLEARSET_BIN" --catalog c.db clear >clear.jsonl 2>clear.err || fail "clear: $(cat clear.err)"

# stored: one reason for it, naming the rows of both pages and of the image
jq -e -s 'length == 1 and .[0].verdict == "blocked" and
  ([.[0].reasons[] | select(.rule == "optout" and (.detail | test("content-signal")))] |
   length == 1 and (.[0].signals | length) == 3)' clear.jsonl >/dev/null ||
  fail "stored reasons: $(cat clear.jsonl)"

"$CLEARSET_BIN" --catalog c.db explain "http://$u/x/tdm.jpg" >explain.txt ||
  fail "explain failed"
n=$(grep -c '^Because \[optout\]: opt-out content-signal' explain.txt || true)
[ "$n" -eq 1 ] || fail "explain gives the Content-Signal reason $n times: $(cat explain.txt)"
n=$(grep -c '^Signal .*content-signal "search=yes, ai-train=no"' explain.txt || true)
[ "$n" -eq 1 ] || fail "explain lists the Content-Signal $n times: $(cat explain.txt)"
# every reason once
[ "$(grep '^Because' explain.txt | sort | uniq -d | wc -l)" -eq 0 ] ||
  fail "explain repeats a reason: $(grep '^Because' explain.txt | sort | uniq -d)"

# TDMRep: what superseded the page header and tdmrep.json, named
grep -q "^Signal .*tdm-header \"1\" at http://$u/a.html (opt-out): superseded by a more specific TDMRep statement, tdm-meta \"1\" at http://$u/a.html (signal #[0-9]*), which opts this image out" explain.txt ||
  fail "the page's header is not said to give way to its meta: $(grep tdm explain.txt)"
grep -q "^Signal .*tdmrep-json \"1\" .*superseded by a more specific TDMRep statement, tdm-embedded \"1\" at http://$u/x/tdm.jpg (signal #[0-9]*), which opts this image out" explain.txt ||
  fail "tdmrep.json is not said to give way to the image's XMP: $(grep tdm explain.txt)"
! grep -q "does not opt out" explain.txt || fail "a reservation reads as permission: $(grep 'does not opt out' explain.txt)"
"$CLEARSET_BIN" --catalog c.db explain "http://$u/x/tdm.jpg" --json >explain.json
jq -e '[.signals[] | select(.kind == "tdmrep-json" and (.applies | not))] | length == 2 and
  all(.verdict == "overridden" and (.outcome | test("superseded")))' explain.json >/dev/null ||
  fail "explain --json: $(jq -c .signals explain.json)"
echo "it_explain_signals: one reason per statement, superseded TDMRep named"
