#!/usr/bin/env bash
# it_crawl_workers.sh - it_pg_crawl_workers.sh on a SQLite catalog: four `crawl --worker`
# processes on one machine share one catalog file through the same host leases, one is
# SIGKILLed halfway, and the crawl completes with no URL fetched twice and every delay
# kept.
set -euo pipefail
CLEARSET_TEST_CATALOG=sqlite bash "$CLEARSET_SOURCE_DIR/tests/it_pg_crawl_workers.sh"
