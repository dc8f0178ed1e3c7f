#!/usr/bin/python3
"""crawl_check.py - assertions for the crawler's integration tests (tests/it_crawl_*.sh).

Reads the fixture server's own request log (JSON Lines, demo/demo.h) and the
catalog and exits non-zero with a message naming the violation. A catalog is a
SQLite file, or a postgresql:// URL read with psql (from $CLEARSET_PG_BIN, which
tests/support/postgres.sh sets). Standard library only (Debian's /usr/bin/python3).

  crawl_check.py spacing LOG HOST SECONDS [SKIP] no two requests to HOST closer than SECONDS
                                               (log lines before SKIP ignored)
  crawl_check.py first LOG HOST PATH           the first request to HOST was PATH
  crawl_check.py never LOG HOST PATH...        HOST never saw PATH
  crawl_check.py only LOG HOST PATH...         HOST saw nothing but these PATHs
  crawl_check.py saw LOG HOST PATH...          HOST saw every PATH
  crawl_check.py pause LOG HOST PATH SECONDS   after HOST answered PATH with 429/503, its
                                               next request came >= SECONDS later
  crawl_check.py backoff LOG HOST DELAY        after k 5xx answers in a row, HOST's next
                                               request came >= DELAY * 2^k later
  crawl_check.py ended LOG HOST SECONDS         run as the crawl exits: HOST answered its last
                                               request less than SECONDS ago (monotonic clock)
  crawl_check.py sql DB QUERY EXPECTED         QUERY's rows, one per line, "|"-joined, == EXPECTED
  crawl_check.py paths DB STATE                print path of every URL in STATE (sorted)
  crawl_check.py rows DB QUERY                 print QUERY's rows, one per line, "|"-joined
  crawl_check.py compare DB_A DB_B             same URL states, images and image URLs
  crawl_check.py duplicates LOG SKIP IN_FLIGHT requests repeated after line SKIP were all in
                                               the IN_FLIGHT file (URLs, one per line)
"""
import json
import os
import sqlite3
import subprocess
import sys
import time

# Clock tolerance: the crawler counts in whole milliseconds of wall time, the log in
# nanoseconds of monotonic time; 2 ms covers the rounding, never a real violation.
TOLERANCE_NS = 2_000_000


def requests(log, host, skip=0):
    rows = []
    with open(log) as f:
        for n, line in enumerate(f):
            if n < skip:
                continue
            r = json.loads(line)
            if r["host"] == host:
                rows.append(r)
    rows.sort(key=lambda r: r["mono_ns"])
    return rows


def fail(msg):
    print("crawl_check: " + msg, file=sys.stderr)
    sys.exit(1)


def rows_of(db, query, params=()):
    """QUERY's rows as tuples; on PostgreSQL every value is text, NULL is None."""
    if not db.startswith(("postgresql://", "postgres://")):
        return list(sqlite3.connect(db).execute(query, params))
    for p in params:  # the tests' own words, inlined as SQL literals
        query = query.replace("?", "'" + str(p).replace("'", "''") + "'", 1)
    psql = os.path.join(os.environ.get("CLEARSET_PG_BIN", "/usr/bin"), "psql")
    out = subprocess.run([psql, "-X", "-q", "-A", "-t", "-F", "\x1f", "-P", "null=\x1e",
                          "-v", "ON_ERROR_STOP=1", db, "-c", query],
                         check=True, capture_output=True, text=True).stdout
    return [tuple(None if v == "\x1e" else v for v in line.split("\x1f"))
            for line in out.split("\n")[:-1]]  # not splitlines: \x1e ends a line there


