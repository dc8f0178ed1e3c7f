#!/usr/bin/env bash
# it_crawl_rsl.sh - RSL 1.0 over loopback, from discovery to verdict.
# Six sites point to RSL documents (tests/fixtures/rsl/) each way RSL allows: robots.txt
# License: (to a document on another host, and inside a group to one on its own host),
# a Link header, an HTML <link rel=license type=application/rsl+xml> and an inline
# <script>. Their terms prohibit training, ask payment, or permit it for attribution;
# each image must end with the right verdict and reason in `explain`, each document
# must be fetched once, politely, under its own host's robots.txt.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
fixture_start crawler/rsl.json 127.0.7.1 127.0.7.2 127.0.7.3 127.0.7.4 127.0.7.5 127.0.7.6 \
  127.0.7.7 127.0.7.8
blocked=${fixture_hosts[0]}; paid=${fixture_hosts[1]}; free=${fixture_hosts[2]}
linked=${fixture_hosts[3]}; html=${fixture_hosts[4]}; inline=${fixture_hosts[5]}
licensor=${fixture_hosts[6]}; imglink=${fixture_hosts[7]}
db="$work/c.db"
cs() { "$CLEARSET_BIN" --catalog "$db" "$@"; }

cs crawl "http://$blocked/" "http://$paid/" "http://$free/" "http://$linked/" \
  "http://$html/" "http://$inline/" "http://$imglink/" --allow-loopback --delay 0.1 >/dev/null
cs clear >"$work/strict.jsonl" 2>/dev/null

# explain URL: verdict, the deciding rule, and the RSL signal with its source URL
expect() {
  local url=$1 verdict=$2 rule=$3 source=$4
  cs explain "$url" --json >"$work/e.json"
  jq -e --arg v "$verdict" '.verdict == $v' "$work/e.json" >/dev/null ||
    { echo "$url: expected $verdict"; jq . "$work/e.json"; exit 1; }
  jq -e --arg r "$rule" '[.reasons[] | select(.rule == $r)] | length > 0' "$work/e.json" >/dev/null ||
    { echo "$url: no reason $rule"; jq . "$work/e.json"; exit 1; }
  jq -e --arg s "$source" '[.signals[] | select((.kind | startswith("rsl")) and .found_at == $s)]
    | length > 0' "$work/e.json" >/dev/null ||
    { echo "$url: no RSL signal from $source"; jq . "$work/e.json"; exit 1; }
}
# robots.txt License: -> a document on another host prohibiting ai-train
expect "http://$blocked/a.jpg" blocked optout "http://$licensor/rsl/blocked.xml"
jq -e '[.reasons[] | select(.rule == "optout" and (.detail | test("rsl \"prohibits ai-train\"")))]
  | length >= 1' "$work/e.json" >/dev/null
cs explain "http://$blocked/a.jpg" | grep -q "Signal #.*: rsl \"prohibits ai-train\" at http://$licensor/rsl/blocked.xml (opt-out): opts this image out"
# robots.txt License: (inside a group) -> payment asked: licence-required, not an opt-out
expect "http://$paid/images/b.jpg" blocked licence-required "http://$paid/license.xml"
jq -e '[.reasons[] | select(.rule == "optout")] | length == 0' "$work/e.json" >/dev/null
jq -e '[.reasons[] | select(.rule == "licence-required" and (.detail | test("payment purchase")))]
  | length >= 1' "$work/e.json" >/dev/null
# free with attribution, permitting ai-train: a licence, cleared with attribution
expect "http://$free/c.png" cleared license "http://$free/license.xml"
jq -e '.license.spdx == "LicenseRef-RSL-attribution" and .attribution.source == "source-page"
  and .attribution.page == "http://'"$free"'/"' "$work/e.json" >/dev/null ||
  { echo "free: no attribution"; jq . "$work/e.json"; exit 1; }
jq -e '[.evidence[] | select(.origin == "policy-file" and .field == "RSL http://'"$free"'/license.xml content /")]
  | length >= 1' "$work/e.json" >/dev/null
