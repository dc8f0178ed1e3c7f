#!/usr/bin/env bash
# it_progress.sh - progress of the five long-running commands (crawl, dedup, export,
# train, audit), shown by cli/progress.c.
# The same pipeline runs twice over a loopback crawl of a page with three CC0
# images (tests/fixtures/cli/progress.json), in a/ with --json-progress and in b/ without it (stderr a file,
# no terminal). Checks for each command: with the flag every stderr line that starts
# with '{' is a JSON object for this command with "unit", "done", "total",
# "elapsed_s" and "final"; done never decreases and never passes total; lines
# before the final one come at least 0.25 s apart (the rate limit); exactly
# one line is final, the last, and its figures are the command's result (crawl: the
# summary's requests and images; dedup: hashed and clusters; export: the images
# written; train: step == --steps, or the step a --time-limit stopped at; audit: the
# images checked and the risky ones);
# stdout is the same as without the flag (figures that are clock readings aside);
# without the flag stderr holds no progress at all (no '{' line, no '\r'). Then on a
# terminal (script -qec gives the command one): each command draws its bar
# "\rCOMMAND [###...] done/total" ending at the result; with --json-progress on a
# terminal JSON lines and no bar; on a terminal 50 columns wide the bar's lines fit. Bad use: --json-progress=1 is refused.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
py=/usr/bin/python3
bin=$CLEARSET_BIN
fail() { echo "it_progress: $*" >&2; exit 1; }
command -v script >/dev/null || { echo "SKIPPED: script (util-linux) is missing"; exit 77; }
fixture_start cli/progress.json 127.0.16.1
g=${fixture_hosts[0]}
mkdir "$work/a" "$work/b" "$work/protected"
cp "$here/fixtures/crawler/red.jpg" "$work/protected/"

# check_progress FILE COMMAND: the progress lines of FILE (a command's stderr) keep
# the format's promises; prints the final line.
check_progress() {
  $py - "$1" "$2" <<'PY'
import json, sys
path, command = sys.argv[1], sys.argv[2]
lines = [l for l in open(path, encoding="utf-8").read().split("\n") if l.startswith("{")]
def bad(why):
    sys.exit(f"{command} progress: {why}:\n" + open(path, encoding="utf-8").read())
if not lines:
    bad("no progress line")
last_done = -1
for i, text in enumerate(lines):
    try:
        o = json.loads(text)
    except ValueError as e:
        bad(f"line {i + 1} is not JSON ({e})")
    if list(o)[:4] != ["progress", "unit", "done", "total"] or list(o)[-2:] != ["elapsed_s", "final"]:
        bad(f"line {i + 1} has the keys {list(o)}")
    if o["progress"] != command:
        bad(f"line {i + 1} is for {o['progress']}")
    if not all(isinstance(o[k], int) and o[k] >= 0 for k in ("done", "total")):
        bad(f"line {i + 1}: done and total are not counts")
    if o["done"] < last_done:
        bad(f"line {i + 1}: done went back from {last_done} to {o['done']}")
    if o["done"] > o["total"]:
        bad(f"line {i + 1}: done {o['done']} passes total {o['total']}")
    if not isinstance(o["elapsed_s"], (int, float)) or o["elapsed_s"] < 0:
        bad(f"line {i + 1}: elapsed_s {o['elapsed_s']}")
    if o["final"] is not (i == len(lines) - 1):
        bad(f"line {i + 1}: final is {o['final']}")
    # the rate limit: lines before the final one at least 0.25 s apart (6 digits shown)
    if i > 0 and not o["final"] and o["elapsed_s"] - last_elapsed < 0.25 - 1e-5:
        bad(f"line {i + 1} came {o['elapsed_s'] - last_elapsed:.3f} s after the one before")
    last_done, last_elapsed = o["done"], o["elapsed_s"]
print(lines[-1])
PY
}

# no_progress FILE: a stderr without the flag and without a terminal has no progress
no_progress() {
  if grep -q '^{' "$1" || grep -q $'\r' "$1"; then
    fail "progress without --json-progress and without a terminal in $1: $(cat -A "$1")"
  fi
}

# run DIR NAME ARGS...: the command in DIR, stdout to NAME.out, stderr to NAME.err;
# the exit status to NAME.rc
run() {
  local dir=$1 name=$2
  shift 2
  (cd "$work/$dir" && set +e && "$bin" --catalog c.db "$@" >"$name.out" 2>"$name.err"
   echo $? >"$name.rc")
}
rc_of() { cat "$work/$1/$2.rc"; }

