#!/usr/bin/env bash
# it_pg_conflict.sh - `crawl --worker` on PostgreSQL survives the transient conflicts the
# server ends a transaction with, instead of exiting: PostgreSQL itself raises them, from
# a trigger the test plants on the fetches table (every response's recording inserts one
# row there), whenever a test sequence's next value is a multiple of K. Sequences are not
# rolled back, so the recording run again draws another value and goes through.
#   1. deadlock_detected (40P01), raised by the INSERT itself, every 3rd fetch, and by
#      every 5th URL marked in_flight (a dispatch turn's write); lock_not_available
#      (55P03) on every 5th lease taken, renewed or given up;
#   2. serialization_failure (40001), raised at COMMIT (a deferred constraint trigger),
#      every 4th fetch, and also when the hosts row of the host that serves only images
#      is first added (so the response that found it is rolled back with its new host,
#      whose id the worker must then not use).
# Each time two workers crawl six loopback hosts whose pages link to each other's (and
# to an image on a seventh). Both
# must exit 0 and report conflicts_retried > 0; every URL is done with exactly one fetch
# row; the fixture server's own log shows no URL asked twice and no host asked sooner
# than the delay (so a retried response changed nothing it should not have: no politeness
# counted twice, no frontier id that the rollback took away).
#   3. every fetch conflicts: the worker gives up after 5 attempts, exit 3, with a message
#      naming the conflict, and does not hang.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
. "$CLEARSET_SOURCE_DIR/tests/support/postgres.sh"
pg_start
db=$pg_url

hosts=6 delay=0.1
cp "$here/fixtures/crawler/plasma.jpg" "$here/fixtures/crawler/red.jpg" "$work/"
cat >"$work/site.json" <<'JSON'
{
 "routes": [
  {"path": "/robots.txt", "content_type": "text/plain", "body": "User-agent: *\nAllow: /\n"},
  {"path": "/", "content_type": "text/html",
   "body": "<a href='/p1.html'>1</a><a href='/p2.html'>2</a><img src='/i1.jpg'><img src='{{origin:127.0.41.7}}/i1.jpg'>"},
  {"path": "/p1.html", "content_type": "text/html",
   "body": "<img src='/i1.jpg'><img src='/i2.jpg'><a href='{{origin:127.0.41.1}}/p1.html'>x</a><a href='{{origin:127.0.41.2}}/p2.html'>y</a>"},
  {"path": "/p2.html", "content_type": "text/html",
   "body": "<img src='/i2.jpg'><a href='{{origin:127.0.41.2}}/p2.html'>y</a><a href='{{origin:127.0.41.1}}/p1.html'>x</a>"},
  {"path": "/i1.jpg", "content_type": "image/jpeg", "body_file": "plasma.jpg"},
  {"path": "/i2.jpg", "content_type": "image/jpeg", "body_file": "red.jpg"}
 ]
}
JSON
addresses=()
for i in $(seq $hosts); do addresses+=("127.0.41.$i"); done
fixture_start "$work/site.json" "${addresses[@]}" 127.0.41.7 # 7: no seed, one image

# the schema, so the trigger has a table to go on (an empty worker run migrates and ends)
"$CLEARSET_BIN" --catalog "$db" --blobs "$work/blobs" crawl --worker >/dev/null

# plant NAME ERRCODE CONDITION TRIGGER: a trigger function NAME that raises ERRCODE
# when CONDITION holds (NAME_seq is a sequence of its own to count with), made a trigger
# by "CREATE TRIGGER", so TRIGGER says when and on what ("... EXECUTE FUNCTION NAME()")
plant() {
  local name=$1 errcode=$2 condition=$3 trigger=$4
  pg_sql "CREATE SEQUENCE ${name}_seq;
    CREATE FUNCTION $name() RETURNS trigger LANGUAGE plpgsql AS \$\$
    BEGIN
      IF $condition THEN
        RAISE EXCEPTION USING ERRCODE = '$errcode', MESSAGE = '$errcode planted by the test';
      END IF;
      RETURN NEW;
    END \$\$;
    CREATE $trigger"
}

# Empties the catalog's crawl tables between the runs (the schema and the trigger stay).
reset() {
  pg_sql "SET client_min_messages = warning; TRUNCATE hosts, urls, fetches, pages, images CASCADE"
  : >"$work/log.jsonl"
}

# crawl_twice: two workers, each given half the hosts as seeds; both must exit 0
crawl_twice() {
  local pids=() w
  for w in 0 1; do
    local seeds=()
    for ((i = w; i < hosts; i += 2)); do seeds+=("http://${fixture_hosts[$i]}/"); done
    timeout 60 "$CLEARSET_BIN" --catalog "$db" --blobs "$work/blobs" crawl --worker \
      "${seeds[@]}" --allow-loopback --delay $delay --lease 2 --concurrency 4 \
      >"$work/worker$w.json" 2>"$work/worker$w.err" &
    pids+=($!)
  done
  for w in 0 1; do
    wait "${pids[$w]}" || { echo "worker $w failed:"; cat "$work/worker$w.err"; exit 1; }
  done
}

