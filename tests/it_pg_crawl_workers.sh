#!/usr/bin/env bash
# it_pg_crawl_workers.sh - four `crawl --worker` processes share one PostgreSQL catalog
# over 50 loopback hosts, each given a quarter of the seeds, and every host's pages link
# to two pages of two other hosts (in both orders, so workers record the same new URLs
# at once); one worker is SIGKILLed halfway. Judged from the fixture server's own log and
# the catalog: no URL was requested twice except those in flight at the kill (a policy
# file at most once more), no host saw two requests closer than the delay (so never two
# workers at once), each surviving worker did part of the work, a plain crawl was kept
# out while they ran, and the crawl still completed: every page and image of every host
# done, no lease left behind.
# With CLEARSET_TEST_CATALOG=sqlite (it_crawl_workers.sh) the same runs on a SQLite file.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
if [ "${CLEARSET_TEST_CATALOG:-}" = sqlite ]; then
  db=$work/c.db
else
  . "$CLEARSET_SOURCE_DIR/tests/support/postgres.sh"
  pg_start
  db=$pg_url
fi

hosts=50 delay=0.2
cp "$here/fixtures/crawler/plasma.jpg" "$here/fixtures/crawler/red.jpg" \
  "$here/fixtures/crawler/third.jpg" "$work/"
cat >"$work/site.json" <<'JSON'
{
 "routes": [
  {"path": "/robots.txt", "content_type": "text/plain", "body": "User-agent: *\nAllow: /\n"},
  {"path": "/", "content_type": "text/html",
   "body": "<a href='/p1.html'>1</a><a href='/p2.html'>2</a><a href='/p3.html'>3</a>"},
  {"path": "/p1.html", "content_type": "text/html", "body": "<img src='/i1.jpg'><a href='/p2.html'>2</a>"},
  {"path": "/p2.html", "content_type": "text/html",
   "body": "<img src='/i2.jpg'><a href='/p3.html'>3</a><a href='{{origin:127.0.20.1}}/p2.html'>x</a><a href='{{origin:127.0.20.2}}/p3.html'>y</a>"},
  {"path": "/p3.html", "content_type": "text/html",
   "body": "<img src='/i3.jpg'><a href='/'>home</a><a href='{{origin:127.0.20.2}}/p3.html'>y</a><a href='{{origin:127.0.20.1}}/p2.html'>x</a>"},
  {"path": "/i1.jpg", "content_type": "image/jpeg", "body_file": "plasma.jpg"},
  {"path": "/i2.jpg", "content_type": "image/jpeg", "body_file": "red.jpg"},
  {"path": "/i3.jpg", "content_type": "image/jpeg", "body_file": "third.jpg"}
 ]
}
JSON
addresses=()
for i in $(seq $hosts); do addresses+=("127.0.20.$i"); done
fixture_start "$work/site.json" "${addresses[@]}"

# worker w gets the seeds of hosts w, w+4, w+8, ...; every worker gets host 1's too
pids=()
for w in 0 1 2 3; do
  seeds=("http://${fixture_hosts[0]}/")
  for ((i = w; i < hosts; i += 4)); do seeds+=("http://${fixture_hosts[$i]}/"); done
  "$CLEARSET_BIN" --catalog "$db" --blobs "$work/blobs" crawl --worker "${seeds[@]}" \
    --allow-loopback --delay $delay --lease 1 --concurrency 6 >"$work/worker$w.json" \
    2>"$work/worker$w.err" &
  pids+=($!)
done

# halfway (a page and an image of every host make 8 requests of 10), kill worker 1
total=$((hosts * 10))
for _ in $(seq 600); do
  [ "$(wc -l <"$work/log.jsonl")" -ge $((total / 2)) ] && break
  sleep 0.05
done
# meanwhile a plain crawl (it would take every in-flight URL for its own) is kept out
set +e
"$CLEARSET_BIN" --catalog "$db" --blobs "$work/blobs" crawl --allow-loopback >/dev/null \
  2>"$work/plain.err"
plain=$?
set -e
[ $plain -eq 3 ] && grep -q "another crawl is running" "$work/plain.err" ||
  { echo "a plain crawl beside the workers exited $plain:"; cat "$work/plain.err"; exit 1; }
kill -KILL "${pids[1]}"
wait "${pids[1]}" 2>/dev/null || true
at_kill=$(wc -l <"$work/log.jsonl")
$check rows "$db" "SELECT url FROM urls WHERE state = 'in_flight'" >"$work/in_flight"
echo "worker 1 killed after $at_kill of about $total requests, $(wc -l <"$work/in_flight") in flight"
[ "$at_kill" -lt "$total" ] || { echo "the crawl had ended before the kill"; exit 1; }

for w in 0 2 3; do
  wait "${pids[$w]}" || { echo "worker $w failed:"; cat "$work/worker$w.err"; exit 1; }
  requests=$(jq -r .requests "$work/worker$w.json")
  echo "worker $w: $requests requests"
  [ "$requests" -gt 0 ] || { echo "worker $w did nothing"; exit 1; }
done

$check duplicates "$work/log.jsonl" 0 "$work/in_flight"
for address in "${addresses[@]}"; do
  $check saw "$work/log.jsonl" "$address" /robots.txt / /p1.html /p2.html /p3.html /i1.jpg \
    /i2.jpg /i3.jpg >/dev/null
  $check spacing "$work/log.jsonl" "$address" $delay >/dev/null
done
$check sql "$db" "SELECT count(*) FROM urls WHERE kind = 'page' AND state = 'done'" \
  $((hosts * 4))
$check sql "$db" "SELECT count(*) FROM urls WHERE kind = 'image' AND state = 'done'" \
  $((hosts * 3))
$check sql "$db" "SELECT count(*) FROM urls WHERE state NOT IN ('done')" 0
$check sql "$db" "SELECT count(*) FROM hosts WHERE lease_owner IS NOT NULL" 0
echo "ok: $(wc -l <"$work/log.jsonl") requests in all"
