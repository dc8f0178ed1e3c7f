#!/usr/bin/env bash
# it_layering.sh - the pure libraries stay pure (DESIGN.md "Layout", STYLE.md
# "Layers"): the static libraries of robots/, license/, dedup/, generator/, the
# crawler's HTML/URL part and the export manifest (dataset/manifest*.c)
# reference no sqlite3_ or libpq (PQ*) symbol and no symbol the
# catalog's library (clearset_dataset: catalog_*, blob_store_*) defines, and
# neither they nor any fuzz target link SQLite, libpq or clearset_dataset.
# tests/CMakeLists.txt writes what to check into BUILD/tests/layering.txt:
#   pure NAME FILE.a | catalog FILE.a | links WHAT: ITEMS...
# Fails naming every offending library, symbol or link.
set -euo pipefail
list=${CLEARSET_BINARY_DIR:?}/tests/layering.txt
[ -f "$list" ] || { echo "it_layering: no $list (written by tests/CMakeLists.txt)" >&2; exit 1; }
command -v nm >/dev/null || { echo "it_layering: nm is missing (binutils)" >&2; exit 1; }

catalog_lib=$(awk '$1 == "catalog" {print $2}' "$list")
[ -f "$catalog_lib" ] || { echo "it_layering: catalog library '$catalog_lib' not built" >&2; exit 1; }
# Every global symbol the catalog's library defines: none of them may be used below it.
catalog_symbols=$(nm --defined-only --extern-only "$catalog_lib" 2>/dev/null |
  awk 'NF == 3 {print $3}' | sort -u)
[ -n "$catalog_symbols" ] || { echo "it_layering: $catalog_lib defines no symbol?" >&2; exit 1; }

failures=0
pure=0
while read -r kind name file; do
  [ "$kind" = pure ] || continue
  pure=$((pure + 1))
  [ -f "$file" ] || { echo "it_layering: $name: $file not built" >&2; failures=$((failures + 1)); continue; }
  undefined=$(nm --undefined-only "$file" 2>/dev/null | awk 'NF >= 2 {print $NF}' | sort -u)
  sqlite=$(grep -E '^(sqlite3_|PQ)' <<<"$undefined" || true)
  catalog=$(comm -12 <(echo "$catalog_symbols") <(echo "$undefined"))
  named=$(nm "$file" 2>/dev/null | awk 'NF >= 2 {print $NF}' | grep -E '^(catalog_|blob_store_)' | sort -u || true)
  for bad in $(printf '%s\n' $sqlite $catalog $named | sort -u); do
    echo "it_layering: $name ($file) uses $bad" >&2
    failures=$((failures + 1))
  done
done <"$list"
[ "$pure" -ge 5 ] || { echo "it_layering: only $pure pure libraries listed in $list" >&2; exit 1; }

links=0
while IFS= read -r line; do
  case $line in links\ *) ;; *) continue ;; esac
  links=$((links + 1))
  what=${line#links }
  what=${what%%:*}
  for item in ${line#*: }; do
    case $item in
      *[Ss][Qq][Ll][Ii][Tt][Ee]* | *[Ll][Ii][Bb][Pp][Qq]* | clearset_dataset | clearset_crawler | clearset_pipeline)
        echo "it_layering: $what links $item" >&2
        failures=$((failures + 1)) ;;
    esac
  done
done <"$list"
[ "$links" -gt "$pure" ] || { echo "it_layering: no fuzz target's links listed in $list" >&2; exit 1; }

if [ "$failures" -gt 0 ]; then
  echo "it_layering: $failures layering violation(s)" >&2
  exit 1
fi
echo "it_layering: $pure pure libraries use no SQLite or catalog symbol; $((links - pure)) fuzz targets and they link no SQLite"
