#!/usr/bin/env bash
# it_generate.sh - `clearset generate` on a model trained on a real signed export.
# The export: four CC0 images crawled over loopback, cleared under the open policy,
# exported and signed (grey copies of the fixtures). Models (tests/tools/tinygan, which
# reads the export as `clearset train` does but trains a narrow GAN fast): one
# trained 400 steps on the four (it collapses onto them: memorised copies), one
# untrained (noise, like no training image), one without provenance.
# Checks: generate refuses a model without provenance, a corrupted checkpoint, a missing
# one and a dataset that is not the model's (exit 2, naming the problem); the untrained
# model's images carry the label (ExifTool reads IPTC DigitalSourceType and the hashes),
# their sidecars parse, the report has a memorisation entry per image and exit is 0; the
# memorising model's copies are quarantined with their sidecars, the report says why and
# exit is 1; a model `clearset train` made gets its licence obligations in the label and the
# sidecar; an image that is a protected work (--protected) is quarantined too.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
py=/usr/bin/python3
tinygan=${CLEARSET_TINYGAN_BIN:?}
# Grey copies: the narrow test GAN collapses onto four grey images within 400 steps.
for f in red.jpg plasma.jpg third.jpg blue.png; do
  "${CLEARSET_IMGTRANSFORM_BIN:?}" "$here/fixtures/crawler/$f" "$work/$f" grey
done

$py - "$work/site.json" <<'PY'
import json, sys
cc0 = "https://creativecommons.org/publicdomain/zero/1.0/"
files = [("a.jpg", "red.jpg", "image/jpeg"), ("p.jpg", "plasma.jpg", "image/jpeg"),
         ("t.jpg", "third.jpg", "image/jpeg"), ("b.png", "blue.png", "image/png")]
page = "<html><body>" + "".join(
    f"<div about='/{n}'><img src='/{n}' alt='{n}'><a rel='license' href='{cc0}'>CC0</a></div>"
    for n, _, _ in files) + "</body></html>"
routes = [{"host": "gallery", "path": "/robots.txt", "status": 404},
          {"host": "gallery", "path": "/", "content_type": "text/html", "body": page}]
routes += [{"host": "gallery", "path": "/" + n, "content_type": t, "body_file": f}
           for n, f, t in files]
json.dump({"hosts": {"127.0.8.91": "gallery"}, "routes": routes}, open(sys.argv[1], "w"))
PY
fixture_start "$work/site.json" 127.0.8.91
g=${fixture_hosts[0]}
cd "$work"
"$CLEARSET_BIN" --catalog c.db crawl "http://$g/" --allow-loopback --delay 0.05 >/dev/null 2>crawl.err
"$CLEARSET_BIN" --catalog c.db dedup >/dev/null 2>dedup.err
"$CLEARSET_BIN" --catalog c.db clear --policy open >/dev/null 2>&1
"$CLEARSET_BIN" keygen --out signer.key >/dev/null
"$CLEARSET_BIN" --catalog c.db export --out ds --policy open --key signer.key >/dev/null 2>export.err
[ "$(ls ds/images | wc -l)" -eq 4 ] || { echo "export: $(ls ds/images)"; cat export.err; exit 1; }

"$tinygan" ds mem.ckpt 400
"$tinygan" ds fresh.ckpt 0
"$tinygan" ds noprov.ckpt 0 --no-provenance

gen() { "$CLEARSET_BIN" --catalog c.db generate --dataset ds -n 8 "$@"; }
refused() { # refused WHAT-THE-MESSAGE-SAYS ARGS...: exit 2, nothing quarantined
  local want=$1 rc=0; shift
  gen "$@" >refused.out 2>refused.err || rc=$?
  [ "$rc" -eq 2 ] && grep -q -- "$want" refused.err ||
    { echo "generate $*: exit $rc, expected 2 and '$want'"; cat refused.err; exit 1; }
}

# 1. refusals
refused "provenance" --model noprov.ckpt --out o-noprov
cp mem.ckpt bad.ckpt
/usr/bin/python3 -c "import sys; f = open(sys.argv[1], 'r+b'); f.seek(2000); b = f.read(1); f.seek(2000); f.write(bytes([b[0] ^ 0xff]))" bad.ckpt # always a change
refused "bad.ckpt" --model bad.ckpt --out o-bad
refused "no-such.ckpt" --model no-such.ckpt --out o-missing
cp -r ds other && printf ' ' >>other/manifest.json
rc=0; "$CLEARSET_BIN" --catalog c.db generate --dataset other -n 2 --model mem.ckpt --out o-other \
  >/dev/null 2>other.err || rc=$?
[ "$rc" -eq 2 ] && grep -q "not the one the model was trained on" other.err ||
  { echo "another dataset: exit $rc"; cat other.err; exit 1; }

# 2. an unrelated (untrained) model: labelled, nothing quarantined, exit 0
gen --model fresh.ckpt --out o-fresh --grid >fresh.json 2>fresh.err ||
  { echo "fresh model: exit $?"; cat fresh.err; exit 1; }