# --- crawl: slow enough (a 0.25 s delay, five requests) for lines before the final
crawl=(crawl "http://$g/" --allow-loopback --delay 0.25 --progress-interval 0.25)
run a crawl "${crawl[@]}" --json-progress
run b crawl "${crawl[@]}"
[ "$(rc_of a crawl)" = 0 ] && [ "$(rc_of b crawl)" = 0 ] || fail "crawl failed: $(cat "$work"/[ab]/crawl.err)"
final=$(check_progress "$work/a/crawl.err" crawl)
no_progress "$work/b/crawl.err"
# seven requests 0.25 s apart: lines before the final one, so the rate limit was checked
[ "$(grep -c '"final":false' "$work/a/crawl.err")" -ge 2 ] ||
  fail "crawl showed fewer than two lines before its last: $(cat "$work/a/crawl.err")"
jq -e -n --argjson f "$final" --slurpfile s "$work/a/crawl.out" \
  '$f.unit == "requests" and $f.done == $s[0].requests and $f.images == $s[0].images and
   $f.images == 3 and $f.pages == $s[0].pages and $f.queued == 0 and $f.total == $f.done' \
  >/dev/null || fail "crawl's final line $final against its summary $(cat "$work/a/crawl.out")"
[ "$(jq -c 'del(.elapsed_s)' "$work/a/crawl.out")" = "$(jq -c 'del(.elapsed_s)' "$work/b/crawl.out")" ] ||
  fail "crawl's stdout differs with --json-progress: $(cat "$work/a/crawl.out" "$work/b/crawl.out")"
[ "$(wc -l <"$work/a/crawl.out")" = 1 ] || fail "crawl --json-progress wrote more than its summary on stdout"

# --- dedup
run a dedup dedup --json-progress
run b dedup dedup
final=$(check_progress "$work/a/dedup.err" dedup)
no_progress "$work/b/dedup.err"
cmp -s "$work/a/dedup.out" "$work/b/dedup.out" || fail "dedup's stdout differs with --json-progress"
jq -e -n --argjson f "$final" --slurpfile s "$work/a/dedup.out" \
  '$f.done == 3 and $f.total == 3 and $f.hashed == $s[0].hashed and $f.failed == $s[0].failed and
   $f.clusters == $s[0].near_clusters + $s[0].exact_clusters and $f.images == $s[0].images' \
  >/dev/null || fail "dedup's final line $final against $(cat "$work/a/dedup.out")"

# --- export (after clear: nothing to show there), signed with one key for train
for d in a b; do run $d clear clear --policy open; done
"$bin" keygen --out "$work/signer.key" >/dev/null
run a export export --out ds --policy open --key ../signer.key --json-progress
run b export export --out ds --policy open --key ../signer.key
[ "$(rc_of a export)" = 0 ] || fail "export failed: $(cat "$work/a/export.err")"
final=$(check_progress "$work/a/export.err" export)
no_progress "$work/b/export.err"
cmp -s "$work/a/export.out" "$work/b/export.out" || fail "export's stdout differs with --json-progress"
jq -e -n --argjson f "$final" --slurpfile s "$work/a/export.out" \
  '$f.done == $s[0].images and $f.total == $f.done and $f.images == 3 and $f.bytes == $s[0].bytes' \
  >/dev/null || fail "export's final line $final against $(cat "$work/a/export.out")"

# --- train: 80 steps of batch 2, long enough for lines before the final one (its
# losses have 6 significant digits)
train=(train --dataset ds --out m.ckpt --steps 80 --batch 2 --checkpoint-every 0 --threads 1)
run a train "${train[@]}" --json-progress
run b train "${train[@]}" --dataset ../a/ds # the same export: the crawls' times differ
[ "$(rc_of a train)" = 0 ] || fail "train failed: $(cat "$work/a/train.err")"
final=$(check_progress "$work/a/train.err" train)
no_progress "$work/b/train.err"
jq -e -n --argjson f "$final" --slurpfile s "$work/a/train.out" \
  '$f.unit == "steps" and $f.done == 80 and $f.total == 80 and $f.step == 80 and $f.steps == 80 and
   $s[0].step == 80 and ([$f.d_loss - $s[0].d_loss, $f.g_loss - $s[0].g_loss] |
   all(. < 1e-4 and . > -1e-4))' \
  >/dev/null || fail "train's final line $final against $(cat "$work/a/train.out")"
clock='del(.images_per_s, .train_seconds)'
[ "$(jq -c "$clock" "$work/a/train.out")" = "$(jq -c "$clock" "$work/b/train.out")" ] ||
  fail "train's stdout differs with --json-progress: $(cat "$work/a/train.out" "$work/b/train.out")"

