#!/usr/bin/env bash
# it_signals_redirect.sh - `clearset signals URL` follows redirects of the URL itself.
# Host a (127.0.6.61) redirects to host b (127.0.6.62), whose robots.txt disallows
# /private/ and whose image says X-Robots-Tag: noai; a's own redirect headers count;
# a loop, a sixth hop, an ftp: target and a private address end the chain (exit 3)
# with the reason, without requesting more than the chain allows. Only 127.x is contacted.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
fixture_start crawler/signals_redirect.json 127.0.6.61 127.0.6.62
a=${fixture_hosts[0]}; b=${fixture_hosts[1]}

# signals NAME PATH EXPECTED_EXIT [WRAPPER...]: runs clearset signals on a's PATH into NAME.json
signals() {
  local name=$1 path=$2 want=$3 rc
  shift 3
  set +e
  "$@" "$CLEARSET_BIN" signals "http://$a$path" --allow-loopback --delay 0.1 > "$work/$name.json"
  rc=$?
  set -e
  [ "$rc" = "$want" ] || { echo "$name: exit $rc, expected $want"; cat "$work/$name.json"; exit 1; }
}
expect() { # expect NAME JQ_FILTER
  jq -e "$2" "$work/$1.json" >/dev/null || { echo "$1: expected $2"; jq . "$work/$1.json"; exit 1; }
}
log_lines() { wc -l < "$work/log.jsonl"; }

# a redirect to b's image that b's robots.txt disallows: b's robots.txt first, the image never
signals private /to-private-on-b 1
expect private ".robots_txt.allowed == false and .status == null and .final_url == \"http://$b/private/photo.jpg\""
expect private ".redirects == [{\"url\": \"http://$a/to-private-on-b\", \"status\": 301, \"location\": \"http://$b/private/photo.jpg\"}]"
expect private ".url == \"http://$a/to-private-on-b\" and .robots_txt.status == 200 and .redirect_error == false"
$check first "$work/log.jsonl" 127.0.6.62 /robots.txt
$check never "$work/log.jsonl" 127.0.6.62 /private/photo.jpg

# a redirect to b's image that says X-Robots-Tag: noai: opted out where b said it, b's
# policy files before the image (each run asks anew), --delay apart on b
skip=$(log_lines)
signals noai /to-noai-on-b 1
expect noai ".opted_out == true and .status == 200 and .final_url == \"http://$b/img/noai.jpg\""
expect noai "[.signals[] | select(.kind == \"robots-directive\" and .value == \"noai\" and .verdict == \"opts-out\") | .where] == [\"http://$b/img/noai.jpg\"]"
expect noai '.tdmrep_status == 404 and .ai_txt_status == 404 and (.redirects | length) == 1'
/usr/bin/python3 - "$work/log.jsonl" "$skip" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]):]
b = [r["target"] for r in rows if r["host"] == "127.0.6.62"]
want = ["/robots.txt", "/.well-known/tdmrep.json", "/ai.txt", "/img/noai.jpg"]
if b != want:
    sys.exit("host b saw %s, expected %s" % (b, want))
PY
$check spacing "$work/log.jsonl" 127.0.6.62 0.1 "$skip"

# the redirecting server's own header counts, judged for its own URL: b's page permits
# TDM in a meta element, which outranks headers only within one resource
signals reserved /reserved-redirect 1
expect reserved "[.signals[] | select(.kind == \"tdm-reservation\" and .verdict == \"opts-out\") | .where] == [\"http://$a/reserved-redirect\"]"
expect reserved "[.signals[] | select(.kind == \"tdm-reservation\" and .source == \"meta\") | .verdict] == [\"permits\"]"
expect reserved ".final_url == \"http://$b/page.html\" and .status == 200 and .opted_out == true"

# a plain redirect to a plain image: followed, nothing says no, exit 0
signals plain /to-plain-on-b 0
expect plain ".opted_out == false and .status == 200 and .redirects[0].status == 308 and .final_url == \"http://$b/img/plain.jpg\""

# a loop: reported, exit 3, each URL asked once
skip=$(log_lines)
signals loop /loop1 3
expect loop ".redirect_error == true and (.error | test(\"loop\")) and .location == \"http://$a/loop1\""
expect loop ".final_url == \"http://$a/loop2\" and .status == 303 and (.redirects | length) == 1"
[ "$(tail -n +$((skip + 1)) "$work/log.jsonl" | jq -r '.target' | grep -c '^/loop')" = 2 ] ||
  { echo "loop: not exactly two requests"; tail -n +$((skip + 1)) "$work/log.jsonl"; exit 1; }

# five hops are followed, a sixth is not (and its target never requested)
signals five /hop2 0
expect five '(.redirects | length) == 5 and .status == 200 and .redirect_error == false'
skip=$(log_lines)
signals six /hop1 3
expect six "(.redirects | length) == 5 and .final_url == \"http://$a/hop6\" and .location == \"http://$a/hop7\""
expect six '.redirect_error == true and (.error | test("more than 5 redirects"))'
[ "$(tail -n +$((skip + 1)) "$work/log.jsonl" | jq -r '.target' | grep -c '^/hop7$')" = 0 ] ||
  { echo "six: /hop7 was requested"; exit 1; }

# only http and https
signals ftp /to-ftp 3
expect ftp '.redirect_error == true and (.error | test("only http and https")) and (.redirects | length) == 0'

# a private address outside loopback: refused before any connection
signals ten /to-ten 3
expect ten '.redirect_error == true and (.error | test("refused")) and .final_url == "http://10.0.0.1/x.jpg"'
expect ten '.status == null and .robots_txt.status == null'
# ... and strace shows no connect() to it, where ptrace is permitted (LeakSanitizer
# cannot run under ptrace, so the sanitizer build skips only its leak check there)
if strace -f -qq -e trace=connect -o "$work/probe.trace" true 2>/dev/null; then
  signals ten-traced /to-ten 3 env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -qq -e trace=connect -o "$work/ten.trace"
  if grep -q '10\.0\.0\.1' "$work/ten.trace"; then echo "ten: connected to 10.0.0.1"; exit 1; fi
  grep -q '127\.0\.6\.61' "$work/ten.trace" || { echo "ten: strace saw no connect at all"; exit 1; }
else
  echo "strace cannot trace here; checked the refusal only"
fi

"$CLEARSET_BIN" signals --help | grep -q "up to 5 hops"
echo ok
