#!/usr/bin/env bash
# it_pg_crawl_politeness.sh - it_crawl_politeness.sh with the catalog and frontier on
# PostgreSQL: robots.txt first, delays, Crawl-delay, Retry-After and every disallow
# hold the same, judged from the fixture server's log, and the catalog agrees.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/postgres.sh"
pg_start
CLEARSET_TEST_CATALOG=$pg_url bash "$CLEARSET_SOURCE_DIR/tests/it_crawl_politeness.sh"
