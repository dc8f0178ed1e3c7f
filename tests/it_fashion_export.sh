#!/usr/bin/env bash
# it_fashion_export.sh - Fashion-MNIST from Debian's dataset-fashion-mnist,
# published by clearset-fashion-site (demo/fashion.c), served on loopback by
# clearset-fixture, crawled, deduplicated, cleared under a policy accepting
# MIT, exported signed and verified: the path the demo's training set and
# bench/gan take, on 200 images.
# Checks: the site (200 images, 4 gallery pages of 50, robots.txt fetched first);
# ExifTool reads the MIT licence, the copyright line and Zalando SE back from a
# PNG as the server sends it; every crawled image cleared as MIT with Zalando
# SE credited; the export verifies and holds one image per near-duplicate
# cluster (200 minus what dedup folded), each MIT by Zalando SE, the bytes the
# site served; ATTRIBUTION.md credits Zalando SE.
# Without the package (a machine without scripts/setup) the test is SKIPPED
# (exit 77), never passed.
set -euo pipefail
src=/usr/share/datasets/fashion-mnist
if [ ! -f "$src/train-images-idx3-ubyte.gz" ]; then
  echo "SKIPPED: dataset-fashion-mnist is not installed ($src; scripts/setup installs it)"
  exit 77
fi
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
mit=https://opensource.org/licenses/MIT
cd "$work"

"${CLEARSET_FASHION_SITE_BIN:?}" --out site --count 200 --per-page 50 >site.json
[ "$(jq -c '[.images, .pages]' site.json)" = "[200,4]" ] || { cat site.json; exit 1; }
[ "$(ls site/www/images | wc -l)" -eq 200 ] && [ -f site/www/robots.txt ]
grep -q "rel=\"license\" href=\"$mit\"" site/www/page/0001.html

fixture_start "$work/site/scenario.json" 127.0.9.17
h=${fixture_hosts[0]}
# ExifTool on a PNG as served over HTTP (the fixture server's bytes, not the file).
/usr/bin/python3 -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())' \
  "http://$h/images/000007.png" >served.png
cmp served.png site/www/images/000007.png
exiftool -j -XMP-cc:License -XMP-xmpRights:WebStatement -XMP-dc:Rights -XMP-dc:Creator \
  served.png >exif.json
[ "$(jq -r '.[0].License' exif.json)" = "$mit" ] || { cat exif.json; exit 1; }
[ "$(jq -r '.[0].WebStatement' exif.json)" = "$mit" ]
jq -e '.[0].Rights | startswith("Copyright (c) 2017 Zalando SE")' exif.json >/dev/null
[ "$(jq -r '.[0].Creator' exif.json)" = "Zalando SE" ]
"$CLEARSET_BIN" license served.png >license.json
[ "$(jq -r '.license.spdx + "|" + .attribution.name' license.json)" = "MIT|Zalando SE" ]

"$CLEARSET_BIN" --catalog c.db crawl "http://$h/" --allow-loopback --delay 0 >crawl.json 2>crawl.err
[ "$(jq '.images' crawl.json)" -eq 200 ] || { cat crawl.json crawl.err; exit 1; }
[ "$(jq '.pages' crawl.json)" -eq 5 ] # index and four galleries
[ "$(jq -r 'select(.user_agent // "" | startswith("clearsetbot")) | .target' log.jsonl |
  head -n 1)" = /robots.txt ]

"$CLEARSET_BIN" --catalog c.db dedup >dedup.json 2>dedup.err
folded=$(jq '.near_members - .near_clusters' dedup.json) # one image per cluster is exported
echo '{"accept": ["MIT"]}' >policy.json
"$CLEARSET_BIN" --catalog c.db clear --policy policy.json >clear.jsonl 2>clear.err
[ "$(jq -r 'select(.verdict == "cleared" and .license.spdx == "MIT" and
    .attribution.name == "Zalando SE") | .image_id' clear.jsonl | wc -l)" -eq 200 ] || {
  grep -v '"cleared"' clear.jsonl | head -n 3
  exit 1
}

"$CLEARSET_BIN" keygen --out k.key >/dev/null
"$CLEARSET_BIN" --catalog c.db export --out out --key k.key --policy policy.json \
  >export.json 2>export.err
"$CLEARSET_BIN" verify out >verify.json 2>/dev/null
jq -e '.ok and .signature == "valid"' verify.json >/dev/null
want=$((200 - folded))
[ "$(jq '.images' export.json)" -eq "$want" ] || { cat export.json dedup.json; exit 1; }
[ "$(wc -l <out/metadata.jsonl)" -eq "$want" ]
[ "$(jq -r 'select(.license == "MIT" and .author == "Zalando SE" and .verdict == "cleared")
    | .file_name' out/metadata.jsonl | wc -l)" -eq "$want" ]
grep -q "Zalando SE" out/ATTRIBUTION.md
# The exported files are the bytes the site served.
head -n 3 out/metadata.jsonl | jq -r '.file_name + " " + (.url | split("/") | last)' |
  while read -r file served; do cmp "out/$file" "site/www/images/$served"; done
echo "ok: 200 published, 200 cleared MIT/Zalando SE, $want exported ($folded folded by dedup)"
