# with_postgres.sh - runs a command (a C test binary) with a PostgreSQL server of its own:
#   bash with_postgres.sh COMMAND [ARGS...]
# starts one (postgres.sh: exits 77, skipped, without the server binaries), exports its
# URL as CLEARSET_TEST_PG_URL, runs COMMAND, stops the server and passes on its status.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/postgres.sh"
pg_start
CLEARSET_TEST_PG_URL=$pg_url "$@"
