#!/usr/bin/env bash
# it_crawl_resume.sh - a crawl of three hosts killed with SIGKILL midway and started
# again ends with the same catalog as an uninterrupted crawl (same URLs in the same
# states, same images from the same URLs), the server saw no URL twice except those
# that were in flight at the kill, and no host saw two requests closer than the delay,
# across the kill too. With CLEARSET_TEST_CATALOG set (it_pg_crawl_resume.sh: a PostgreSQL
# URL) the killed and resumed crawl keeps its catalog there, and must agree with the
# uninterrupted one on SQLite.
# With CLEARSET_RESUME_DELAY=0 (it_crawl_resume_fast.sh) the crawl runs with politeness
# off, where answers are recorded after the host's next request has left, and every
# answer is 30 ms late so that the kill lands midway.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
delay=${CLEARSET_RESUME_DELAY:-0.1}
scenario=crawler/resume.json
if [ "$delay" = 0 ]; then
  scenario=$work/resume-slow.json
  jq --arg dir "$here/fixtures/crawler" '.routes |= map(. + {"delay_ms": 30}
      | if .body_file then .body_file = $dir + "/" + .body_file else . end)' \
    "$here/fixtures/crawler/resume.json" >"$scenario"
fi
fixture_start "$scenario" 127.0.4.31 127.0.4.32 127.0.4.33
seeds=$(printf 'http://%s/ ' "${fixture_hosts[@]}")
killed=${CLEARSET_TEST_CATALOG:-$work/killed.db}
crawl() { "$CLEARSET_BIN" --catalog "$1" crawl $seeds --allow-loopback --delay "$delay" --concurrency 3; }

crawl "$work/whole.db" > /dev/null
[ "$killed" = "$work/killed.db" ] || killed_blobs=(--blobs "$work/killed.blobs")
requests_whole=$(wc -l < "$work/log.jsonl")

# the same crawl, killed once it is well under way
skip=$(wc -l < "$work/log.jsonl")
"$CLEARSET_BIN" --catalog "$killed" ${killed_blobs[@]+"${killed_blobs[@]}"} crawl $seeds \
  --allow-loopback --delay "$delay" --concurrency 3 > /dev/null &
crawl_pid=$!   # clearset itself, not a subshell: SIGKILL must hit the crawler
for _ in $(seq 200); do
  [ $(( $(wc -l < "$work/log.jsonl") - skip )) -ge 20 ] && break
  sleep 0.02
done
kill -KILL $crawl_pid
wait $crawl_pid 2>/dev/null || true
done_at_kill=$($check rows "$killed" "SELECT count(*) FROM urls WHERE state = 'done'")
$check rows "$killed" "SELECT url FROM urls WHERE state = 'in_flight'" > "$work/in_flight"
echo "killed with $done_at_kill URLs done, $(wc -l < "$work/in_flight") in flight"
[ "$done_at_kill" -gt 0 ]

"$CLEARSET_BIN" --catalog "$killed" ${killed_blobs[@]+"${killed_blobs[@]}"} crawl $seeds \
  --allow-loopback --delay "$delay" --concurrency 3 > /dev/null
$check compare "$work/whole.db" "$killed"
$check duplicates "$work/log.jsonl" "$skip" "$work/in_flight"
# politeness holds across the kill: the resumed crawl waits out the killed one's delay
for host in 127.0.4.31 127.0.4.32 127.0.4.33; do
  $check spacing "$work/log.jsonl" $host "$delay" "$skip"
done
# the resumed crawl made about as many requests as the whole one: only repeats of in-flight ones
requests_killed=$(( $(wc -l < "$work/log.jsonl") - skip ))
echo "uninterrupted: $requests_whole requests; killed and resumed: $requests_killed"
echo ok
