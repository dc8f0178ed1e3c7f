#!/usr/bin/env bash
# it_cli_options.sh - every command reads its options one way (cli/options.c):
# "--opt=value" works for every option of every command and for the global
# --catalog, with the same effect as "--opt value"; numeric options refuse
# negatives, junk and overflow with exit 2 and a message naming the option
# (`hash --max-pixels -1` used to wrap to 2^64-1 and turn the limit off).
# Runs a small site (tests/fixtures/cli/options.json) on 127.0.7.1 and .2.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
fixture_start cli/options.json 127.0.7.1 127.0.7.2
s1=${fixture_hosts[0]}
bin=$CLEARSET_BIN
images=$here/fixtures/crawler
fail() { echo "it_cli_options: $*" >&2; exit 1; }

# refused OPTION ARGS...: `clearset ARGS...` exits 2, prints nothing on stdout and names
# OPTION on stderr
refused() {
  local option=$1 status=0
  shift
  "$bin" "$@" >"$work/refused.out" 2>"$work/refused.err" || status=$?
  [ "$status" = 2 ] || fail "clearset $*: exit $status, not 2"
  [ ! -s "$work/refused.out" ] || fail "clearset $*: printed $(cat "$work/refused.out")"
  grep -q -- "$option" "$work/refused.err" || fail "clearset $*: message does not name $option: $(cat "$work/refused.err")"
}

# --- the global --catalog, both forms
"$bin" --catalog="$work/eq.db" status | jq -e --arg c "$work/eq.db" '.catalog == $c' >/dev/null ||
  fail "--catalog=PATH was not used"
"$bin" --catalog "$work/sp.db" status | jq -e --arg c "$work/sp.db" '.catalog == $c' >/dev/null ||
  fail "--catalog PATH was not used"
refused --catalog --catalog
refused --bogus --bogus status

# --- status: a flag given a value is refused; the flag itself works
"$bin" --catalog="$work/eq.db" status --text | grep -q '^catalog ' || fail "status --text"
refused --text --catalog="$work/eq.db" status --text=yes

# --- crawl: every option in its --opt=value form (each one accepted, the ones with a
# visible effect checked); --max-depth=1 keeps d2 out, --hosts=... lets s2's page in
printf 'http://%s/\n' "$s1" >"$work/seeds.txt"
"$bin" --catalog="$work/c.db" crawl --allow-loopback --seeds="$work/seeds.txt" \
  --hosts=127.0.7.2,,127.0.7.9 --max-depth=1 --max-pages-per-host=10 --max-images=0 \
  --max-outlinks=50 --max-attempts=2 --concurrency=2 --time-limit=120 --delay=0.05 \
  --max-crawl-delay=1.5 --timeout=20 --connect-timeout=5 --json-progress \
  --progress-interval=0.25 >"$work/crawl.json"
jq -s -e 'map(select(.event == "done"))[0] | .stopped_by == "frontier-empty" and .images == 3' \
  "$work/crawl.json" >/dev/null || fail "crawl with --opt=value: $(cat "$work/crawl.json")"
$check sql "$work/c.db" "SELECT count(*) FROM urls WHERE url LIKE '%/d2.html'" 0
$check sql "$work/c.db" "SELECT state FROM urls WHERE url LIKE '%/other.html'" done
# --max-images=1 stops the crawl, as --max-images 1 does
"$bin" --catalog="$work/m.db" crawl --allow-loopback --delay=0.05 --concurrency=1 \
  --max-images=1 "http://$s1/" >"$work/max.json"
jq -e '.stopped_by == "max-images"' "$work/max.json" >/dev/null || fail "--max-images=1: $(cat "$work/max.json")"
for option in --max-depth --max-pages-per-host --max-images --max-outlinks --max-attempts \
  --concurrency --time-limit --delay --max-crawl-delay --timeout --connect-timeout \
  --progress-interval; do
  refused "$option" --catalog="$work/x.db" crawl "$option=-1" "http://$s1/"
  refused "$option" --catalog="$work/x.db" crawl "$option" -1 "http://$s1/"
  refused "$option" --catalog="$work/x.db" crawl "$option=12abc" "http://$s1/"
  refused "$option" --catalog="$work/x.db" crawl "$option=99999999999999999999999" "http://$s1/"
  refused "$option" --catalog="$work/x.db" crawl "$option="
done
refused --delay --catalog="$work/x.db" crawl --delay nan "http://$s1/"
refused --delay --catalog="$work/x.db" crawl --delay=1e3 "http://$s1/"
refused --allow-loopback --catalog="$work/x.db" crawl --allow-loopback=1 "http://$s1/"
refused --seeds --catalog="$work/x.db" crawl "http://$s1/" --seeds
[ ! -e "$work/x.db" ] || fail "a refused crawl created its catalog"

# --- dedup: --max-pixels=300 refuses red.jpg (384 pixels) but not blue.png (120), on a copy
cp "$work/c.db" "$work/d.db" && cp -r "$work/c.blobs" "$work/d.blobs"
"$bin" --catalog="$work/d.db" dedup --max-pixels=300 >"$work/dedup-small.json" 2>/dev/null || true
jq -e '.failed >= 1 and .hashed >= 1' "$work/dedup-small.json" >/dev/null ||
  fail "dedup --max-pixels=300: $(cat "$work/dedup-small.json")"
"$bin" --catalog="$work/c.db" dedup --threshold=5 --min-quality=0 --jobs=1 \
  --max-pixels=1000000 >"$work/dedup.json"
jq -e '.threshold == 5 and .hashed == 3 and .failed == 0' "$work/dedup.json" >/dev/null ||
  fail "dedup with --opt=value: $(cat "$work/dedup.json")"
