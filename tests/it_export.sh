#!/usr/bin/env bash
# it_export.sh - `clearset export` over a real catalog made by a loopback crawl.
# The fixture page (written below) shows six images: a lighthouse and its 75 %
# wallpaper copy (near duplicates, both CC0: one cluster, both cleared), a CC BY 2.0
# image with title and author, a CC BY-SA 4.0 one, one with no licence (unknown) and
# one "All rights reserved" (blocked). The two lighthouses are demo/site's with their
# metadata stripped by ExifTool, so nothing but the page speaks for them.
# Checks: exactly the cleared images, one per cluster (the larger lighthouse); every
# metadata line valid JSON with file_name first and the file there with that SHA-256;
# ATTRIBUTION.md in TASL form with the ShareAlike section; the card's YAML front
# matter; croissant.json's required keys; two exports byte-identical; an existing DIR
# refused and --force replacing it; a signed export that verify accepts, with the
# policy, catalog, snapshot and counts in its manifest; webdataset shards that tar lists with parsing .json
# members; --size copies N x N with the original's hash kept; an empty cleared set exits 1 and writes nothing; a
# missing blob fails naming the image; an export killed with SIGKILL while it writes
# (held on a FIFO put where a blob was, observed through DIR.partial) leaves no DIR,
# and the next export succeeds.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
py=/usr/bin/python3
site=$CLEARSET_SOURCE_DIR/demo/site/www
exiftool -q -all= -o "$work/l.jpg" "$site/stock/photos/lighthouse.jpg"
exiftool -q -all= -o "$work/w.jpg" "$site/blog/wp/lighthouse-wallpaper.jpg"
cp "$here/fixtures/crawler/red.jpg" "$here/fixtures/crawler/plasma.jpg" \
  "$here/fixtures/crawler/third.jpg" "$here/fixtures/crawler/blue.png" "$work/"

$py - "$work/export.json" <<'PY'
import json, sys
cc0 = "https://creativecommons.org/publicdomain/zero/1.0/"
page = f"""<html><head><title>Export fixture</title></head><body>
<div about='/l.jpg'><figure><img src='/l.jpg' alt='A lighthouse'>
<figcaption>Lighthouse at night</figcaption></figure><a rel='license' href='{cc0}'>CC0</a></div>
<div about='/w.jpg'><img src='/w.jpg' alt='Lighthouse wallpaper'><a rel='license' href='{cc0}'>CC0</a></div>
<div about='/a.jpg' xmlns:cc='http://creativecommons.org/ns#' xmlns:dct='http://purl.org/dc/terms/'>
<img src='/a.jpg' alt='A red square'><span property='dct:title'>Red</span> by
<span property='cc:attributionName'>Bo Berg</span>
<a rel='license' href='https://creativecommons.org/licenses/by/2.0/'>CC BY 2.0</a></div>
<script type='application/ld+json'>{{"@context": "https://schema.org", "@type": "ImageObject",
"contentUrl": "a.jpg", "caption": "A red square on white"}}</script>
<div about='/p.jpg' xmlns:cc='http://creativecommons.org/ns#'><img src='/p.jpg' alt='Plasma'>
<span property='cc:attributionName'>Cy Dahl</span>
<a rel='license' href='https://creativecommons.org/licenses/by-sa/4.0/'>CC BY-SA 4.0</a></div>
<img src='/c.jpg' alt='Nobody said anything about this one'>
<script type='application/ld+json'>{{"@context": "https://schema.org", "@type": "ImageObject",
"contentUrl": "/n.png", "copyrightNotice": "(c) 2024 Bo Berg. All rights reserved."}}</script>
<img src='/n.png' alt='Reserved'>
</body></html>"""
routes = [{"host": "gallery", "path": "/robots.txt", "status": 404},
          {"host": "gallery", "path": "/", "content_type": "text/html", "body": page}]
