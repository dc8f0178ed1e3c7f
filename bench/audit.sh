#!/usr/bin/env bash
# bench/audit.sh [DISTRACTORS]: runs bench_audit from the repository's top, where it finds
# tests/fixtures/pdq; the skimage and sklearn sample photos come from their Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${CLEARSET_BUILD:?run through bench/run audit}/bench/bench_audit" "$@"
