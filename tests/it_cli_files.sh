#!/usr/bin/env bash
# it_cli_files.sh - `hash` and `license` on FILEs that are not images: a FIFO
# and a directory are refused before they are opened for reading (opening a
# FIFO used to block forever: every call here is bounded by `timeout`, so a
# regression fails instead of hanging), a missing file and a non-image get
# {"file", "error"} lines in both commands, the other files are still
# examined, and the exit status is 2. A file name that is not UTF-8 is still
# named (its invalid bytes as '?') instead of losing its field or its line.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=${CLEARSET_BIN:?}
fixtures=${CLEARSET_SOURCE_DIR:?}/tests/fixtures
fail() { echo "it_cli_files: $*" >&2; exit 1; }

mkfifo "$work/fifo"
mkdir "$work/dir"
printf 'hello, not an image\n' >"$work/note.txt"
jpeg=$fixtures/license/jpeg-cc-by-sa-full.jpg

for command in hash license; do
  status=0
  timeout 20 "$bin" "$command" "$work/fifo" "$work/dir" "$work/missing.jpg" "$work/note.txt" \
    "$jpeg" >"$work/$command.jsonl" 2>"$work/$command.err" || status=$?
  [ "$status" = 124 ] && fail "$command blocked on a FIFO"
  [ "$status" = 2 ] || fail "$command: exit $status, not 2: $(cat "$work/$command.err")"
  [ "$(wc -l <"$work/$command.jsonl")" = 5 ] || fail "$command: not one line per file: $(cat "$work/$command.jsonl")"
  jq -s -e --arg w "$work" '
    (.[0] | .file == ($w + "/fifo") and (.error | test("FIFO.*not a regular file"))) and
    (.[1] | .file == ($w + "/dir") and (.error | test("directory.*not a regular file"))) and
    (.[2] | .file == ($w + "/missing.jpg") and (.error | test("No such file"))) and
    (.[3] | .file == ($w + "/note.txt") and (.error | test("not a JPEG, PNG or WebP"))) and
    (.[4] | has("error") | not)' "$work/$command.jsonl" >/dev/null ||
    fail "$command: wrong lines: $(cat "$work/$command.jsonl")"
  for name in fifo dir missing.jpg note.txt; do
    grep -q "$work/$name" "$work/$command.err" || fail "$command: nothing on stderr about $name"
  done
done
# the image's own line is whole: license keeps its licence, hash its hashes
jq -s -e '.[4].license.spdx == "CC-BY-SA-4.0"' "$work/license.jsonl" >/dev/null ||
  fail "license: the JPEG's licence is missing: $(sed -n 5p "$work/license.jsonl")"
jq -s -e '.[4].pdq | length == 64' "$work/hash.jsonl" >/dev/null ||
  fail "hash: the JPEG's hash is missing: $(sed -n 5p "$work/hash.jsonl")"
# a non-image license could read still says what it found (nothing), as before
jq -s -e '.[3] | .license == null and .ai_generated == false' "$work/license.jsonl" >/dev/null ||
  fail "license: the non-image's fields are gone: $(sed -n 4p "$work/license.jsonl")"

# A file name is bytes, not UTF-8: the lines still name it (invalid bytes as '?'), whole.
latin1=$work/$'caf\xe9'
cp "$jpeg" "$latin1.jpg"
for command in hash license; do
  status=0
  "$bin" "$command" "$latin1.jpg" "$latin1-missing.jpg" >"$work/$command-latin1.jsonl" \
    2>"$work/$command-latin1.err" || status=$?
  [ "$status" = 2 ] || fail "$command on latin-1 names: exit $status, not 2: $(cat "$work/$command-latin1.err")"
  jq -s -e --arg w "$work" '
    (.[0] | .file == ($w + "/caf?.jpg") and (has("error") | not)) and
    (.[1] | .file == ($w + "/caf?-missing.jpg") and (.error | test("No such file")))' \
    "$work/$command-latin1.jsonl" >/dev/null ||
    fail "$command: a latin-1 file name lost its line or its name: $(cat "$work/$command-latin1.jsonl")"
done

echo "it_cli_files: FIFOs, directories, missing files, non-images and non-UTF-8 names get their lines"
