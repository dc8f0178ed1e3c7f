#!/usr/bin/env bash
# it_crawl_resume_fast.sh - it_crawl_resume.sh with politeness off (--delay 0), where an
# answer is recorded after its host's next request has gone out: killed with SIGKILL
# midway and started again, the crawl still ends with the catalog an uninterrupted one
# made, repeating only what was in flight at the kill.
set -euo pipefail
CLEARSET_RESUME_DELAY=0 bash "$CLEARSET_SOURCE_DIR/tests/it_crawl_resume.sh"
