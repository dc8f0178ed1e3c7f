#!/usr/bin/env bash
# it_crawl_limits.sh - scope and limits: pages stay on the seeds' hosts unless --hosts
# names another; --max-depth, --max-images, --max-pages-per-host and --time-limit stop
# where they say and leave the rest for the next run; --seeds reads a file;
# --json-progress prints progress lines on stderr; bad options are usage errors.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
fixture_start crawler/limits.json 127.0.4.51 127.0.4.52
s1=${fixture_hosts[0]}; s2=${fixture_hosts[1]}
run() { "$CLEARSET_BIN" --catalog "$work/$1.db" crawl --allow-loopback --delay 0.05 "${@:2}"; }

# same host only, depth 2: d3 is too deep, s2's page out of scope (and s2 never asked)
printf '# seeds\nhttp://%s/\n\n' "$s1" > "$work/seeds.txt"
run depth --seeds "$work/seeds.txt" --max-depth 2 > /dev/null
$check sql "$work/depth.db" "SELECT count(*) FROM urls WHERE url LIKE '%/d3.html' OR url LIKE '%/other.html'" 0
$check sql "$work/depth.db" "SELECT state FROM urls WHERE url LIKE '%/d2.html'" done
$check never "$work/log.jsonl" 127.0.4.52 /robots.txt /other.html

# --hosts lets s2's pages in; its image comes too
run hosts "http://$s1/" --hosts 127.0.4.52 > /dev/null
$check sql "$work/hosts.db" "SELECT state FROM urls WHERE url = 'http://$s2/other.html'" done
$check sql "$work/hosts.db" "SELECT state FROM urls WHERE url = 'http://$s2/o.jpg'" done

# --max-images 2 stops early; a second run without the limit finishes the job
run images "http://$s1/" --max-images 2 --concurrency 1 > "$work/images.json"
jq -e '.stopped_by == "max-images" and .images >= 2' "$work/images.json" > /dev/null
run images "http://$s1/" > /dev/null
$check sql "$work/images.db" "SELECT count(*) FROM images" 4

# --max-pages-per-host 2: the rest is skipped, with the reason
run pages "http://$s1/" --max-pages-per-host 2 > /dev/null
$check sql "$work/pages.db" "SELECT count(*) FROM urls WHERE kind = 'page' AND state = 'done'" 2
$check sql "$work/pages.db" "SELECT DISTINCT last_error FROM urls WHERE state = 'skipped'" "--max-pages-per-host 2 reached"

# --time-limit with a slow delay stops with work queued; the next run completes it
"$CLEARSET_BIN" --catalog "$work/time.db" crawl --allow-loopback --delay 1 "http://$s1/" \
  --time-limit 1.5 --json-progress --progress-interval 0.3 > "$work/time.json" 2> "$work/time.err"
grep '^{' "$work/time.err" | jq -s -e 'map(select(.progress == "crawl" and .final == false)) | length >= 2' > /dev/null
grep '^{' "$work/time.err" | jq -s -e 'last | .final and .queued > 0 and .done < .total' > /dev/null
jq -s -e 'map(select(.event == "done"))[0] | .stopped_by == "time-limit" and .queued > 0' \
  "$work/time.json" > /dev/null
run time > "$work/time2.json"   # no seeds: resumes the frontier
jq -e '.stopped_by == "frontier-empty" and .queued == 0' "$work/time2.json" > /dev/null
$check sql "$work/time.db" "SELECT count(*) FROM urls WHERE state NOT IN ('done')" 0

# usage errors exit 2; --help exits 0
set +e
"$CLEARSET_BIN" --catalog "$work/x.db" crawl --delay banana http://$s1/ 2>/dev/null; [ $? = 2 ] || exit 1
"$CLEARSET_BIN" --catalog "$work/x.db" crawl "ftp://$s1/" 2>/dev/null; [ $? = 2 ] || exit 1
set -e
"$CLEARSET_BIN" crawl --help | grep -q -- "--max-pages-per-host"
echo ok