# judge LABEL: the crawl is complete, once each, polite, and conflicts were retried
judge() {
  local label=$1 retried
  retried=$(($(jq -r .conflicts_retried "$work/worker0.json") +
    $(jq -r .conflicts_retried "$work/worker1.json")))
  local planted
  planted=$(pg_sql "SELECT last_value FROM planted_seq")
  echo "$label: $retried conflicts retried, $planted fetch rows tried," \
    "$(wc -l <"$work/log.jsonl") requests"
  [ "$retried" -gt 0 ] || { echo "$label: no conflict was retried"; exit 1; }
  : >"$work/none"
  $check duplicates "$work/log.jsonl" 0 "$work/none"
  for address in "${addresses[@]}"; do
    $check saw "$work/log.jsonl" "$address" /robots.txt / /p1.html /p2.html /i1.jpg /i2.jpg \
      >/dev/null
    $check spacing "$work/log.jsonl" "$address" $delay >/dev/null
  done
  $check sql "$db" "SELECT count(*) FROM urls WHERE kind = 'page' AND state = 'done'" \
    $((hosts * 3))
  $check saw "$work/log.jsonl" 127.0.41.7 /robots.txt /i1.jpg >/dev/null
  $check spacing "$work/log.jsonl" 127.0.41.7 $delay >/dev/null
  $check sql "$db" "SELECT count(*) FROM urls WHERE kind = 'image' AND state = 'done'" \
    $((hosts * 2 + 1))
  $check sql "$db" "SELECT count(*) FROM urls WHERE state != 'done'" 0
  # one fetch row per URL, one per request the server saw: nothing recorded twice or lost
  $check sql "$db" "SELECT count(*) FROM (SELECT url_id FROM fetches GROUP BY url_id
    HAVING count(*) != 1) AS twice" 0
  $check sql "$db" "SELECT count(*) FROM urls u WHERE NOT EXISTS
    (SELECT 1 FROM fetches f WHERE f.url_id = u.id)" 0
  $check sql "$db" "SELECT count(*) FROM fetches" "$(wc -l <"$work/log.jsonl")"
  $check sql "$db" "SELECT count(*) FROM hosts WHERE lease_owner IS NOT NULL OR parked != 0" 0
}

# 1. a deadlock, raised by the INSERT itself, every 3rd fetch row; a dispatch turn's
#    in_flight mark and a lease change failing too
plant planted deadlock_detected "nextval('planted_seq') % 3 = 0" \
  "TRIGGER planted BEFORE INSERT ON fetches FOR EACH ROW EXECUTE FUNCTION planted()"
plant planted_lease lock_not_available "(NEW.lease_owner IS DISTINCT FROM OLD.lease_owner OR
    NEW.lease_expires_at IS DISTINCT FROM OLD.lease_expires_at) AND
    nextval('planted_lease_seq') % 5 = 0" \
  "TRIGGER planted_lease BEFORE UPDATE ON hosts FOR EACH ROW EXECUTE FUNCTION planted_lease()"
plant planted_turn deadlock_detected \
  "NEW.state = 'in_flight' AND nextval('planted_turn_seq') % 5 = 0" \
  "TRIGGER planted_turn BEFORE UPDATE ON urls FOR EACH ROW EXECUTE FUNCTION planted_turn()"
crawl_twice
judge deadlock
leases=$(pg_sql "SELECT last_value FROM planted_lease_seq")
marks=$(pg_sql "SELECT last_value FROM planted_turn_seq")
echo "deadlock: $leases lease changes and $marks in_flight marks tried"
[ "$leases" -ge 5 ] || { echo "too few lease changes to have met a conflict"; exit 1; }
[ "$marks" -ge 5 ] || { echo "too few in_flight marks to have met a conflict"; exit 1; }
# each URL's one request counted once: a turn written again adds no attempt
$check sql "$db" "SELECT count(*) FROM urls WHERE kind IN ('page', 'image') AND attempts != 1" 0
pg_sql "DROP TRIGGER planted_lease ON hosts; DROP TRIGGER planted_turn ON urls"

# 2. a serialization failure at COMMIT, every 4th fetch row, and for the first hosts row
#    of the host that serves only an image
reset
pg_sql "DROP TRIGGER planted ON fetches; DROP FUNCTION planted(); DROP SEQUENCE planted_seq"
plant planted serialization_failure "nextval('planted_seq') % 4 = 0" \
  "CONSTRAINT TRIGGER planted AFTER INSERT ON fetches DEFERRABLE INITIALLY DEFERRED
   FOR EACH ROW EXECUTE FUNCTION planted()"
plant planted_host serialization_failure \
  "NEW.origin LIKE '%//127.0.41.7:%' AND nextval('planted_host_seq') = 1" \
  "CONSTRAINT TRIGGER planted_host AFTER INSERT ON hosts DEFERRABLE INITIALLY DEFERRED
   FOR EACH ROW EXECUTE FUNCTION planted_host()"
crawl_twice
judge serialization
# the image host's row was added twice: by the response rolled back, then by its retry
$check sql "$db" "SELECT last_value FROM planted_host_seq" 2
pg_sql "DROP TRIGGER planted_host ON hosts"

# 3. every fetch row conflicts: the first response's recording gives up after 5 attempts
reset
pg_sql "DROP TRIGGER planted ON fetches; DROP FUNCTION planted(); DROP SEQUENCE planted_seq"
plant planted deadlock_detected "nextval('planted_seq') > 0" \
  "TRIGGER planted BEFORE INSERT ON fetches FOR EACH ROW EXECUTE FUNCTION planted()"
set +e
timeout 30 "$CLEARSET_BIN" --catalog "$db" --blobs "$work/blobs" crawl --worker \
  "http://${fixture_hosts[0]}/" --allow-loopback --delay $delay >"$work/gave_up.json" \
  2>"$work/gave_up.err"
status=$?
set -e
cat "$work/gave_up.err"
[ $status -eq 3 ] || { echo "a worker whose every recording conflicts exited $status"; exit 1; }
grep -q "deadlock_detected planted by the test" "$work/gave_up.err" &&
  grep -q "a conflict with another writer 5 times in a row" "$work/gave_up.err" ||
  { echo "the message does not name the conflict"; exit 1; }
$check sql "$db" "SELECT last_value FROM planted_seq" 5
$check sql "$db" "SELECT count(*) FROM fetches" 0
echo "ok"