refused --threshold --catalog="$work/c.db" dedup --threshold=64
refused --min-quality --catalog="$work/c.db" dedup --min-quality=101
refused --jobs --catalog="$work/c.db" dedup --jobs=-1
refused --jobs --catalog="$work/c.db" dedup --jobs 0
refused --max-pixels --catalog="$work/c.db" dedup --max-pixels=-1
refused --max-pixels --catalog="$work/c.db" dedup --max-pixels 18446744073709551616

# --- clear and explain: --policy=NAME as --policy NAME
"$bin" --catalog="$work/c.db" clear --policy=open >"$work/clear.jsonl" 2>"$work/clear.err"
grep -q "under policy open" "$work/clear.err" || fail "clear --policy=open: $(cat "$work/clear.err")"
jq -s -e 'length == 3 and all(.policy == "open")' "$work/clear.jsonl" >/dev/null ||
  fail "clear --policy=open: $(cat "$work/clear.jsonl")"
id=$(jq -s '.[0].image_id' "$work/clear.jsonl")
"$bin" --catalog="$work/c.db" explain --policy=research "$id" --json >"$work/explain.json"
jq -e '.policy == "research"' "$work/explain.json" >/dev/null || fail "explain --policy=research"
"$bin" --catalog="$work/c.db" explain "$id" --policy open | grep -q "under policy open" ||
  fail "explain --policy open"
refused --json --catalog="$work/c.db" explain "$id" --json=1
refused --policy --catalog="$work/c.db" explain "$id" --policy

# --- hash: --max-pixels=N and --max-pixels N are the limit; -1 no longer turns it off
"$bin" hash --max-pixels=1000 "$images/red.jpg" | jq -e '.width == 24' >/dev/null || fail "hash --max-pixels=1000"
status=0
"$bin" hash --max-pixels=100 "$images/red.jpg" >"$work/hash.json" 2>/dev/null || status=$?
[ "$status" = 2 ] && jq -e '.error | test("limit")' "$work/hash.json" >/dev/null ||
  fail "hash --max-pixels=100 did not refuse a 384-pixel image: $(cat "$work/hash.json")"
status=0
"$bin" hash --max-pixels 100 "$images/red.jpg" >/dev/null 2>&1 || status=$?
[ "$status" = 2 ] || fail "hash --max-pixels 100 did not refuse a 384-pixel image"
"$bin" hash --dihedral --exact -- "$images/red.jpg" | jq -e '.pdq_dihedral | length == 8' >/dev/null ||
  fail "hash --dihedral --exact"
refused --max-pixels hash --max-pixels -1 "$images/bomb-60000.jpg"
refused --max-pixels hash --max-pixels=-1 "$images/bomb-60000.jpg"
refused --max-pixels hash --max-pixels=18446744073709551615 "$images/bomb-60000.jpg"
refused --max-pixels hash --max-pixels=99999999999999999999999 "$images/bomb-60000.jpg"
refused --max-pixels hash --max-pixels=0x10 "$images/red.jpg"
refused --max-pixels hash --max-pixels=" 5" "$images/red.jpg"
refused --exact hash --exact=1 "$images/red.jpg"

# --- license: no options, but "--" and unknown ones are read the same way
"$bin" license -- "$here/fixtures/license/jpeg-none.jpg" | jq -e '.license == null' >/dev/null ||
  fail "license -- FILE"
refused --json license --json "$here/fixtures/license/jpeg-none.jpg"

# --- signals: --delay=, --timeout=
"$bin" signals --allow-loopback --delay=0 --timeout=10 "http://$s1/" >"$work/signals.json"
jq -e '.opted_out == false and .status == 200' "$work/signals.json" >/dev/null ||
  fail "signals with --opt=value: $(cat "$work/signals.json")"
refused --delay signals --allow-loopback --delay=-1 "http://$s1/"
refused --timeout signals --allow-loopback --timeout=abc "http://$s1/"
refused --timeout signals --allow-loopback --timeout 1e3 "http://$s1/"
refused --allow-loopback signals --allow-loopback=yes "http://$s1/"

# --- demo: --site=, --log=, --delay=, --policy= (with --list, which stops after listing)
"$bin" --catalog="$work/demo.db" demo --list --site="$CLEARSET_SOURCE_DIR/demo/site" \
  --log="$work/demo.log" --delay=0.1 --policy=open >"$work/demo.jsonl"
jq -s -e 'length >= 1 and all(has("origin"))' "$work/demo.jsonl" >/dev/null || fail "demo --list --site=DIR"
"$bin" --catalog="$work/demo.db" demo --list --site="$work/nowhere" >/dev/null 2>"$work/demo.err" &&
  fail "demo --site=DIR was not read"
grep -q nowhere "$work/demo.err" || fail "demo --site=DIR was not read: $(cat "$work/demo.err")"
refused --delay --catalog="$work/demo.db" demo --delay=-0.2
refused --list --catalog="$work/demo.db" demo --list=1

# --- robots check: --explain, and an unknown option
printf 'User-agent: *\nDisallow: /private\n' >"$work/robots.txt"
"$bin" robots check --explain "$work/robots.txt" clearsetbot "http://a.example/private/x" \
  >/dev/null 2>"$work/robots.err" || true
grep -q "line 2" "$work/robots.err" || fail "robots check --explain: $(cat "$work/robots.err")"
refused --explain robots check --explain=1 "$work/robots.txt" clearsetbot "http://a.example/"
refused --bogus robots check --bogus "$work/robots.txt" clearsetbot "http://a.example/"

echo "it_cli_options: every command reads --opt=value and refuses bad numbers"
