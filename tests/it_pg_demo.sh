#!/usr/bin/env bash
# it_pg_demo.sh - it_demo.sh's whole pipeline (crawl, dedup, clear, status, keygen,
# export, verify, and the refusal of a used catalog) on a PostgreSQL catalog of the
# test's own: the same verdicts and the same export as on SQLite.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/postgres.sh"
pg_start
CLEARSET_TEST_CATALOG=$pg_url bash "$CLEARSET_SOURCE_DIR/tests/it_demo.sh"
