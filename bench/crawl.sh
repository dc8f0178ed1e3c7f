#!/usr/bin/env bash
# bench/crawl.sh - how fast the crawler is, how close a polite crawl comes to the fastest
# polite schedule, and how crawl --worker scales. `bench/run crawl [--workers 1,2,4]`.
#
# The site is served by clearset-fixture (demo/fixture_main.c) as a process of its own,
# started the way the integration tests start it (tests/support/fixture.sh), on many
# loopback addresses, each address one host with the same small site: a home page linking
# PAGES pages, each showing one JPEG (robots.txt answers 404). Every figure about what a
# host saw comes from that server's request log (bench/crawl_log.py).
#   1. politeness off (--delay 0, one request per host at a time, 100 hosts at once):
#      fetches per second of the whole `clearset crawl` process (robots.txt, tdmrep.json,
#      ai.txt, pages, images, every catalog write, process start included), against
#      bench_crawl, a bare libcurl multi fetch of exactly the URLs the crawl requested
#      (same server, same concurrency, one connection per host): the ceiling. Both are
#      timed as whole processes, nine times in turn, and the medians compared; the plain
#      fetch loop's own time is printed beside;
#      1b. the same again with every answer 20 ms late (a fast real server);
#   2. --delay 1 on a smaller site: elapsed against the theoretical minimum, (requests
#      to the busiest host - 1) x 1 s, robots.txt, tdmrep.json and ai.txt counted since
#      they wait for the delay like any request, and against that minimum plus the time
#      the server took answering (the delay counts from an answer's end); gaps under the
#      delay from the log;
#   3. Scrapy (Debian's python3-scrapy, installed with apt-get when missing; skipped when
#      that fails) over the same sites with the same concurrency (bench/crawl_scrapy.py):
#      fetches per second, and with DOWNLOAD_DELAY 1 its elapsed time, shortest gap to
#      one host and gaps under the delay;
#   4. with --workers LIST: a PostgreSQL server of the bench's own (tests/support/
#      postgres.sh) and 200 hosts; for each N in LIST, N `crawl --worker` processes into
#      a fresh database, against one plain crawl into a SQLite file in the same run:
#      politeness off at --concurrency 50 per process, then --delay 1 at --concurrency 25
#      per process; elapsed, ratios to one worker, gaps under the delay per host across
#      all workers.
# Figures and ratios only; nothing is asserted. Timings on a shared machine are noisy:
# compare the ratios, which come from runs side by side.
set -euo pipefail
build=${CLEARSET_BUILD:?run through bench/run crawl}
CLEARSET_SOURCE_DIR=$(cd "$(dirname "$0")/.." && pwd)
export CLEARSET_SOURCE_DIR CLEARSET_FIXTURE_BIN=$build/demo/clearset-fixture
clearset=$build/cli/clearset
ceiling=$build/bench/bench_crawl
logpy="/usr/bin/python3 $CLEARSET_SOURCE_DIR/bench/crawl_log.py"
scrapy_py="/usr/bin/python3 $CLEARSET_SOURCE_DIR/bench/crawl_scrapy.py"
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"

BIG_PAGES=9
SMALL_PAGES=3
HOSTS=100
WORKER_HOSTS=200

workers_list=
while [ $# -gt 0 ]; do
  case $1 in
    --workers) workers_list=${2:?--workers needs a list, e.g. 1,2,4}; shift 2 ;;
    *) echo "usage: bench/run crawl [--workers 1,2,4]" >&2; exit 2 ;;
  esac
done

# site_json PAGES: the scenario every host serves; every answer waits $LATENCY_MS first.
LATENCY_MS=0
site_json() {
  local pages=$1 i img d=""
  [ "$LATENCY_MS" -gt 0 ] && d=", \"delay_ms\": $LATENCY_MS"
  printf '{"routes": [{"path": "/robots.txt", "status": 404%s},\n' "$d"
  printf ' {"path": "/", "content_type": "text/html"%s, "body": "' "$d"
  for i in $(seq "$pages"); do printf "<a href='/p%d.html'>%d</a>" "$i" "$i"; done
  printf '"}'
  for i in $(seq "$pages"); do
    img=$([ $((i % 2)) = 1 ] && echo red.jpg || echo plasma.jpg)
    printf ',\n {"path": "/p%d.html", "content_type": "text/html"%s, "body": "<img src='"'"'/img/%d.jpg'"'"'><a href='"'"'/'"'"'>home</a>"}' "$i" "$d" "$i"
    printf ',\n {"path": "/img/%d.jpg", "content_type": "image/jpeg"%s, "body_file": "%s"}' \
      "$i" "$d" "$here/fixtures/crawler/$img"
  done
  [ -n "$d" ] && printf ',\n {"prefix": "/", "status": 404%s}' "$d"
  printf ']}\n'
}

