#!/usr/bin/env bash
# bench/export.sh - runs bench_export on the PDQ reference photos beside the
# repository (tests/fixtures/pdq unless CLEARSET_PDQ_VECTORS says otherwise).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export CLEARSET_PDQ_VECTORS=${CLEARSET_PDQ_VECTORS:-$here/tests/fixtures/pdq}
exec nice -n 19 "${CLEARSET_BUILD:-$here/build-bench}/bench/bench_export" "$@"
