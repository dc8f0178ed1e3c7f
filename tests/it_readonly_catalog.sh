#!/usr/bin/env bash
# it_readonly_catalog.sh - `status` and `explain` read a catalog in a folder the user
# cannot write, create nothing there, and say the same as on a writable copy: a
# fixture gallery is crawled, deduplicated and cleared, the catalog is copied
# into a folder of root's, and the commands run as an unprivileged user (nobody,
# through setpriv; when the suite does not run as root, the folder is made
# read-only for its owner instead). Also: a catalog with a write-ahead log that a
# killed writer left is read with the log; one whose -shm is missing says why it
# cannot be read; an old schema that cannot be migrated there is refused clearly;
# a missing catalog reads as zeros and is not created.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
trap 'chmod -R u+w "$work"; fixture_stop' EXIT # the read-only folders must go too
py=/usr/bin/python3
chmod 755 "$work" # the unprivileged user must reach the folders below
bin="$work/clearset"
cp "$CLEARSET_BIN" "$bin" # the build tree may be out of that user's reach
chmod 755 "$bin"

if [ "$(id -u)" = 0 ]; then
  as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else
  as_user() { "$@"; }
fi
# a folder of read-only copies of the given files, unwritable for as_user
readonly_folder() {
  local dir=$1
  shift
  mkdir "$dir"
  cp "$@" "$dir/"
  chmod 644 "$dir"/*
  chmod 555 "$dir"
  if as_user touch "$dir/probe" 2>/dev/null; then
    echo "it_readonly_catalog: $dir is writable for the test user; the test would prove nothing" >&2
    exit 1
  fi
}
listing() { (cd "$1" && ls -A | sort | tr '\n' ' '); }

fixture_start crawler/evidence.json 127.0.4.61 # the gallery's address in the scenario
cd "$work"
"$CLEARSET_BIN" --catalog c.db crawl "http://${fixture_hosts[0]}/" --allow-loopback --delay 0.05 \
  >crawl.json 2>crawl.err
"$CLEARSET_BIN" --catalog c.db dedup >dedup.json 2>dedup.err
"$CLEARSET_BIN" --catalog c.db clear >strict.jsonl 2>clear.err
[ ! -e c.db-wal ] # every writer has closed: the log was folded into the file
image=$(jq -r 'select(.verdict == "cleared") | .image_id' strict.jsonl | head -1)
[ -n "$image" ]
"$CLEARSET_BIN" --catalog c.db status >status.json
"$CLEARSET_BIN" --catalog c.db explain "$image" --json >explain.json
jq -e '.images > 0 and .verdicts["strict:cleared"] > 0 and .url_states.done > 0' status.json >/dev/null

# 1. no log: read in place, nothing created, the same answers
readonly_folder ro c.db
before=$(listing ro)
as_user "$bin" --catalog ro/c.db status >ro-status.json
as_user "$bin" --catalog ro/c.db status --text >ro-status.txt
as_user "$bin" --catalog ro/c.db explain "$image" --json >ro-explain.json
[ "$(listing ro)" = "$before" ] || { echo "files appeared: $(listing ro)" >&2; exit 1; }
jq -e --slurpfile w status.json '.catalog == "ro/c.db" and del(.catalog) == ($w[0] | del(.catalog))' \
  ro-status.json >/dev/null
grep -q "^urls by state:" ro-status.txt
cmp explain.json ro-explain.json

# 2. a log left by a killed writer (with -shm): read with the log's changes
mkdir wal
cp c.db wal/
$py - wal/c.db <<'PY'
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO hosts (origin, first_seen_at) VALUES ('http://127.0.9.9', 0)")
db.commit()
os._exit(0)  # no close: the change stays in c.db-wal, as after a SIGKILL
PY
[ -s wal/c.db-wal ] && [ -e wal/c.db-shm ]
readonly_folder ro-wal wal/c.db wal/c.db-wal wal/c.db-shm
before=$(listing ro-wal)
as_user "$bin" --catalog ro-wal/c.db status >ro-wal.json
jq -e --slurpfile w status.json '.hosts == $w[0].hosts + 1' ro-wal.json >/dev/null
[ "$(listing ro-wal)" = "$before" ]

# 3. the log without its -shm: cannot be read correctly here, and says why
readonly_folder ro-noshm wal/c.db wal/c.db-wal
before=$(listing ro-noshm)
status=0
as_user "$bin" --catalog ro-noshm/c.db status >noshm.out 2>noshm.err || status=$?
[ "$status" -eq 3 ] || { echo "status without -shm exited $status, not 3" >&2; exit 1; }
grep -q "ro-noshm/c.db-wal" noshm.err && grep -q "ro-noshm/c.db-shm" noshm.err
[ ! -s noshm.out ]
[ "$(listing ro-noshm)" = "$before" ]

# 4. an older schema that this user may not migrate: refused, untouched
cp c.db old.db
$py -c "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute('PRAGMA user_version = 3'); db.commit()" old.db
readonly_folder ro-old old.db
status=0
as_user "$bin" --catalog ro-old/old.db status >old.out 2>old.err || status=$?
[ "$status" -eq 2 ] && grep -q "older than this clearset reads" old.err
cmp old.db ro-old/old.db

# 5. a missing catalog reads as zeros and is not created
as_user "$bin" --catalog ro/missing.db status >missing.json
jq -e '.exists == false and .images == 0' missing.json >/dev/null
[ ! -e ro/missing.db ]
echo ok