# Link header -> prohibits ai-train, though the page says CC BY
expect "http://$linked/d.jpg" blocked optout "http://$linked/terms.xml"
# HTML link -> payment asked; the RSL URL is no CC licence link
expect "http://$html/images/e.jpg" blocked licence-required "http://$html/rsl.xml"
$check sql "$db" "SELECT count(*) FROM sighting_evidence WHERE raw_value LIKE '%rsl.xml'" 0
$check sql "$db" "SELECT count(*) FROM rights_evidence WHERE license_url LIKE '%rsl.xml' OR raw_value LIKE '%rsl.xml'" 0
# an image's own Link header: its document arrives after the image and still speaks for it
expect "http://$imglink/g.webp" blocked optout "http://$imglink/g-terms.xml"
# inline script (the train-ai spelling)
expect "http://$inline/f.png" blocked optout "http://$inline/#rsl-script-0"

# each document once per host; the other host's one under its robots.txt (asked first)
# and not the one its robots.txt disallows; a relative License line is ignored
count() { jq -r --arg h "$1" --arg p "$2" 'select(.host == $h and .target == $p) | .target' \
  "$work/log.jsonl" | wc -l; }
[ "$(count 127.0.7.2 /license.xml)" = 1 ] || { echo "paid /license.xml not fetched once"; exit 1; }
[ "$(count 127.0.7.7 /rsl/blocked.xml)" = 1 ] || { echo "blocked.xml not fetched once"; exit 1; }
for h in 127.0.7.3:/license.xml 127.0.7.4:/terms.xml 127.0.7.5:/rsl.xml 127.0.7.8:/g-terms.xml; do
  [ "$(count "${h%%:*}" "${h#*:}")" = 1 ] || { echo "$h not fetched once"; exit 1; }
done
$check first "$work/log.jsonl" 127.0.7.7 /robots.txt
$check never "$work/log.jsonl" 127.0.7.7 /private/forbidden.xml
$check never "$work/log.jsonl" 127.0.7.2 /relative.xml
$check spacing "$work/log.jsonl" 127.0.7.7 0.3
# cached in the catalog per host, like robots.txt
$check sql "$db" "SELECT h.origin, d.found_via, d.status FROM rsl_documents d JOIN hosts h ON h.id = d.host_id WHERE d.url LIKE '%forbidden.xml'" \
  "http://$paid|robots.txt License|-2"
$check sql "$db" "SELECT count(*) FROM rsl_documents WHERE status = 200 AND body IS NOT NULL" 7
# a second crawl asks for none of them again (cached for a day)
lines=$(wc -l <"$work/log.jsonl")
cs crawl "http://$paid/" --allow-loopback --delay 0.1 >/dev/null
[ "$(tail -n +$((lines + 1)) "$work/log.jsonl" | jq -r 'select(.target == "/license.xml")' | wc -l)" = 0 ]

# signals URL: the same terms, live, with their source
set +e
"$CLEARSET_BIN" signals "http://$blocked/a.jpg" --allow-loopback --delay 0.1 >"$work/sig.json"
rc=$?
set -e
[ $rc = 1 ] || { echo "signals exit $rc, expected 1"; jq . "$work/sig.json"; exit 1; }
jq -e '[.signals[] | select(.kind == "rsl" and .source == "rsl" and .effect == "opt-out"
  and .where == "http://'"$licensor"'/rsl/blocked.xml" and (.detail | test("robots.txt License")))]
  | length == 1' "$work/sig.json" >/dev/null || { echo "signals: no RSL"; jq . "$work/sig.json"; exit 1; }
set +e
"$CLEARSET_BIN" signals "http://$linked/" --allow-loopback --delay 0.1 >"$work/sig2.json"
set -e
jq -e '[.signals[] | select(.kind == "rsl" and .where == "http://'"$linked"'/terms.xml"
  and (.detail | test("Link header")))] | length == 1' "$work/sig2.json" >/dev/null ||
  { echo "signals: no Link-header RSL"; jq . "$work/sig2.json"; exit 1; }
"$CLEARSET_BIN" signals "http://$free/c.png" --allow-loopback --delay 0.1 >"$work/sig3.json"
jq -e '.opted_out == false and ([.signals[] | select(.kind == "rsl" and .effect == "permit")]
  | length == 1)' "$work/sig3.json" >/dev/null
echo ok
