#!/usr/bin/python3
"""crawl_log.py - figures bench/crawl.sh reads from the fixture server's request log
(JSON Lines, demo/demo.h: one line per request, with the server's monotonic time of
its arrival, mono_ns). Standard library only.

  crawl_log.py urls LOG               every requested URL, http://HOST:PORT/TARGET, one a
                                      line (for bench_crawl, the plain-fetch ceiling)
  crawl_log.py summary LOG SECONDS    one line: requests, hosts, requests to the busiest
                                      host, the shortest gap between two requests to one
                                      host (arrival to arrival, as tests/crawl_check.py
                                      spacing measures) and how many gaps were shorter
                                      than SECONDS (2 ms of tolerance for clock rounding),
                                      the span from the first request to the last answer,
                                      and min_polite_s: the fastest schedule that keeps
                                      SECONDS between one answer and the next request to
                                      its host, given how long the server took to answer
                                      (the busiest host's (requests - 1) x SECONDS plus its
                                      answer times but the last)

Hosts are told apart by address and port, so one server process can stand for many
sites; requests from several crawler processes count together (the server sees one
host however many workers ask it).
"""
import json
import sys

TOLERANCE_NS = 2_000_000


def rows_of(log):
    with open(log) as f:
        return [json.loads(line) for line in f if line.strip()]


def summary(rows, seconds):
    by_host = {}
    serving = {}
    for r in rows:
        key = (r["host"], r["port"])
        by_host.setdefault(key, []).append(r["mono_ns"])
        serving.setdefault(key, []).append((r["mono_ns"], r["respond_mono_ns"] - r["mono_ns"]))
    min_polite = max((len(v) - 1) * seconds + sum(d for _, d in sorted(v)[:-1]) / 1e9
                     for v in serving.values())
    shortest = None
    short = gaps = 0
    for times in by_host.values():
        times.sort()
        for a, b in zip(times, times[1:]):
            gap = b - a
            gaps += 1
            shortest = gap if shortest is None else min(shortest, gap)
            if gap + TOLERANCE_NS < seconds * 1e9:
                short += 1
    busiest = max((len(t) for t in by_host.values()), default=0)
    span = (max(r["respond_mono_ns"] for r in rows) - min(r["mono_ns"] for r in rows)) / 1e9
    shortest_ms = "%.1f" % (shortest / 1e6) if shortest is not None else "-"
    return ("requests=%d hosts=%d busiest=%d shortest_gap_ms=%s gaps=%d under_delay=%d "
            "span_s=%.3f min_polite_s=%.3f" % (len(rows), len(by_host), busiest, shortest_ms, gaps,
                                           short, span, min_polite))


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    rows = rows_of(argv[2])
    if not rows:
        sys.exit("crawl_log.py: %s holds no requests" % argv[2])
    if argv[1] == "urls":
        for r in rows:
            print("http://%s:%d%s" % (r["host"], r["port"], r["target"]))
    elif argv[1] == "summary" and len(argv) == 4:
        print(summary(rows, float(argv[3])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