for name, file, ctype in [("l.jpg", "l.jpg", "image/jpeg"), ("w.jpg", "w.jpg", "image/jpeg"),
                          ("a.jpg", "red.jpg", "image/jpeg"), ("p.jpg", "plasma.jpg", "image/jpeg"),
                          ("c.jpg", "third.jpg", "image/jpeg"), ("n.png", "blue.png", "image/png")]:
    routes.append({"host": "gallery", "path": "/" + name, "content_type": ctype, "body_file": file})
json.dump({"hosts": {"127.0.8.81": "gallery"}, "routes": routes}, open(sys.argv[1], "w"), indent=1)
PY
fixture_start "$work/export.json" 127.0.8.81
g=${fixture_hosts[0]}
cd "$work"
"$CLEARSET_BIN" --catalog c.db crawl "http://$g/" --allow-loopback --delay 0.05 >/dev/null 2>crawl.err
"$CLEARSET_BIN" --catalog c.db dedup >/dev/null 2>dedup.err
"$CLEARSET_BIN" --catalog c.db clear --policy open >open.jsonl 2>/dev/null
"$CLEARSET_BIN" --catalog c.db clear >strict.jsonl 2>/dev/null

sha() { sha256sum "$1" | cut -d' ' -f1; }
verdict() { jq -r --arg s "$(sha "$2")" 'select(.sha256 == $s) | .verdict' "$1"; }
expect() { # expect VERDICTS FILE VERDICT
  [ "$(verdict "$1" "$2")" = "$3" ] || { echo "$2: '$(verdict "$1" "$2")', expected $3"; cat "$1"; exit 1; }
}
expect open.jsonl l.jpg cleared
expect open.jsonl w.jpg cleared # the cluster's worse copy: cleared, yet not exported
expect open.jsonl red.jpg cleared
expect open.jsonl plasma.jpg cleared
expect open.jsonl third.jpg unknown
expect open.jsonl blue.png blocked
expect strict.jsonl plasma.jpg blocked # strict does not accept ShareAlike

# -- the export: exactly the cleared images, one per cluster
"$CLEARSET_BIN" --catalog c.db export --out out --policy open >summary.json 2>export.err
jq -e '.out == "out" and .format == "imagefolder" and .images == 3 and .signed == false
       and .licences == {"CC-BY-2.0": 1, "CC-BY-SA-4.0": 1, "CC0-1.0": 1}' summary.json >/dev/null ||
  { echo "summary:"; cat summary.json export.err; exit 1; }
[ ! -e out.partial ] || { echo "out.partial left behind"; exit 1; }
$py - out "$(sha l.jpg) $(sha red.jpg) $(sha plasma.jpg)" "$g" <<'PY'
import hashlib, json, os, re, sys
out, expected, host = sys.argv[1], set(sys.argv[2].split()), sys.argv[3]
lines = open(f"{out}/metadata.jsonl", encoding="utf-8").read().split("\n")
assert lines[-1] == "", "metadata.jsonl ends with a newline"
rows = []
for n, line in enumerate(lines[:-1]):
    row = json.loads(line)  # one valid JSON object per line
    assert isinstance(row, dict), line
    assert next(iter(row)) == "file_name", f"line {n}: file_name is not first: {line}"
    rows.append(row)
assert {r["sha256"] for r in rows} == expected, (rows, expected)
keys = [r["key"] for r in rows]
assert keys == [f"{i:09d}" for i in range(len(rows))], keys
listed = set()
for r in rows:
    path = os.path.join(out, r["file_name"])
    assert re.fullmatch(r"images/\d{9}\.(jpg|png|webp)", r["file_name"]), r["file_name"]
    assert os.path.isfile(path), path
    assert hashlib.sha256(open(path, "rb").read()).hexdigest() == r["sha256"], path
    assert r["url"].startswith(f"http://{host}/") and r["page_url"] == f"http://{host}/", r
    for field in ("caption", "license", "license_url", "reasons", "width", "height"):
        assert field in r, (field, r)
    assert r["width"] > 0 and r["height"] > 0, r
    listed.add(r["file_name"])
