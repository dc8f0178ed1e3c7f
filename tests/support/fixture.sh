# fixture.sh - sourced by the integration tests that need the fixture server
# (demo/'s clearset-fixture): a work directory that goes away on exit, and the
# server started on loopback addresses of the test's choosing, stopped on exit.
#
#   . "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
#   fixture_start SCENARIO ADDRESS...
#
# fixture_start serves SCENARIO (a path under tests/fixtures/, or an absolute path to one
# the test wrote into $work) on each ADDRESS
# (127.x.y.z, port 0 picked by the server), logs every request to
# $work/log.jsonl, waits until the server is listening (30 s at most, then the
# test fails with the server's own stderr) and sets fixture_hosts[i] to the
# "address:port" of the i-th ADDRESS. Also defined: $here (tests/), $check
# (crawl_check.py) and $work. KEEP_WORK=1 keeps the work directory.
here=${CLEARSET_SOURCE_DIR:?}/tests
check="/usr/bin/python3 $here/crawl_check.py"
work=$(mktemp -d)
fixture_pid=
fixture_hosts=()
trap 'fixture_stop' EXIT

fixture_stop() {
  [ -n "$fixture_pid" ] && kill "$fixture_pid" 2>/dev/null
  [ -n "${KEEP_WORK:-}" ] && echo "work directory kept: $work" >&2 || rm -rf "$work"
  return 0
}

fixture_start() {
  local scenario=$1 address listen=()
  shift
  case $scenario in /*) ;; *) scenario=$here/fixtures/$scenario ;; esac
  for address in "$@"; do listen+=(--listen "$address:0"); done
  "${CLEARSET_FIXTURE_BIN:?}" --scenario "$scenario" "${listen[@]}" \
    --log "$work/log.jsonl" --ready-file "$work/ready" >/dev/null 2>"$work/fixture.err" &
  fixture_pid=$!
  local waited
  for waited in $(seq 600); do
    [ -s "$work/ready" ] && break
    kill -0 "$fixture_pid" 2>/dev/null || break
    sleep 0.05
  done
  local started=0
  [ -s "$work/ready" ] && started=$(wc -l <"$work/ready")
  if [ "$started" -lt $# ]; then
    echo "fixture server did not start on $* ($scenario):" >&2
    cat "$work/fixture.err" >&2
    exit 1
  fi
  mapfile -t fixture_hosts <"$work/ready"
}
