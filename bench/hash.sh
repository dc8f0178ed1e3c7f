#!/usr/bin/env bash
# bench/hash.sh - runs bench_hash on the PDQ reference photos beside the
# repository (../shared/pdq-vectors unless CLEARSET_PDQ_VECTORS says otherwise).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export CLEARSET_PDQ_VECTORS=${CLEARSET_PDQ_VECTORS:-$here/../shared/pdq-vectors}
exec nice -n 19 "${CLEARSET_BUILD:-$here/build-bench}/bench/bench_hash" "$@"