# imagefolder layout: every image file is listed, and nothing else is in images/
on_disk = {"images/" + f for f in os.listdir(f"{out}/images")}
assert on_disk == listed, (on_disk, listed)
assert sorted(os.listdir(out)) == ["ATTRIBUTION.md", "README.md", "croissant.json", "images",
                                   "metadata.jsonl"], os.listdir(out)
by_url = {r["url"].rsplit("/", 1)[1]: r for r in rows}
assert by_url["l.jpg"]["caption"] == "Lighthouse at night", by_url["l.jpg"]  # figcaption first
assert by_url["a.jpg"]["caption"] == "A red square on white", by_url["a.jpg"]  # then JSON-LD
assert by_url["p.jpg"]["caption"] == "Plasma", by_url["p.jpg"]               # else alt
assert by_url["l.jpg"]["license"] == "CC0-1.0" and by_url["l.jpg"]["attribution"] is None
red = by_url["a.jpg"]
assert red["license"] == "CC-BY-2.0" and red["author"] == "Bo Berg", red
assert red["license_url"] == "https://creativecommons.org/licenses/by/2.0/", red
assert red["attribution"].endswith("is licensed under CC BY 2.0 "
                                   "(https://creativecommons.org/licenses/by/2.0/)"), red
print("metadata ok:", len(rows), "images")
PY

# -- ATTRIBUTION.md: TASL lines for the two that need credit, and the ShareAlike section
grep -q "by Bo Berg (http://$g/) is licensed under CC BY 2.0 (https://creativecommons.org/licenses/by/2.0/)" \
  out/ATTRIBUTION.md || { echo "no TASL line for the CC BY image"; cat out/ATTRIBUTION.md; exit 1; }
grep -q "by Cy Dahl (http://$g/) is licensed under CC BY-SA 4.0" out/ATTRIBUTION.md
grep -q "^## ShareAlike obligations" out/ATTRIBUTION.md
[ "$(grep -c '^- `images/' out/ATTRIBUTION.md)" -eq 3 ] # two credits, one SA entry

# -- the card's front matter (YAML) and croissant.json
$py - out/README.md <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
assert text.startswith("---\n"), "front matter first"
front = text[4:text.index("\n---\n", 4)]
try:
    import yaml
    meta = yaml.safe_load(front)
except ImportError:  # no PyYAML: check the exact shape this export writes
    meta = {"license": [l[2:] for l in front.split("license:\n", 1)[1].split("\ntask_", 1)[0].split("\n")],
            "task_categories": ["text-to-image"] if "- text-to-image" in front else [],
            "size_categories": ["n<1K"] if "- n<1K" in front else []}
assert meta["license"] == ["cc-by-2.0", "cc-by-sa-4.0", "cc0-1.0"], meta
assert meta["task_categories"] == ["text-to-image"], meta
assert meta["size_categories"] == ["n<1K"], meta
for words in ("## Licences", "## Sources", "## What was left out", "| blocked |", "| unknown |",
              "near duplicate of a better exported copy | 1 |", "`open`"):
    assert words in text, words
print("card ok")
PY
jq -e '.["@context"].cr and .["@context"].rai and .["@type"] == "sc:Dataset"
       and .conformsTo == "http://mlcommons.org/croissant/1.0" and .name and .description
       and (.license | length == 3) and (.distribution | map(.["@type"]) == ["cr:FileObject", "cr:FileSet"])
       and (.recordSet[0].field | length > 10) and .["rai:dataCollection"]
       and (.["rai:dataCollectionTimeframe"] | length == 2)' out/croissant.json >/dev/null ||
  { echo "croissant.json lacks a required key"; cat out/croissant.json; exit 1; }