# serve PAGES PREFIX COUNT: a fresh server (and log) for PREFIX.1 .. PREFIX.COUNT; sets seeds.
serve() {
  local pages=$1 prefix=$2 count=$3 i addresses=()
  if [ -n "$fixture_pid" ]; then
    kill "$fixture_pid" 2>/dev/null || true
    wait "$fixture_pid" 2>/dev/null || true
    fixture_pid=
  fi
  rm -f "$work/ready" "$work/log.jsonl"
  site_json "$pages" >"$work/site.json"
  for i in $(seq "$count"); do addresses+=("$prefix.$i"); done
  fixture_start "$work/site.json" "${addresses[@]}"
  seeds=()
  for i in "${fixture_hosts[@]}"; do seeds+=("http://$i/"); done
  printf '%s\n' "${seeds[@]}" >"$work/seeds.txt"
}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; } # rate COUNT SECONDS
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# crawl NAME CATALOG ARGS...: one plain crawl of $seeds, silent unless it fails.
crawl() {
  local name=$1 catalog=$2
  shift 2
  "$clearset" --catalog "$catalog" --blobs "$work/blobs-$name" crawl "${seeds[@]}" \
    --allow-loopback "$@" >"$work/$name.out" 2>"$work/$name.err" ||
    { echo "crawl $name failed:" >&2; cat "$work/$name.err" >&2; exit 1; }
}

# workers N NAME CATALOG ARGS...: N crawl --worker processes at once, every one given the seeds.
workers() {
  local n=$1 name=$2 catalog=$3 k pids=()
  shift 3
  for k in $(seq "$n"); do
    "$clearset" --catalog "$catalog" --blobs "$work/blobs-$name" crawl --worker "${seeds[@]}" \
      --allow-loopback "$@" >"$work/$name-$k.out" 2>"$work/$name-$k.err" &
    pids+=($!)
  done
  for k in "${!pids[@]}"; do
    wait "${pids[$k]}" ||
      { echo "worker $((k + 1)) of $name failed:" >&2; cat "$work/$name-$((k + 1)).err" >&2; exit 1; }
  done
}

# against_plain NAME: on the site served now, a politeness-off crawl, then the plain fetch
# of exactly the URLs it requested, ROUNDS times in turn (each crawl into a new catalog);
# the medians are kept, since one pair of runs on a shared machine varies by a third
# (nine rounds: with five, whole bench runs still ranged from 0.80 to 1.18). Each round's
# catalog and blobs are removed after it, untimed, so every crawl writes to the same disk.
# Both are timed the same way, as whole processes from the shell (start-up included);
# bench_crawl's own figure for its fetch loop alone is kept beside. Sets n_crawl,
# t_crawl, n_plain, t_plain, t_loop, and the CPU seconds each used (cpu_crawl, cpu_plain:
# user + system, from bash's time) and the fixture server's meanwhile (srv_crawl,
# srv_plain, from its /proc ticks): on two cores shared with the server, CPU is what
# separates the two when answers are instant.
ROUNDS=9
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] }'; }
server_ticks() { awk '{ print $14 + $15 }' "/proc/$fixture_pid/stat"; }
against_plain() {
  local t0 s0 round hz crawls=() plains=() loops=() cpus_c=() cpus_p=() srvs_c=() srvs_p=()
  local TIMEFORMAT='%3U %3S'
  hz=$(getconf CLK_TCK)
  for round in $(seq "$ROUNDS"); do
    : >"$work/log.jsonl"
    s0=$(server_ticks)
    t0=$(now)
    { time crawl "$1-$round" "$work/$1-$round.db" --delay 0 --concurrency "$HOSTS"; } 2>"$work/cpu"
    crawls+=("$(since "$t0")")
    srvs_c+=("$(awk -v a="$s0" -v b="$(server_ticks)" -v hz="$hz" 'BEGIN { print (b - a) / hz }')")
    cpus_c+=("$(awk '{ print $1 + $2 }' "$work/cpu")")
    n_crawl=$(field "$($logpy summary "$work/log.jsonl" 0)" requests)
    $logpy urls "$work/log.jsonl" >"$work/urls.txt"
    rm -rf "$work/$1-$round.db" "$work/$1-$round.db-wal" "$work/$1-$round.db-shm" \
      "$work/blobs-$1-$round"
    s0=$(server_ticks)
    t0=$(now)
    { time "$ceiling" "$work/urls.txt" "$HOSTS" >"$work/plain.out"; } 2>"$work/cpu"
    plains+=("$(since "$t0")")
    srvs_p+=("$(awk -v a="$s0" -v b="$(server_ticks)" -v hz="$hz" 'BEGIN { print (b - a) / hz }')")
    cpus_p+=("$(awk '{ print $1 + $2 }' "$work/cpu")")
    read -r n_plain t_loop <"$work/plain.out"
    loops+=("$t_loop")
  done
  t_crawl=$(printf '%s\n' "${crawls[@]}" | median)
  t_plain=$(printf '%s\n' "${plains[@]}" | median)
  t_loop=$(printf '%s\n' "${loops[@]}" | median)
  cpu_crawl=$(printf '%s\n' "${cpus_c[@]}" | median)
  cpu_plain=$(printf '%s\n' "${cpus_p[@]}" | median)
  srv_crawl=$(printf '%s\n' "${srvs_c[@]}" | median)
  srv_plain=$(printf '%s\n' "${srvs_p[@]}" | median)
}

