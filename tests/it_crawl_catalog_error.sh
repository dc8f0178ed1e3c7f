#!/usr/bin/env bash
# it_crawl_catalog_error.sh - a catalog write that fails stops the crawl (exit 3) with a
# message naming the URL it was about, whichever write it was: the record of a robots.txt
# fetch (once written with no error to report at all) and a page's new state. The failures
# are real SQLite errors, raised by triggers added to a real catalog.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
fixture_start crawler/plain.json 127.0.7.51
h=${fixture_hosts[0]}

# crawl_fails NAME TRIGGER_SQL URL: a fresh catalog with the trigger; the crawl must fail naming URL
crawl_fails() {
  local db="$work/$1.db" rc
  "$CLEARSET_BIN" --catalog "$db" crawl > /dev/null # creates the catalog, crawls nothing
  /usr/bin/python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' \
    "$db" "$2"
  set +e
  "$CLEARSET_BIN" --catalog "$db" crawl "http://$h/" --allow-loopback --delay 0.05 \
    > "$work/$1.json" 2> "$work/$1.err"
  rc=$?
  set -e
  [ "$rc" = 3 ] || { echo "$1: exit $rc, expected 3"; cat "$work/$1.json" "$work/$1.err"; exit 1; }
  grep -q "$3: .*injected failure" "$work/$1.err" ||
    { echo "$1: stderr does not name $3"; cat "$work/$1.err"; exit 1; }
}

crawl_fails robots "CREATE TRIGGER fail BEFORE INSERT ON fetches
  WHEN (SELECT url FROM urls WHERE id = NEW.url_id) LIKE '%/robots.txt'
  BEGIN SELECT RAISE(ABORT, 'injected failure'); END" "http://$h/robots.txt"

crawl_fails page "CREATE TRIGGER fail BEFORE UPDATE OF state ON urls
  WHEN NEW.state = 'done' AND NEW.url LIKE '%/a.html'
  BEGIN SELECT RAISE(ABORT, 'injected failure'); END" "http://$h/a.html"
echo ok
