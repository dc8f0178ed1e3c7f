#!/usr/bin/env bash
# it_crawl_signals.sh - `clearset signals URL` and the evidence a crawl records.
# The fixture's site opts out every way clearset knows (robots.txt Content-Signal and a
# GPTBot group, tdmrep.json, X-Robots-Tag, meta robots, TDMRep meta); the other site
# opts out of nothing and licenses its images with rel=license (page-wide and RDFa).
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
fixture_start crawler/signals.json 127.0.4.41 127.0.4.42
o=${fixture_hosts[0]}; p=${fixture_hosts[1]}

# signals: exit 1 (opted out) with every signal and where it was found
set +e
"$CLEARSET_BIN" signals "http://$o/gallery/" --allow-loopback --delay 0.1 > "$work/sig.json"
rc=$?
set -e
[ $rc = 1 ] || { echo "signals exit $rc, expected 1"; cat "$work/sig.json"; exit 1; }
jq -e '.opted_out == true and .robots_txt.status == 200 and .robots_txt.allowed == true' "$work/sig.json" >/dev/null
for kind in content-signal ai-crawler-rule tdm-reservation robots-directive; do
  jq -e --arg k "$kind" '[.signals[] | select(.kind == $k and .effect == "opt-out")] | length > 0' \
    "$work/sig.json" >/dev/null || { echo "no opt-out of kind $kind"; jq . "$work/sig.json"; exit 1; }
done
jq -e '[.signals[] | select(.source == "meta" and .value == "noimageai")] | length == 1' "$work/sig.json" >/dev/null
jq -e '[.signals[] | select(.source == "tdmrep.json")] | length == 1' "$work/sig.json" >/dev/null
$check first "$work/log.jsonl" 127.0.4.41 /robots.txt

# a disallowed URL: reported, exit 1, never requested
set +e
"$CLEARSET_BIN" signals "http://$o/secret/x.html" --allow-loopback --delay 0.1 > "$work/secret.json"
rc=$?
set -e
[ $rc = 1 ]
jq -e '.robots_txt.allowed == false and .status == null' "$work/secret.json" >/dev/null
$check never "$work/log.jsonl" 127.0.4.41 /secret/x.html

# the plain site: no opt-out, exit 0
"$CLEARSET_BIN" signals "http://$p/" --allow-loopback --delay 0.1 > "$work/plain.json"
jq -e '.opted_out == false and .status == 200' "$work/plain.json" >/dev/null
"$CLEARSET_BIN" signals --help | grep -q "usage: clearset signals"

# an image's own IPTC plus:DataMining (license/'s fixture: DMI-PROHIBITED-GENAIMLTRAINING)
set +e
"$CLEARSET_BIN" signals "http://$o/gallery/dm.png" --allow-loopback --delay 0.1 > "$work/dm.json"
set -e
jq -e '[.signals[] | select(.kind == "iptc-data-mining" and .effect == "opt-out")] | length == 1' \
  "$work/dm.json" >/dev/null || { echo "no data-mining signal"; jq . "$work/dm.json"; exit 1; }

# an image's own C2PA training-mining assertion (license/'s fixture: ai_training notAllowed)
set +e
"$CLEARSET_BIN" signals "http://$p/c2pa.jpg" --allow-loopback --delay 0.1 > "$work/c2pa.json"
rc=$?
set -e
[ $rc = 1 ] || { echo "signals on a C2PA-reserved image exit $rc, expected 1"; jq . "$work/c2pa.json"; exit 1; }
jq -e '[.signals[] | select(.kind == "c2pa-training-mining" and .effect == "opt-out")] | length >= 1' \
  "$work/c2pa.json" >/dev/null || { echo "no C2PA training-mining signal"; jq . "$work/c2pa.json"; exit 1; }

# a crawl records the same evidence with where it was found
"$CLEARSET_BIN" --catalog "$work/c.db" crawl "http://$o/gallery/" "http://$p/" \
  --allow-loopback --delay 0.1 > /dev/null
$check sql "$work/c.db" "SELECT DISTINCT kind FROM optout_signals WHERE effect = 'opt-out' AND found_at LIKE 'http://$o/%' ORDER BY kind" \
  "$(printf 'ai-crawler-rule\ncontent-signal\niptc-data-mining\nmeta-robots\ntdm-meta\ntdmrep-json\nx-robots-tag')"
# the image's embedded licence is rights evidence (XMP), found at the image URL
$check sql "$work/c.db" "SELECT r.origin, r.license_spdx FROM rights_evidence r JOIN image_urls l ON l.image_id = r.image_id JOIN urls u ON u.id = l.url_id WHERE u.url = 'http://$o/gallery/dm.png' AND r.field LIKE 'XMP-%:License'" "xmp|CC-BY-SA-2.0-UK"
$check sql "$work/c.db" "SELECT count(*) FROM optout_signals o JOIN images i ON i.id = o.image_id WHERE o.kind = 'x-robots-tag' AND o.scope = 'image'" 2
$check sql "$work/c.db" "SELECT count(*) FROM optout_signals WHERE found_at LIKE 'http://$p/%'" 0
# page-side licences: JSON-LD and microdata ImageObjects (j.jpg, m.jpg), RDFa-scoped CC0
# with attribution (plasma.jpg), page-wide rel=license (red.jpg)
$check sql "$work/c.db" "SELECT s.license_scope, s.license_url, coalesce(s.attribution_name, '') FROM sightings s JOIN urls u ON u.id = s.image_url_id WHERE u.url LIKE 'http://$p/%' ORDER BY u.url" \
  "$(printf 'json-ld|https://creativecommons.org/licenses/by-sa/4.0/|Jo\nmicrodata|https://creativecommons.org/licenses/by-nc/4.0/|\nrdfa-about|https://creativecommons.org/publicdomain/zero/1.0/|Ann\npage|https://creativecommons.org/licenses/by/4.0/|')"
$check sql "$work/c.db" "SELECT count(*) FROM rights_evidence r JOIN pages p ON p.id = r.page_id JOIN urls u ON u.id = p.url_id WHERE u.url LIKE 'http://$p/%'" 4
# ... and the evidence made from them carries the normalised SPDX id (dedup compares those)
$check sql "$work/c.db" "SELECT r.license_spdx FROM rights_evidence r JOIN pages p ON p.id = r.page_id JOIN urls u ON u.id = p.url_id WHERE u.url LIKE 'http://$p/%' ORDER BY r.license_spdx" \
  "$(printf 'CC-BY-4.0\nCC-BY-NC-4.0\nCC-BY-SA-4.0\nCC0-1.0')"
echo ok
