# postgres.sh - sourced by the integration tests of the PostgreSQL catalog: a PostgreSQL
# server of the test's own, in a temporary directory, on loopback, stopped and removed
# on exit.
#
#   . "$CLEARSET_SOURCE_DIR/tests/support/postgres.sh"
#   pg_start            # sets $pg_url: postgresql://USER@127.0.0.1:PORT/clearset
#   pg_sql "SELECT 1"   # runs SQL on that database, prints rows as psql -At does
#
# pg_start also exports CLEARSET_PG_BIN, where crawl_check.py finds psql.
#
# The server comes from Debian's postgresql package (scripts/setup installs it): initdb
# and pg_ctl under /usr/lib/postgresql/*/bin, or $CLEARSET_PG_BIN. Without them the
# test exits 77 and says SKIPPED (tests/CMakeLists.txt counts 77 as skipped), never a
# pass. initdb refuses to run as root, and tests run as root: the cluster then belongs
# to `nobody` and every server command runs through runuser. Trust authentication on
# 127.0.0.1 only; listen_addresses is 127.0.0.1 and the unix socket lives in the
# temporary directory, so nothing outside the machine (or another test) can reach it.
# The port is one the kernel says is free; if the server cannot start the test fails
# with the server's log. Chains an EXIT trap set before it (fixture.sh's).
pg_bin=${CLEARSET_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
pg_dir=
pg_url=
pg_user=$(id -un)
pg_as=()

pg_stop() {
  if [ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate -w stop >/dev/null 2>&1
  fi
  [ -n "$pg_dir" ] && rm -rf "$pg_dir"
  pg_dir=
  return 0
}

pg_sql() {
  "$pg_bin/psql" -X -q -At -v ON_ERROR_STOP=1 "$pg_url" -c "$1"
}

pg_start() {
  if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ] || [ ! -x "$pg_bin/pg_ctl" ]; then
    echo "SKIPPED: no PostgreSQL server binaries (initdb, pg_ctl; scripts/setup installs" \
      "Debian's postgresql)" >&2
    exit 77
  fi
  pg_dir=$(mktemp -d)
  if [ "$(id -u)" -eq 0 ]; then
    pg_user=nobody
    pg_as=(runuser -u "$pg_user" --)
    chown "$pg_user" "$pg_dir"
  fi
  local previous
  previous=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
  trap "pg_stop; $previous" EXIT
  "${pg_as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U "$pg_user" -A trust -E UTF8 \
    --no-locale >"$pg_dir/initdb.log" 2>&1 || {
    echo "initdb failed:" >&2
    cat "$pg_dir/initdb.log" >&2
    exit 1
  }
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$pg_dir'"
    echo "fsync = off" # a test's data need not survive a power cut
    echo "max_connections = 40"
  } >>"$pg_dir/data/postgresql.conf"
  echo "host all all 127.0.0.1/32 trust" >"$pg_dir/data/pg_hba.conf"
  echo "local all all trust" >>"$pg_dir/data/pg_hba.conf"
  "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 start \
    >/dev/null 2>&1 || {
    echo "PostgreSQL did not start on 127.0.0.1:$port:" >&2
    cat "$pg_dir/server.log" >&2
    exit 1
  }
  "${pg_as[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U "$pg_user" clearset
  pg_url="postgresql://$pg_user@127.0.0.1:$port/clearset"
  export CLEARSET_PG_BIN=$pg_bin
}