# a run stopped by --time-limit ends with a final line too, short of its total
run a trainlimit train --dataset ds --out limit.ckpt --steps 1000000 --batch 2 --threads 1 \
  --checkpoint-every 0 --time-limit 0.6 --json-progress
[ "$(rc_of a trainlimit)" = 0 ] || fail "train --time-limit failed: $(cat "$work/a/trainlimit.err")"
final=$(check_progress "$work/a/trainlimit.err" train)
jq -e -n --argjson f "$final" --slurpfile s "$work/a/trainlimit.out" \
  '$s[0].timed_out and $f.done == $s[0].step and $f.total == 1000000 and $f.done < $f.total' \
  >/dev/null || fail "train --time-limit's final line $final against $(cat "$work/a/trainlimit.out")"

# --- audit: the exported images against a protected copy of one of them (exit 1)
run a audit audit ds/images --protected ../protected --report rep --json-progress
run b audit audit ds/images --protected ../protected --report rep
[ "$(rc_of a audit)" = 1 ] && [ "$(rc_of b audit)" = 1 ] || fail "audit: $(cat "$work"/[ab]/audit.err)"
final=$(check_progress "$work/a/audit.err" audit)
no_progress "$work/b/audit.err"
cmp -s "$work/a/audit.out" "$work/b/audit.out" || fail "audit's stdout differs with --json-progress"
jq -e -n --argjson f "$final" --slurpfile s "$work/a/audit.out" \
  '$f.done == 3 and $f.total == 3 and $f.checked == $s[0].images and
   $f.risky == $s[0].copy + $s[0].partial and $f.risky >= 1' \
  >/dev/null || fail "audit's final line $final against $(cat "$work/a/audit.out")"

# --- on a terminal: the bar, up to the result, and no JSON
mkdir "$work/t"
tty_run() { # NAME ARGS...: the command on a terminal in t/, everything it shows to NAME.tty
  local name=$1
  shift
  local line="${tty_setup:-true} && cd '$work/t' && '$bin' --catalog ${tty_catalog:-c.db}"
  for arg in "$@"; do line+=" '$arg'"; done
  script -qec "$line" /dev/null >"$work/t/$name.tty" </dev/null || true
}
bar_shown() { # NAME COMMAND DONE/TOTAL
  grep -qaE $'\r'"$2 \\[#+ *\\] $3" "$work/t/$1.tty" ||
    fail "no '$2' bar ending at $3 on a terminal: $(cat -A "$work/t/$1.tty")"
  ! grep -qa '{"progress"' "$work/t/$1.tty" || fail "$2 printed JSON progress without the flag"
}
tty_run crawl "${crawl[@]}"
bar_shown crawl crawl '([0-9]+)/\1 requests, 3 images'
tty_run dedup dedup
bar_shown dedup dedup '3/3 images hashed'
tty_run clear clear --policy open
tty_run export export --out ds --policy open --key ../signer.key
bar_shown export export 3/3
tty_run train "${train[@]}"
bar_shown train train '80/80 D'
tty_run audit audit ds/images --protected ../protected --report rep
bar_shown audit audit '3/3, [1-9][0-9]* risky'
# a narrow terminal: the bar and its text fit in 50 columns (a wrapped line cannot be
# redrawn in place)
tty_setup='stty cols 50' tty_catalog=narrow.db tty_run narrow "${crawl[@]}"
$py - "$work/t/narrow.tty" <<'PY' || fail "a bar wider than 50 columns: $(cat -A "$work/t/narrow.tty")"
import sys
shown = open(sys.argv[1], encoding="utf-8").read().replace("\033[K", "").replace("\n", "\r")
bars = [s for s in shown.split("\r") if s.startswith("crawl [")]
sys.exit(not bars or any(len(s) > 49 for s in bars))
PY
# the flag on a terminal: JSON lines, no bar
tty_run json export --out ds2 --policy open --json-progress
grep -qa '^{"progress":"export".*"final":true}' "$work/t/json.tty" || fail "no JSON on a terminal: $(cat -A "$work/t/json.tty")"
! grep -qa $'\rexport \\[' "$work/t/json.tty" || fail "a bar beside --json-progress"

# --- bad use
(cd "$work/b" && set +e; "$bin" --catalog c.db dedup --json-progress=1 2>bad.err; echo $? >bad.rc)
[ "$(cat "$work/b/bad.rc")" = 2 ] || fail "dedup --json-progress=1 was not refused: $(cat "$work/b/bad.err")"
for c in crawl dedup export train audit; do
  "$bin" "$c" --help | grep -q -- --json-progress || fail "$c --help does not name --json-progress"
done
echo "it_progress: JSON progress and bars of crawl, dedup, export, train and audit as expected"
