#!/usr/bin/env bash
# it_pg_crawl_resume.sh - it_crawl_resume.sh with the killed crawl on PostgreSQL: killed
# with SIGKILL midway and started again, it ends with the catalog an uninterrupted crawl
# on SQLite made, repeating only what was in flight, polite across the kill.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/postgres.sh"
pg_start
CLEARSET_TEST_CATALOG=$pg_url bash "$CLEARSET_SOURCE_DIR/tests/it_crawl_resume.sh"