[ -f o-fresh/grid.png ] && [ ! -e o-fresh/quarantine ] || { echo "fresh: $(ls o-fresh)"; exit 1; }
model_sha=$(sha256sum fresh.ckpt | cut -d' ' -f1)
manifest_sha=$(sha256sum ds/manifest.json | cut -d' ' -f1)
exiftool -j -G1 -XMP-iptcExt:DigitalSourceType -XMP:all o-fresh/0000.png >exif.json
$py - exif.json o-fresh "$model_sha" "$manifest_sha" <<'PY'
import json, sys, glob
tags = json.load(open(sys.argv[1]))[0]
want = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
assert tags.get("XMP-iptcExt:DigitalSourceType") == want, tags
assert any(sys.argv[3] in str(v) for v in tags.values()), ("model hash", tags)
assert any(sys.argv[4] in str(v) for v in tags.values()), ("manifest hash", tags)
sidecars = sorted(glob.glob(sys.argv[2] + "/[0-9]*.json"))
assert len(sidecars) == 8, sidecars
for i, path in enumerate(sidecars):
    s = json.load(open(path))
    assert s["index"] == i and s["model_sha256"] == sys.argv[3], s
    assert s["manifest_sha256"] == sys.argv[4] and s["digital_source_type"] == want, s
    assert len(s["signer"]) == 64 and "obligations" in s and "seed" in s, s
report = json.load(open(sys.argv[2] + "/report.json"))
assert len(report["images"]) == 8, report
for image in report["images"]:
    m = image["memorisation"]
    assert image["risk"] == "none" and not m["memorised"] and m["ratio"] > 0.6, image
PY

# 3. a model that memorised its four images: copies quarantined, the report says why, exit 1
rc=0; gen --model mem.ckpt --out o-mem >mem.json 2>mem.err || rc=$?
[ "$rc" -eq 1 ] || { echo "memorising model: exit $rc"; jq -c "[.images[].memorisation.ratio]" o-mem/report.json; cat mem.err; exit 1; }
$py - o-mem <<'PY'
import json, sys, os
d = sys.argv[1]
report = json.load(open(d + "/report.json"))
copies = [i for i in report["images"] if i["risk"] == "copy"]
assert copies, report
for image in report["images"]:
    name = os.path.basename(image["file"])
    m = image["memorisation"]
    if image["risk"] == "copy":
        assert m["memorised"] and m["ratio"] < m["threshold"] and m["nearest"].startswith("ds/images/"), image
        assert os.path.exists(f"{d}/quarantine/{name}") and not os.path.exists(f"{d}/{name}"), name
        assert os.path.exists(f"{d}/quarantine/{name[:-4]}.json"), name
    else:
        assert os.path.exists(f"{d}/{name}") and not m["memorised"], image
PY
grep -q "Memorised: a copy of the training image" o-mem/report.html ||
  { echo "report.html does not say why"; exit 1; }

# 4. a model `clearset train` made carries the export's licences: the label says what they oblige
"$CLEARSET_BIN" train --dataset ds --out trained.ckpt --steps 2 --batch 8 >/dev/null 2>train.err ||
  { echo "train: exit $?"; cat train.err; exit 1; }
rc=0; gen --model trained.ckpt --out o-trained -n 2 >/dev/null 2>trained.err || rc=$?
[ "$rc" -le 1 ] || { echo "trained model: exit $rc"; cat trained.err; exit 1; }
png=o-trained/0000.png; [ -f "$png" ] || png=o-trained/quarantine/0000.png
exiftool -j -G1 -XMP-xmpRights:UsageTerms -XMP-dc:Rights "$png" >rights.json
jq -e '.[0]["XMP-xmpRights:UsageTerms"] | test("^Trained on CC0-1.0 \\(4 images\\) images; attribution: see ATTRIBUTION.md")' \
  rights.json >/dev/null || { echo "obligations label:"; cat rights.json; exit 1; }
jq -e '.licences[0].spdx == "CC0-1.0" and (.obligations | test("CC0-1.0"))' "${png%.png}.json" \
  >/dev/null || { echo "obligations sidecar:"; cat "${png%.png}.json"; exit 1; }

# 5. a generated image that is a protected work: quarantined by the works' check
mkdir works && cp o-fresh/0003.png works/
rc=0; gen --model fresh.ckpt --out o-works --protected works >/dev/null 2>works.err || rc=$?
[ "$rc" -eq 1 ] && [ -f o-works/quarantine/0003.png ] && [ -f o-works/quarantine/0003.json ] ||
  { echo "protected work: exit $rc; $(ls -R o-works)"; cat works.err; exit 1; }
jq -e '.images[] | select(.file | endswith("0003.png")) | .risk == "copy" and
  (.matches[0].kind == "file") and (.memorisation.memorised | not)' o-works/report.json >/dev/null ||
  { echo "protected work: report"; cat o-works/report.json; exit 1; }
echo "it_generate: ok"
