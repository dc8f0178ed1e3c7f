#!/usr/bin/env bash
# it_format.sh - every C file git tracks is formatted with the project's
# .clang-format (clang-format --dry-run --Werror); names the files that are not.
set -euo pipefail
cd "${CLEARSET_SOURCE_DIR:?}"
command -v clang-format >/dev/null || { echo "it_format: clang-format is missing (scripts/setup installs it)" >&2; exit 1; }
list_sources() { # NUL-separated C sources: git's list, or every one under the tree
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z -- '*.c' '*.h'
  else
    find . -path './build*' -prune -o \( -name '*.c' -o -name '*.h' \) -print0
  fi
}
unformatted=()
checked=0
while IFS= read -r -d '' file; do
  [ -f "$file" ] || continue
  checked=$((checked + 1))
  clang-format --dry-run --Werror "$file" >/dev/null 2>&1 || unformatted+=("$file")
done < <(list_sources)
if [ ${#unformatted[@]} -gt 0 ]; then
  echo "it_format: not clang-formatted (run clang-format -i on them):" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "it_format: $checked files formatted"
