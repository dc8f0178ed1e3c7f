#!/usr/bin/env bash
# it_hash.sh - `clearset hash --exact` reproduces every hash of the PDQ
# reference vectors (tests/fixtures/pdq/expected.csv, or the directory in
# CLEARSET_PDQ_VECTORS) bit for bit, with the same quality; and the default
# path stays within 10 bits of it. Fails with the first difference.
set -euo pipefail
bin=${CLEARSET_BIN:?}
vectors=${CLEARSET_PDQ_VECTORS:-${CLEARSET_SOURCE_DIR:?}/tests/fixtures/pdq}
[ -f "$vectors/expected.csv" ] || { echo "it_hash: no $vectors/expected.csv" >&2; exit 1; }

field() { # field NAME JSON: the value of a string or number field
  sed -n "s/.*\"$1\":\"\{0,1\}\([0-9a-f]*\)\"\{0,1\}[,}].*/\1/p" <<<"$2"
}
popcount_distance() { # hamming distance of two 64-hex-digit strings
  local a=$1 b=$2 d=0 i x
  for ((i = 0; i < 64; i += 8)); do
    x=$(( 16#${a:i:8} ^ 16#${b:i:8} ))
    while ((x)); do d=$((d + (x & 1))); x=$((x >> 1)); done
  done
  echo "$d"
}

checked=0
while IFS=, read -r file hex quality; do
  [ "$file" = file ] && continue
  out=$("$bin" hash --exact "$vectors/$file")
  got=$(field pdq "$out")
  got_quality=$(field pdq_quality "$out")
  if [ "$got" != "$hex" ] || [ "$got_quality" != "$quality" ]; then
    echo "it_hash: $file: got $got q$got_quality, reference $hex q$quality" >&2
    exit 1
  fi
  fast=$(field pdq "$("$bin" hash "$vectors/$file")")
  d=$(popcount_distance "$fast" "$hex")
  if [ "$d" -gt 10 ]; then
    echo "it_hash: $file: default path is $d bits from --exact (limit 10)" >&2
    exit 1
  fi
  checked=$((checked + 1))
done <"$vectors/expected.csv"
[ "$checked" -ge 1 ] || { echo "it_hash: no vectors checked" >&2; exit 1; }
echo "it_hash: $checked reference vectors reproduced bit for bit"
