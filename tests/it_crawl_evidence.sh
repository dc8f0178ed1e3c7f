#!/usr/bin/env bash
# it_crawl_evidence.sh - everything a page says about an image reaches clearance.
# One page says two things about a.jpg (an RDFa-scoped CC BY and a JSON-LD
# copyrightNotice "All rights reserved"): both are recorded and the most restrictive
# wins, with the conflict as a reason. b.jpg has its own CC0, which beats the page-wide
# CC BY-NC in <head> (the specific beats the general); c.jpg has only the page-wide one.
# /n/ says "noindex", which blocks its CC0 image only under a policy that counts it.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
fixture_start crawler/evidence.json 127.0.4.61
g=${fixture_hosts[0]}

"$CLEARSET_BIN" --catalog "$work/c.db" crawl "http://$g/" "http://$g/n/" --allow-loopback \
  --delay 0.05 >/dev/null
ev="SELECT u.url, r.origin, r.scope, coalesce(r.license_spdx, ''), coalesce(r.rights_claim, '')
    FROM rights_evidence r JOIN image_urls l ON l.image_id = r.image_id
    JOIN urls u ON u.id = l.url_id WHERE r.page_id IS NOT NULL ORDER BY u.url, r.origin"
$check sql "$work/c.db" "$ev" "$(printf '%s\n' \
  "http://$g/a.jpg|json-ld|json-ld||all-rights-reserved" \
  "http://$g/a.jpg|rel-license|rdfa-about|CC-BY-4.0|" \
  "http://$g/b.jpg|rel-license|rdfa-about|CC0-1.0|" \
  "http://$g/c.jpg|rel-license|page|CC-BY-NC-4.0|" \
  "http://$g/n/n.png|rel-license|rdfa-about|CC0-1.0|")"
$check sql "$work/c.db" "SELECT kind, raw_value, effect FROM optout_signals" "meta-robots|noindex|policy"

"$CLEARSET_BIN" --catalog "$work/c.db" clear --policy research >"$work/clear.jsonl" 2>/dev/null
verdict() { # verdict FIXTURE_FILE: the verdict of the image with those bytes
  local sha
  sha=$(sha256sum "$here/fixtures/crawler/$1" | cut -d' ' -f1)
  jq -r --arg s "$sha" 'select(.sha256 == $s) | .verdict' "$work/clear.jsonl"
}
expect() { # expect FIXTURE_FILE VERDICT
  [ "$(verdict "$1")" = "$2" ] || { echo "$1: '$(verdict "$1")', expected $2"; cat "$work/clear.jsonl"; exit 1; }
}
expect red.jpg blocked    # a.jpg
expect plasma.jpg cleared # b.jpg
expect third.jpg cleared  # c.jpg (research accepts CC BY-NC)
expect blue.png cleared   # n.png: noindex says nothing about AI training by itself
"$CLEARSET_BIN" --catalog "$work/c.db" explain "http://$g/n/n.png" | grep -q 'noindex.*not counted by this policy' ||
  { echo "explain does not say why noindex did not count"; exit 1; }

# a policy that counts noindex as an opt-out blocks n.png, and says why
printf '{"accept": ["CC0", "CC-BY"], "opt_out_directives": ["noindex"]}' >"$work/noindex.json"
"$CLEARSET_BIN" --catalog "$work/c.db" clear --policy "$work/noindex.json" >"$work/clear.jsonl" 2>/dev/null
expect blue.png blocked
expect plasma.jpg cleared
jq -e --arg s "$(sha256sum "$here/fixtures/crawler/blue.png" | cut -d' ' -f1)" \
  'select(.sha256 == $s) | [.reasons[] | select(.rule == "optout") | .detail | test("noindex")] | any' \
  "$work/clear.jsonl" >/dev/null || { echo "no noindex opt-out reason"; cat "$work/clear.jsonl"; exit 1; }
# a.jpg's verdict names the conflict and both statements
"$CLEARSET_BIN" --catalog "$work/c.db" explain "http://$g/a.jpg" --json >"$work/a.json"
jq -e '[.reasons[] | select(.rule == "conflict")] | length == 1' "$work/a.json" >/dev/null ||
  { echo "no conflict reason"; jq . "$work/a.json"; exit 1; }
jq -e '[.reasons[] | select(.rule == "conflict") | .detail] | .[0] | test("All rights reserved") and test("CC-BY-4.0")' \
  "$work/a.json" >/dev/null || { jq . "$work/a.json"; exit 1; }
echo ok