[ "$(jq -r '.distribution[0].sha256' out/croissant.json)" = "$(sha out/metadata.jsonl)" ]

# -- deterministic: a second export is byte-identical
"$CLEARSET_BIN" --catalog c.db export --out out2 --policy open >/dev/null 2>&1
diff -r out out2 || { echo "two exports differ"; exit 1; }
"$CLEARSET_BIN" --catalog c.db export --out slash/ --policy open >/dev/null 2>&1 # out/ names out
diff -r out slash && [ ! -e slash.partial ] || { echo "--out DIR/ differs"; exit 1; }

# -- webdataset: tar shards of --shard-size samples that tar lists, every .json parses,
#    the same keys as the imagefolder export, a _stats.json per shard; deterministic too
"$CLEARSET_BIN" --catalog c.db export --out wds --policy open --format webdataset --shard-size 2 \
  >wds.json 2>/dev/null
jq -e '.format == "webdataset" and .images == 3' wds.json >/dev/null
[ "$(ls wds/*.tar | xargs -n1 basename | tr '\n' ' ')" = "00000.tar 00001.tar " ]
tar -tf wds/00000.tar >wds0.list && tar -tf wds/00001.tar >wds1.list
[ "$(cat wds0.list wds1.list | tr '\n' ' ')" = "000000000.jpg 000000000.txt 000000000.json 000000001.jpg 000000001.txt 000000001.json 000000002.jpg 000000002.txt 000000002.json " ] ||
  { echo "shard members:"; cat wds0.list wds1.list; exit 1; }
