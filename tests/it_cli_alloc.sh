#!/usr/bin/env bash
# it_cli_alloc.sh - cli/ checks what it allocates: when a copy of an argument
# cannot be made, crawl says "out of memory" and exits 3 without touching the
# catalog (it used to store a NULL seed, or hand a NULL copy of --hosts to
# strtok_r, and crash), and status says so instead of printing an empty line
# with exit 0. One allocation is made to fail with an LD_PRELOAD library
# (tests/support/preload/failalloc.c): the one whose size only the test's own
# input decides, a copy of a 7777-byte argument being malloc(7778).
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=${CLEARSET_BIN:?}
shim=${CLEARSET_BINARY_DIR:?}/tests/libclearset_failalloc.so
[ -f "$shim" ] || { echo "it_cli_alloc: $shim is missing (built with the tests)" >&2; exit 1; }
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
fail() { echo "it_cli_alloc: $*" >&2; exit 1; }
cd "$work"

# failing SIZE WHAT ARGS...: `clearset ARGS...` with malloc(SIZE) failing exits 3, says
# "out of memory" on stderr, prints nothing on stdout and creates no catalog
failing() {
  local size=$1 what=$2 status=0
  shift 2
  LD_PRELOAD=$shim CLEARSET_FAIL_ALLOC_SIZE=$size "$bin" "$@" >out.txt 2>err.txt || status=$?
  [ "$status" = 3 ] || fail "$what: exit $status, not 3: $(cut -c1-200 err.txt)"
  grep -q "out of memory" err.txt || fail "$what: no 'out of memory': $(cut -c1-200 err.txt)"
  [ ! -s out.txt ] || fail "$what: printed $(cut -c1-200 out.txt)"
  [ ! -e c.db ] || fail "$what: created the catalog"
}

long=$(head -c 7777 /dev/zero | tr '\0' a)
seed="http://$(head -c 7770 /dev/zero | tr '\0' b)/" # 7778 bytes
printf '# seeds\n%s\n' "$seed" >seeds.txt

# the aim is true: without the failure, each of these gets past argument reading
LD_PRELOAD=$shim CLEARSET_FAIL_ALLOC_SIZE=0 "$bin" --catalog c.db crawl --hosts "x,$long" \
  --max-images 1 --time-limit 0.001 >/dev/null 2>&1 || true
[ -e c.db ] || fail "crawl --hosts LONG did not get past its arguments without a failure"
rm -rf c.db c.db-* c.db.* c.blobs

failing 7778 "crawl --hosts LONG" --catalog c.db crawl --allow-loopback --hosts "x,$long" http://127.0.0.1:9/
failing 7779 "crawl SEED" --catalog c.db crawl --allow-loopback "$seed"
failing 7779 "crawl --seeds FILE" --catalog c.db crawl --allow-loopback --seeds=seeds.txt

# status of a catalog that does not exist: its JSON copies the path, and that fails
catalog=$work/$(head -c 200 /dev/zero | tr '\0' c)/none.db
failing $((${#catalog} + 1)) "status" --catalog "$catalog" status
LD_PRELOAD=$shim CLEARSET_FAIL_ALLOC_SIZE=0 "$bin" --catalog "$catalog" status |
  jq -e '.exists == false' >/dev/null || fail "status without a failure"

echo "it_cli_alloc: crawl and status report a failed allocation and exit 3"