def main(argv):
    cmd = argv[1]
    if cmd == "spacing":
        log, host, seconds = argv[2], argv[3], float(argv[4])
        rows = requests(log, host, int(argv[5]) if len(argv) > 5 else 0)
        if len(rows) < 2:
            fail("%s: fewer than two requests" % host)
        worst = None
        for a, b in zip(rows, rows[1:]):
            gap = b["mono_ns"] - a["mono_ns"]
            if worst is None or gap < worst:
                worst = gap
            if gap + TOLERANCE_NS < seconds * 1e9:
                fail("%s: %s then %s only %.3f s apart (< %.3f)" %
                     (host, a["target"], b["target"], gap / 1e9, seconds))
        print("%s: %d requests, closest %.3f s apart (delay %.3f)" %
              (host, len(rows), worst / 1e9, seconds))
    elif cmd == "first":
        log, host, path = argv[2:5]
        rows = requests(log, host)
        if not rows or rows[0]["target"] != path:
            fail("%s: first request %s, not %s" % (host, rows[0]["target"] if rows else None, path))
    elif cmd == "never":
        log, host = argv[2], argv[3]
        seen = {r["target"] for r in requests(log, host)}
        for path in argv[4:]:
            if path in seen:
                fail("%s: %s was requested" % (host, path))
    elif cmd == "only":
        log, host = argv[2], argv[3]
        seen = {r["target"] for r in requests(log, host)}
        extra = seen - set(argv[4:])
        if extra:
            fail("%s: unexpected requests %s" % (host, sorted(extra)))
    elif cmd == "saw":
        log, host = argv[2], argv[3]
        seen = {r["target"] for r in requests(log, host)}
        for path in argv[4:]:
            if path not in seen:
                fail("%s: %s never requested" % (host, path))
    elif cmd == "pause":
        log, host, path, seconds = argv[2], argv[3], argv[4], float(argv[5])
        rows = requests(log, host)
        hit = [i for i, r in enumerate(rows) if r["target"] == path and r["status"] in (429, 503)]
        if not hit:
            fail("%s: no 429/503 for %s" % (host, path))
        i = hit[0]
        if i + 1 >= len(rows):
            fail("%s: nothing requested after the pause" % host)
        gap = rows[i + 1]["mono_ns"] - rows[i]["respond_mono_ns"]
        if gap + TOLERANCE_NS < seconds * 1e9:
            fail("%s: next request %.3f s after %d (Retry-After %.1f)" %
                 (host, gap / 1e9, rows[i]["status"], seconds))
        print("%s: paused %.3f s after %d" % (host, gap / 1e9, rows[i]["status"]))
    elif cmd == "backoff":
        # after the k-th failure in a row (5xx), the next request waits >= DELAY * 2^k
        log, host, delay = argv[2], argv[3], float(argv[4])
        rows = requests(log, host)
        streak = 0
        for a, b in zip(rows, rows[1:]):
            streak = streak + 1 if a["status"] >= 500 else 0
            if streak:
                gap = b["mono_ns"] - a["respond_mono_ns"]
                want = delay * 2 ** streak
                if gap + TOLERANCE_NS < want * 1e9:
                    fail("%s: %.3f s after failure %d in a row, expected >= %.3f" %
                         (host, gap / 1e9, streak, want))
                print("%s: failure %d in a row, next request %.3f s later" % (host, streak, gap / 1e9))
    elif cmd == "ended":
        # the log's clock is CLOCK_MONOTONIC, as is time.monotonic_ns() on Linux
        log, host, seconds = argv[2], argv[3], float(argv[4])
        rows = requests(log, host)
        if not rows:
            fail("%s: no requests" % host)
        since = time.monotonic_ns() - max(r["respond_mono_ns"] for r in rows)
        if since >= seconds * 1e9:
            fail("%s: the crawl ended %.3f s after its last answer, not under %.3f s" %
                 (host, since / 1e9, seconds))
        print("%s: the crawl ended %.3f s after its last answer" % (host, since / 1e9))
    elif cmd == "sql":
        db, query, expected = argv[2], argv[3], argv[4]
        got = "\n".join("|".join("" if v is None else str(v) for v in row)
                        for row in rows_of(db, query))
        if got != expected:
            fail("%s\n  got:      %r\n  expected: %r" % (query, got, expected))
    elif cmd == "paths":
        db, state = argv[2], argv[3]
        for (url,) in rows_of(db, "SELECT url FROM urls WHERE state = ? ORDER BY url", (state,)):
            print(url.split("/", 3)[2] + "/" + url.split("/", 3)[3])
    elif cmd == "rows":
        for row in rows_of(argv[2], argv[3]):
            print("|".join("" if v is None else str(v) for v in row))
    else:
        fail("unknown check " + cmd)


def catalog_view(db):
    """What must be equal after a resumed crawl: URL states, images, which URL gave which image."""
    urls = sorted(rows_of(db, "SELECT url, kind, state FROM urls"))
    images = sorted(r[0] for r in rows_of(db, "SELECT sha256 FROM images"))
    links = sorted(rows_of(db,
        "SELECT u.url, i.sha256 FROM image_urls l JOIN urls u ON u.id = l.url_id "
        "JOIN images i ON i.id = l.image_id"))
    return urls, images, links


def compare(db_a, db_b):
    a, b = catalog_view(db_a), catalog_view(db_b)
    for name, x, y in zip(("urls", "images", "image_urls"), a, b):
        if x != y:
            only_a = sorted(set(x) - set(y))[:10]
            only_b = sorted(set(y) - set(x))[:10]
            fail("%s differ: only in %s: %s; only in %s: %s" % (name, db_a, only_a, db_b, only_b))
    print("catalogs agree: %d URLs, %d images, %d image URLs" % tuple(len(v) for v in a))


def duplicates(log, skip_lines, in_flight_file):
    """Requests repeated after line skip_lines must be URLs that were in flight at the kill."""
    allowed = set(open(in_flight_file).read().split())
    seen, dupes = {}, []
    with open(log) as f:
        for n, line in enumerate(f):
            if n < skip_lines:
                continue
            r = json.loads(line)
            key = "http://%s:%d%s" % (r["host"], r["port"], r["target"])
            if key in seen:
                dupes.append(key)
            seen[key] = True
    bad = [d for d in dupes if d not in allowed]
    # A policy file (robots.txt, tdmrep.json, ai.txt) in flight at the kill has no frontier
    # row to show it; it may be asked once more, and only once.
    policy = [d for d in bad if d.endswith(("/robots.txt", "/.well-known/tdmrep.json", "/ai.txt"))]
    bad = [d for d in bad if d not in policy] + [d for d in set(policy) if policy.count(d) > 1]
    if bad:
        fail("fetched twice though not in flight at the kill: %s" % bad)
    print("%d requests repeated, all in flight at the kill (%d in flight)" % (len(dupes), len(allowed)))


if __name__ == "__main__":
    if sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "duplicates":
        duplicates(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main(sys.argv)