have_scrapy() {
  /usr/bin/python3 -c 'import scrapy' 2>/dev/null && return 0
  echo "installing python3-scrapy (Debian) for the Scrapy baseline ..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-scrapy >"$work/apt.log" 2>&1 &&
    /usr/bin/python3 -c 'import scrapy' 2>/dev/null
}

# scrapy_run PAGES DELAY: Scrapy over a fresh server; sets t_scrapy and sum (the log's figures).
scrapy_run() {
  local t0
  serve "$1" 127.0.1 "$HOSTS"
  t0=$(now)
  $scrapy_py "$work/seeds.txt" "$HOSTS" "$2" 2>"$work/scrapy.err" ||
    { echo "scrapy failed:" >&2; cat "$work/scrapy.err" >&2; exit 1; }
  t_scrapy=$(since "$t0")
  sum=$($logpy summary "$work/log.jsonl" "$2")
}

# ---- 1. politeness off, against the plain fetch -------------------------------------------
serve "$BIG_PAGES" 127.0.1 "$HOSTS"
echo "hosts: $HOSTS on 127.0.1.1-127.0.1.$HOSTS (one clearset-fixture process)," \
  "$((BIG_PAGES + 1)) pages + $BIG_PAGES images each"
against_plain fast
crawl_rate=$(rate "$n_crawl" "$t_crawl")
plain_rate=$(rate "$n_plain" "$t_plain")
loop_rate=$(rate "$n_plain" "$t_loop")
echo "politeness off: clearset crawl, $n_crawl requests in $t_crawl s = $crawl_rate fetches/s (medians of $ROUNDS, in turn with the plain fetch)"
echo "plain parallel libcurl fetch of the same $n_plain URLs: $t_plain s = $plain_rate fetches/s" \
  "(its fetch loop alone: $t_loop s = $loop_rate fetches/s)"
echo "crawler / plain = $(ratio "$crawl_rate" "$plain_rate")   (target >= 0.9);" \
  "against the plain fetch loop alone: $(ratio "$crawl_rate" "$loop_rate")"
echo "  CPU (medians): clearset crawl $cpu_crawl s, plain fetch $cpu_plain s; the fixture" \
  "server's meanwhile: $srv_crawl s and $srv_plain s ($(nproc) cores in all)"

# ---- 1b. the same with a server that takes time to answer, as real ones do -----------------
# On loopback every answer is instant, so the crawl's own CPU per fetch (parsing, hashing,
# a dozen catalog statements) is all that separates it from the plain fetch. A real
# server's answer time hides most of that: the same comparison with every answer 20 ms late.
LATENCY_MS=20
serve "$BIG_PAGES" 127.0.1 "$HOSTS"
against_plain slow
echo "every answer 20 ms late: clearset crawl $n_crawl requests in $t_crawl s, plain fetch" \
  "$n_plain in $t_plain s: crawler / plain =" \
  "$(ratio "$(rate "$n_crawl" "$t_crawl")" "$(rate "$n_plain" "$t_plain")")"
LATENCY_MS=0

scrapy=0
if have_scrapy; then scrapy=1; else echo "Scrapy: python3-scrapy not available, baseline skipped"; fi
if [ $scrapy = 1 ]; then
  scrapy_run "$BIG_PAGES" 0
  n_scrapy=$(field "$sum" requests)
  scrapy_rate=$(rate "$n_scrapy" "$t_scrapy")
  echo "Scrapy $(/usr/bin/python3 -c 'import scrapy; print(scrapy.__version__)'), same site," \
    "CONCURRENT_REQUESTS $HOSTS, 1 per host, no delay: $n_scrapy requests in $t_scrapy s =" \
    "$scrapy_rate fetches/s; shortest gap to one host $(field "$sum" shortest_gap_ms) ms"
  echo "clearset / Scrapy = $(ratio "$crawl_rate" "$scrapy_rate")"
