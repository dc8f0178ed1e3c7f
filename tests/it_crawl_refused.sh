#!/usr/bin/env bash
# it_crawl_refused.sh - a seed whose address is refused (loopback without --allow-loopback)
# is an error the user sees: the summary counts it ("refused"), stderr says so, and nothing
# is sent. The refusal is not the site's answer, so it is not cached as the host's robots.txt
# state: a rerun with --allow-loopback crawls the host at once. `signals` reports it as
# "error": "address refused" (exit 3), not as a robots.txt that disallows everything. A seed
# that is no usable URL says why, once.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
fixture_start crawler/plain.json 127.0.7.31
h=${fixture_hosts[0]}
requests() { if [ -f "$work/log.jsonl" ]; then wc -l < "$work/log.jsonl"; else echo 0; fi; }

# without --allow-loopback: refused, reported, nothing sent
"$CLEARSET_BIN" --catalog "$work/c.db" crawl "http://$h/" --delay 0.05 \
  > "$work/first.json" 2> "$work/first.err"
jq -e '.event == "done" and .refused == 1 and .errors == 1 and .images == 0' "$work/first.json" \
  > /dev/null || { echo "first run:"; cat "$work/first.json"; exit 1; }
grep -q "refused" "$work/first.err" || { echo "nothing on stderr"; cat "$work/first.err"; exit 1; }
grep -q -- "--allow-loopback" "$work/first.err" || { echo "no hint"; cat "$work/first.err"; exit 1; }
grep -q "http://$h/robots.txt" "$work/first.err" || { echo "no URL"; cat "$work/first.err"; exit 1; }
[ "$(requests)" = 0 ] || { echo "the refused host was contacted"; exit 1; }
# no robots.txt state cached for the host, the seed still waits
$check sql "$work/c.db" "SELECT robots_status IS NULL, robots_expires_at IS NULL FROM hosts WHERE origin = 'http://$h'" "1|1"
$check sql "$work/c.db" "SELECT state FROM urls WHERE url = 'http://$h/'" queued

# the corrected rerun crawls the host now, not after a cache expires
"$CLEARSET_BIN" --catalog "$work/c.db" crawl --allow-loopback --delay 0.05 > "$work/second.json" \
  2> "$work/second.err"
jq -e '.refused == 0 and .errors == 0 and .images == 1 and .pages == 2' "$work/second.json" \
  > /dev/null || { echo "second run:"; cat "$work/second.json" "$work/second.err"; exit 1; }
[ ! -s "$work/second.err" ] || { echo "second run complained:"; cat "$work/second.err"; exit 1; }
$check first "$work/log.jsonl" 127.0.7.31 /robots.txt
$check saw "$work/log.jsonl" 127.0.7.31 / /a.html /red.jpg
$check sql "$work/c.db" "SELECT robots_status FROM hosts WHERE origin = 'http://$h'" 200

# a page of a host whose robots.txt is cached, refused when its request starts: counted,
# reported, and still queued for the next run that may connect (not failed for good)
before=$(requests)
"$CLEARSET_BIN" --catalog "$work/c.db" crawl "http://$h/b.html" --delay 0.05 > "$work/third.json" \
  2> "$work/third.err"
jq -e '.refused == 1 and .pages == 0' "$work/third.json" > /dev/null ||
  { echo "third run:"; cat "$work/third.json"; exit 1; }
grep -q "http://$h/b.html: address refused" "$work/third.err" ||
  { echo "third run: stderr"; cat "$work/third.err"; exit 1; }
[ "$(requests)" = "$before" ] || { echo "the refused page was requested"; exit 1; }
$check sql "$work/c.db" "SELECT state FROM urls WHERE url = 'http://$h/b.html'" queued
"$CLEARSET_BIN" --catalog "$work/c.db" crawl --allow-loopback --delay 0.05 > "$work/fourth.json"
jq -e '.refused == 0 and .pages == 1' "$work/fourth.json" > /dev/null ||
  { echo "fourth run:"; cat "$work/fourth.json"; exit 1; }
$check sql "$work/c.db" "SELECT state FROM urls WHERE url = 'http://$h/b.html'" done

# signals: an error, not a robots.txt answer
before=$(requests)
set +e
"$CLEARSET_BIN" signals "http://$h/a.html" --delay 0.05 > "$work/signals.json" 2> "$work/signals.err"
rc=$?
set -e
[ "$rc" = 3 ] || { echo "signals: exit $rc, expected 3"; cat "$work/signals.json"; exit 1; }
jq -e '.error == "address refused" and .robots_txt.status == null and .status == null' \
  "$work/signals.json" > /dev/null || { echo "signals:"; cat "$work/signals.json"; exit 1; }
grep -q "address refused" "$work/signals.err" || { echo "signals: stderr"; cat "$work/signals.err"; exit 1; }
[ "$(requests)" = "$before" ] || { echo "signals contacted the refused host"; exit 1; }
"$CLEARSET_BIN" signals "http://$h/a.html" --delay 0.05 --allow-loopback > "$work/allowed.json"
jq -e '.error == null and .status == 200 and .robots_txt.status == 200' "$work/allowed.json" \
  > /dev/null || { echo "signals allowed:"; cat "$work/allowed.json"; exit 1; }
# a seed refused for what it is, not where it points: exit 2 and the reason, written once
# (the message used to be formatted into itself, which printed garbage)
for seed in "ftp://example.org/x|URL scheme 'ftp' is not http or https" \
            "http://user:pw@example.org/x|URL with user information refused"; do
  set +e
  "$CLEARSET_BIN" --catalog "$work/bad.db" crawl "${seed%%|*}" > /dev/null 2> "$work/bad.err"
  rc=$?
  set -e
  [ "$rc" = 2 ] || { echo "bad seed ${seed%%|*}: exit $rc"; exit 1; }
  [ "$(cat "$work/bad.err")" = "clearset crawl: seed '${seed%%|*}': ${seed#*|}" ] ||
    { echo "bad seed message:"; cat -v "$work/bad.err"; exit 1; }
done
echo ok