mkdir wds.x && tar -xf wds/00000.tar -C wds.x && tar -xf wds/00001.tar -C wds.x
for j in wds.x/*.json; do jq -e .sha256 "$j" >/dev/null || { echo "$j does not parse"; exit 1; }; done
for k in 000000000 000000001 000000002; do
  [ "$(sha wds.x/$k.jpg)" = "$(jq -r .sha256 wds.x/$k.json)" ] || { echo "$k: bytes differ from sha256"; exit 1; }
done
[ "$(cat wds.x/000000000.txt)" = "Lighthouse at night" ]
jq -e '.shard == "00001.tar" and .count == 1 and .keys == ["000000002"]' wds/00001_stats.json >/dev/null
"$CLEARSET_BIN" --catalog c.db export --out wds2 --policy open --format webdataset --shard-size 2 \
  >/dev/null 2>&1
diff -r wds wds2 || { echo "two webdataset exports differ"; exit 1; }

# -- --size: square copies in the original's format, the original's hash kept
"$CLEARSET_BIN" --catalog c.db export --out small --policy open --size 32 >/dev/null 2>&1
"$CLEARSET_BIN" hash small/images/* >small.hash
jq -s -e 'length == 3 and all(.width == 32 and .height == 32)' small.hash >/dev/null ||
  { echo "--size 32 copies:"; cat small.hash; exit 1; }
$py - out small <<'PY'
import hashlib, json, sys
orig = [json.loads(l) for l in open(f"{sys.argv[1]}/metadata.jsonl")]
small = [json.loads(l) for l in open(f"{sys.argv[2]}/metadata.jsonl")]
assert [s["original_sha256"] for s in small] == [o["sha256"] for o in orig], small
for o, s in zip(orig, small):
    data = open(f"{sys.argv[2]}/{s['file_name']}", "rb").read()
    assert hashlib.sha256(data).hexdigest() == s["sha256"] != o["sha256"], s
    assert (s["width"], s["height"]) == (32, 32), s
    assert (s["original_width"], s["original_height"]) == (o["width"], o["height"]), s
    assert s["file_name"] == o["file_name"], s
print("--size ok")
PY

# -- an existing DIR is refused (exit 2, untouched); --force replaces it
touch out/extra
rc=0; "$CLEARSET_BIN" --catalog c.db export --out out --policy open >/dev/null 2>refused.err || rc=$?
[ "$rc" -eq 2 ] && grep -q "already exists" refused.err && [ -e out/extra ] ||
  { echo "existing DIR: exit $rc"; cat refused.err; exit 1; }
"$CLEARSET_BIN" --catalog c.db export --out out --policy open --force >/dev/null 2>&1
diff -r out out2 || { echo "--force did not replace DIR"; exit 1; }
[ ! -e out.partial ]

# -- nothing cleared: exit 1, nothing written
echo '{"name": "mit-only", "accept": ["MIT"]}' >mit.json
"$CLEARSET_BIN" --catalog c.db clear --policy mit.json >/dev/null 2>&1
rc=0; "$CLEARSET_BIN" --catalog c.db export --out empty --policy mit.json >empty.out 2>empty.err || rc=$?
[ "$rc" -eq 1 ] && grep -q "nothing to export" empty.err && [ ! -s empty.out ] &&
  [ ! -e empty ] && [ ! -e empty.partial ] || { echo "empty export: exit $rc"; cat empty.err; exit 1; }

# -- usage errors
rc=0; "$CLEARSET_BIN" --catalog c.db export >/dev/null 2>&1 || rc=$?; [ "$rc" -eq 2 ]
rc=0; "$CLEARSET_BIN" --catalog c.db export --out x --format tar >/dev/null 2>&1 || rc=$?; [ "$rc" -eq 2 ]
"$CLEARSET_BIN" export --help | grep -q -- "--out DIR"
# a key that cannot be used is refused before anything is written
rc=0; "$CLEARSET_BIN" --catalog c.db export --out keyed --policy open --key no-such.key >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] && [ ! -e keyed ] && [ ! -e keyed.partial ] || { echo "--key no-such.key: exit $rc"; exit 1; }

# -- signed: the manifest lists every file, verify holds, the fields come from the
#    catalog, the fingerprint is keygen's; signing twice gives the same bytes
"$CLEARSET_BIN" keygen --out signer.key >keygen.json
"$CLEARSET_BIN" --catalog c.db export --out signed --policy open --key signer.key >signed.json 2>signed.err ||
  { echo "signed export failed:"; cat signed.err; exit 1; }
jq -e --arg f "$(jq -r .fingerprint keygen.json)" '.signed == true and .fingerprint == $f' signed.json >/dev/null ||
  { echo "signed summary:"; cat signed.json; exit 1; }
"$CLEARSET_BIN" verify signed --pubkey signer.key.pub >verify.json 2>/dev/null ||
  { echo "verify of a signed export failed:"; cat verify.json; exit 1; }
jq -e '.policy.name == "open" and .policy.sha256 == null and .export.images == 3
       and .counts.licences == {"CC-BY-2.0": 1, "CC-BY-SA-4.0": 1, "CC0-1.0": 1}
       and .counts.near_duplicates_left_out == 1 and .counts.excluded.blocked == 1
       and .counts.excluded.unknown == 1 and (.snapshot | test("^[0-9-]+T[0-9:]+Z$"))
       and (.files | map(.path) | index("metadata.jsonl") != null)' signed/manifest.json >/dev/null ||
  { echo "manifest.json:"; cat signed/manifest.json; exit 1; }
diff -r -x manifest.json -x manifest.sig -x signer.pub out signed || { echo "signing changed the data"; exit 1; }
"$CLEARSET_BIN" --catalog c.db export --out signed2 --policy open --key signer.key >/dev/null 2>&1
diff -r signed signed2 || { echo "two signed exports differ"; exit 1; }
# a policy file's hash is in the manifest
echo '{"name": "open-file", "accept": ["CC0", "CC-BY", "CC-BY-SA"]}' >open-file.json
"$CLEARSET_BIN" --catalog c.db clear --policy open-file.json >/dev/null 2>&1
"$CLEARSET_BIN" --catalog c.db export --out signed-file --policy open-file.json --key signer.key >/dev/null 2>&1
jq -e --arg h "$(sha open-file.json)" '.policy.sha256 == $h' signed-file/manifest.json >/dev/null ||
  { echo "no policy file hash:"; jq .policy signed-file/manifest.json; exit 1; }
"$CLEARSET_BIN" verify signed-file --pubkey signer.key.pub >/dev/null 2>&1
# a changed byte is found by verify, naming the file
printf 'x' >>signed2/images/000000001.jpg
rc=0; "$CLEARSET_BIN" verify signed2 --pubkey signer.key.pub >tampered.json 2>/dev/null || rc=$?
[ "$rc" -eq 1 ] && grep -q "images/000000001.jpg" tampered.json || { echo "tampering: exit $rc"; cat tampered.json; exit 1; }

# -- a missing blob fails cleanly, naming the image
blob_of() { # blob_of SHA256: the blob file of an image
  $py -c "import sqlite3,sys; print(sqlite3.connect('c.db').execute(
    'SELECT blob_path FROM images WHERE sha256 = ?', (sys.argv[1],)).fetchone()[0])" "$1"
}
red_blob=c.blobs/$(blob_of "$(sha red.jpg)")
red_id=$($py -c "import sqlite3,sys; print(sqlite3.connect('c.db').execute(
  'SELECT id FROM images WHERE sha256 = ?', (sys.argv[1],)).fetchone()[0])" "$(sha red.jpg)")
mv "$red_blob" red.blob
rc=0; "$CLEARSET_BIN" --catalog c.db export --out broken --policy open >/dev/null 2>broken.err || rc=$?
[ "$rc" -eq 2 ] || [ "$rc" -eq 3 ] || { echo "missing blob: exit $rc"; exit 1; }
grep -q "image $red_id " broken.err || { echo "the error does not name image $red_id:"; cat broken.err; exit 1; }
[ ! -e broken ] && [ ! -e broken.partial ] || { echo "a failed export left files"; exit 1; }
mv red.blob "$red_blob"

# -- killed halfway: the last image's blob is a FIFO, so the export waits inside
#    DIR.partial with the first images written; SIGKILL then must leave no DIR
last_sha=$(tail -n 1 out/metadata.jsonl | jq -r .sha256)
last_blob=c.blobs/$(blob_of "$last_sha")
mv "$last_blob" last.blob
mkfifo "$last_blob"
"$CLEARSET_BIN" --catalog c.db export --out killed --policy open >/dev/null 2>killed.err &
pid=$!
for _ in $(seq 600); do
  [ -n "$(ls killed.partial/images 2>/dev/null)" ] && break
  sleep 0.05
done
[ -n "$(ls killed.partial/images 2>/dev/null)" ] || { echo "the export never got halfway"; kill -9 $pid; exit 1; }
kill -0 $pid # still running, held on the FIFO
kill -9 $pid
wait $pid 2>/dev/null || true
[ ! -e killed ] || { echo "a killed export left DIR"; exit 1; }
rm "$last_blob"
mv last.blob "$last_blob"
"$CLEARSET_BIN" --catalog c.db export --out killed --policy open >/dev/null 2>&1
[ ! -e killed.partial ] && diff -r out killed || { echo "export after a killed one differs"; exit 1; }
# Progress: a bar on stderr when it is a terminal (script(1) gives the command one), none
# when it is a file (export.err above).
script -qec "\"$CLEARSET_BIN\" --catalog c.db export --out on-tty --policy open >/dev/null" \
  /dev/null >tty.out 2>&1 </dev/null || { echo "export on a terminal failed: $(cat tty.out)"; exit 1; }
n=$(wc -l <out/metadata.jsonl)
grep -q "export \[#*\] $n/$n" tty.out || { echo "no progress bar on a terminal: $(cat tty.out)"; exit 1; }
! grep -q 'export \[' export.err || { echo "a progress bar went to a file"; exit 1; }
echo "export ok"