fi

# ---- 2. a polite crawl against the fastest polite schedule ---------------------------------
serve "$SMALL_PAGES" 127.0.1 "$HOSTS"
t0=$(now)
crawl polite "$work/polite.db" --delay 1 --concurrency "$HOSTS"
t_polite=$(since "$t0")
sum=$($logpy summary "$work/log.jsonl" 1)
busiest=$(field "$sum" busiest)
minimum=$((busiest - 1))
echo "delay 1 s, $((SMALL_PAGES + 1)) pages + $SMALL_PAGES images per host: clearset crawl," \
  "$(field "$sum" requests) requests over $(field "$sum" hosts) hosts in $t_polite s;" \
  "theoretical minimum $minimum s ($busiest requests to each host, robots.txt included, 1 s" \
  "apart); elapsed / minimum = $(ratio "$t_polite" "$minimum") (target <= 1.05)"
echo "  the delay counts from each answer's end, and this server took up to" \
  "$(field "$sum" min_polite_s) - $minimum s answering one host's requests:" \
  "minimum with answer times $(field "$sum" min_polite_s) s;" \
  "elapsed / that = $(ratio "$t_polite" "$(field "$sum" min_polite_s)"); first request to" \
  "last answer $(field "$sum" span_s) s"
echo "  shortest gap to one host $(field "$sum" shortest_gap_ms) ms; gaps under the delay:" \
  "$(field "$sum" under_delay) of $(field "$sum" gaps)"
if [ $scrapy = 1 ]; then
  scrapy_run "$SMALL_PAGES" 1
  echo "Scrapy, DOWNLOAD_DELAY 1 (randomised 0.5-1.5x, its default): $(field "$sum" requests)" \
    "requests in $t_scrapy s; shortest gap to one host $(field "$sum" shortest_gap_ms) ms;" \
    "gaps under the delay: $(field "$sum" under_delay) of $(field "$sum" gaps)"
fi

[ -z "$workers_list" ] && exit 0

# ---- 4. workers on PostgreSQL against one SQLite process ------------------------------------
. "$CLEARSET_SOURCE_DIR/tests/support/postgres.sh"
pg_start
serve "$SMALL_PAGES" 127.0.2 "$WORKER_HOSTS"
echo "workers: $WORKER_HOSTS hosts on 127.0.2.1-127.0.2.$WORKER_HOSTS, $((SMALL_PAGES + 1))" \
  "pages + $SMALL_PAGES images each; PostgreSQL on 127.0.0.1 (fsync off, as the tests run it)"
run=0
# one_run LABEL MODE CONCURRENCY DELAY: MODE sqlite or a worker count; sets $elapsed.
one_run() {
  local label=$1 mode=$2 concurrency=$3 delay=$4 t0 sum
  run=$((run + 1))
  serve "$SMALL_PAGES" 127.0.2 "$WORKER_HOSTS"
  t0=$(now)
  if [ "$mode" = sqlite ]; then
    crawl "r$run" "$work/r$run.db" --delay "$delay" --concurrency "$concurrency"
  else
    pg_sql "CREATE DATABASE r$run" >/dev/null
    workers "$mode" "r$run" "${pg_url%/*}/r$run" --delay "$delay" --concurrency "$concurrency"
  fi
  elapsed=$(since "$t0")
  sum=$($logpy summary "$work/log.jsonl" "$delay")
  echo "  $label: $(field "$sum" requests) requests in $elapsed s; gaps under the delay per" \
    "host: $(field "$sum" under_delay) of $(field "$sum" gaps) (shortest" \
    "$(field "$sum" shortest_gap_ms) ms)"
}
IFS=, read -r -a counts <<<"$workers_list"
for phase in "off 50 0" "polite 25 1"; do
  read -r name concurrency delay <<<"$phase"
  echo "$name: --delay $delay, --concurrency $concurrency per process"
  one_run "one plain crawl, SQLite file" sqlite "$concurrency" "$delay"
  t_sqlite=$elapsed
  t_first=
  for n in "${counts[@]}"; do
    one_run "$n worker(s), PostgreSQL" "$n" "$concurrency" "$delay"
    [ -z "$t_first" ] && t_first=$elapsed
    echo "    $n worker(s): $(ratio "$t_first" "$elapsed")x as fast as ${counts[0]} worker(s)," \
      "$(ratio "$t_sqlite" "$elapsed")x as fast as the SQLite process"
  done
done
