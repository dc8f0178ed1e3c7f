# browser.sh - sourced by the integration tests that open an HTML page in headless
# Chromium (Debian's chromium): one way to find it, to skip without it and to run it.
#
#   . "$CLEARSET_SOURCE_DIR/tests/support/browser.sh"
#   browser_require NAME          # exits 77 (ctest: skipped) saying SKIPPED when chromium
#                                 # is missing, or fails (exit 1) under CI=true
#   browser_run DIR ARGS...       # chromium --headless with ARGS, its profile in DIR,
#                                 # --no-sandbox as root (Chromium refuses root otherwise);
#                                 # stderr to DIR.err; at most 120 s
# tests/CMakeLists.txt gives every it_*.sh SKIP_RETURN_CODE 77.
browser=

browser_require() {
  browser=$(command -v chromium || command -v chromium-browser || true)
  [ -n "$browser" ] && return 0
  echo "$1: SKIPPED the browser check: chromium is not installed (Debian package chromium)" >&2
  [ "${CI:-}" = true ] && { echo "$1: chromium is required under CI" >&2; exit 1; }
  exit 77
}

browser_run() {
  local dir=$1 flags=(--headless --disable-gpu --no-first-run)
  shift
  [ "$(id -u)" = 0 ] && flags+=(--no-sandbox)
  timeout 120 "$browser" "${flags[@]}" --user-data-dir="$dir" "$@" 2>>"$dir.err"
}
