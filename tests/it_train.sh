#!/usr/bin/env bash
# it_train.sh - `clearset train` trains on a verified export only.
# A real signed export is made over loopback (crawl, dedup, clear --policy open,
# keygen, export --key) from a page showing three images: red (CC BY 2.0, with
# title and author), plasma (CC BY-SA 4.0) and third (CC0).
# Refused with exit 2 and the problem named: a folder that is not an export, a
# tampered image, a tampered manifest.sig, a signer not in --trusted-keys, and a
# metadata.jsonl that lists a non-cleared image, re-signed with the same key so
# that the signature holds (jq edits the verdict, python rewrites the manifest's
# entry for metadata.jsonl, `openssl pkeyutl -sign -rawin` signs it; verify
# accepts that folder, train refuses it).
# OpenBLAS is loaded by train, not by a command that multiplies no matrix (status).
# A good export trains a few steps (batch 4): --info shows the manifest's
# SHA-256 and signer key in the checkpoint and the licences in its metadata;
# MODEL.md names the licences and obligations; the grid PNG decodes (clearset
# hash). 6 steps in one run give the same checkpoint bytes as 3 + 3 with
# --resume. --size 64 trains the five-layer networks (a 512 x 512 grid, size 64 in
# the metadata), resumes only at 64, and generates 64 x 64 PNGs; --size 48 is bad
# usage. SIGINT mid-run exits 130 and leaves a checkpoint that loads.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
py=/usr/bin/python3
cp "$here/fixtures/crawler/red.jpg" "$here/fixtures/crawler/plasma.jpg" \
  "$here/fixtures/crawler/third.jpg" "$work/"

$py - "$work/train.json" <<'PY'
import json, sys
page = """<html><head><title>Train fixture</title></head><body>
<div about='/a.jpg' xmlns:cc='http://creativecommons.org/ns#' xmlns:dct='http://purl.org/dc/terms/'>
<img src='/a.jpg' alt='A red square'><span property='dct:title'>Red</span> by
<span property='cc:attributionName'>Bo Berg</span>
<a rel='license' href='https://creativecommons.org/licenses/by/2.0/'>CC BY 2.0</a></div>
<div about='/p.jpg' xmlns:cc='http://creativecommons.org/ns#'><img src='/p.jpg' alt='Plasma'>
<span property='cc:attributionName'>Cy Dahl</span>
<a rel='license' href='https://creativecommons.org/licenses/by-sa/4.0/'>CC BY-SA 4.0</a></div>
<div about='/c.jpg'><img src='/c.jpg' alt='Third'>
<a rel='license' href='https://creativecommons.org/publicdomain/zero/1.0/'>CC0</a></div>
</body></html>"""
routes = [{"host": "gallery", "path": "/robots.txt", "status": 404},
          {"host": "gallery", "path": "/", "content_type": "text/html", "body": page}]
for name, file in [("a.jpg", "red.jpg"), ("p.jpg", "plasma.jpg"), ("c.jpg", "third.jpg")]:
    routes.append({"host": "gallery", "path": "/" + name, "content_type": "image/jpeg",
                   "body_file": file})
json.dump({"hosts": {"127.0.8.91": "gallery"}, "routes": routes}, open(sys.argv[1], "w"), indent=1)
PY
fixture_start "$work/train.json" 127.0.8.91
g=${fixture_hosts[0]}
cd "$work"
"$CLEARSET_BIN" --catalog c.db crawl "http://$g/" --allow-loopback --delay 0.05 >/dev/null 2>crawl.err
"$CLEARSET_BIN" --catalog c.db dedup >/dev/null 2>dedup.err
"$CLEARSET_BIN" --catalog c.db clear --policy open >verdicts.jsonl 2>/dev/null
"$CLEARSET_BIN" keygen --out signer.key >keygen.json
"$CLEARSET_BIN" keygen --out other.key >other.json
"$CLEARSET_BIN" --catalog c.db export --out ds --policy open --key signer.key >export.json 2>export.err ||
  { cat export.err verdicts.jsonl; exit 1; }
jq -e '.images == 3' export.json >/dev/null || { cat export.json; exit 1; }
jq -e -s 'all(.verdict == "cleared")' ds/metadata.jsonl >/dev/null ||
  { echo "metadata.jsonl does not say cleared per image"; cat ds/metadata.jsonl; exit 1; }
jq -r .fingerprint keygen.json >trusted.txt
jq -r .fingerprint other.json >untrusted.txt

train() { "$CLEARSET_BIN" train --batch 4 --steps 2 --checkpoint-every 0 "$@"; }
refused() { # refused WHAT EXPECTED_MESSAGE ARGS...
  local what=$1 message=$2 rc=0
  shift 2
  train "$@" --out "refused.ckpt" >/dev/null 2>refused.err || rc=$?
  [ "$rc" = 2 ] || { echo "$what: exit $rc, expected 2"; cat refused.err; exit 1; }
  grep -q -- "$message" refused.err || { echo "$what: no '$message' in:"; cat refused.err; exit 1; }
  [ ! -e refused.ckpt ] || { echo "$what: a checkpoint was written"; exit 1; }
}

# -- refusals
# flip FILE OFFSET: inverts one bit, so the file always changes (writing a fixed byte would
# not when the signature, which covers the export's time, already holds it)
flip() { $py -c "import sys; f = open(sys.argv[1], 'r+b'); f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 1]))" "$1" "$2"; }
mkdir plain && cp red.jpg plain/
refused "not an export" "is not a clearset export" --dataset plain
refused "missing folder" "is not a clearset export" --dataset nowhere
cp -r ds tampered
first=$(ls tampered/images | head -1)
flip "tampered/images/$first" 200
refused "tampered image" "images/$first: content differs" --dataset tampered
cp -r ds badsig
flip badsig/manifest.sig 10
refused "bad signature" "bad signature" --dataset badsig
refused "untrusted signer" "untrusted signer" --dataset ds --trusted-keys untrusted.txt
cp -r ds blocked
jq -c 'if .license == "CC0-1.0" then .verdict = "blocked" else . end' ds/metadata.jsonl \
  >blocked/metadata.jsonl
$py - blocked <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
m = json.load(open(f"{d}/manifest.json"))
data = open(f"{d}/metadata.jsonl", "rb").read()
for f in m["files"]:
    if f["path"] == "metadata.jsonl":
        f["sha256"], f["size"] = hashlib.sha256(data).hexdigest(), len(data)
open(f"{d}/manifest.json", "w").write(json.dumps(m, indent=2, sort_keys=True) + "\n")
PY
openssl pkeyutl -sign -inkey signer.key -rawin -in blocked/manifest.json -out blocked/manifest.sig
"$CLEARSET_BIN" verify blocked >/dev/null 2>verify.err ||
  { echo "the re-signed folder should verify"; cat verify.err; exit 1; }
refused "non-cleared image" "is not cleared (verdict: blocked)" --dataset blocked

# -- a good export trains; the checkpoint carries its provenance
mkdir m
train --dataset ds --out m/model --steps 4 --checkpoint-every 2 --trusted-keys trusted.txt \
  >trained.json 2>trained.err || { cat trained.err; exit 1; }
jq -e '.step == 4 and .images == 3 and .channels == 3 and .interrupted == false' trained.json \
  >/dev/null || { cat trained.json; exit 1; }
"$CLEARSET_BIN" train --info m/model >info.json
manifest=$(sha256sum ds/manifest.json | cut -d' ' -f1)
jq -e --arg h "$manifest" --arg f "$(cat trusted.txt)" '.step == 4 and .manifest_sha256 == $h
  and .metadata.data.manifest_sha256 == $h and .metadata.data.signer_fingerprint == $f
  and .metadata.data.policy == "open" and .metadata.settings.steps == 4
  and ([.metadata.licences[] | {(.spdx): .images}] | add) == {"CC-BY-2.0": 1, "CC-BY-SA-4.0": 1, "CC0-1.0": 1}
  and .metadata.obligations.share_alike == ["CC-BY-SA-4.0"]' info.json >/dev/null ||
  { echo "checkpoint info:"; cat info.json; exit 1; }
signer_hex=$(openssl pkey -pubin -in ds/signer.pub -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \n')
jq -e --arg s "$signer_hex" '.signer == $s' info.json >/dev/null ||
  { echo "signer key $signer_hex not in:"; cat info.json; exit 1; }
for word in "$manifest" CC-BY-SA-4.0 CC-BY-2.0 CC0-1.0 ShareAlike "Bo Berg" SWD; do
  grep -q -- "$word" m/model.md || { echo "model card lacks '$word':"; cat m/model.md; exit 1; }
done
"$CLEARSET_BIN" hash m/model.grid.png >grid.json
jq -e '.width == 256 and .height == 256' grid.json >/dev/null || { cat grid.json; exit 1; }
rc=0
train --dataset ds --out m/model >/dev/null 2>exists.err || rc=$?
[ "$rc" = 2 ] && grep -q -- "--resume" exists.err || { echo "existing MODEL: exit $rc"; exit 1; }

# -- resume: 3 + 3 steps give the bytes of 6 in one run
train --dataset ds --out one.ckpt --steps 6 --checkpoint-every 2 >/dev/null 2>one.err ||
  { cat one.err; exit 1; }
train --dataset ds --out two.ckpt --steps 3 --checkpoint-every 2 >/dev/null 2>two.err ||
  { cat two.err; exit 1; }
train --dataset ds --out two.ckpt --steps 6 --checkpoint-every 2 --resume >/dev/null 2>two.err ||
  { cat two.err; exit 1; }
cmp one.ckpt two.ckpt || { echo "resumed checkpoint differs from the uninterrupted one"; exit 1; }
cmp one.ckpt.grid.png two.ckpt.grid.png || { echo "resumed grid differs"; exit 1; }
rc=0
train --dataset tampered --out two.ckpt --steps 8 --resume >/dev/null 2>/dev/null || rc=$?
[ "$rc" = 2 ] || { echo "resume on a tampered export: exit $rc"; exit 1; }

# -- --size 64: the five-layer networks, resumed at their own size only
train --dataset ds --out big.ckpt --size 64 --steps 2 >big.json 2>big.err || { cat big.err; exit 1; }
jq -e '.step == 2' big.json >/dev/null || { cat big.json; exit 1; }
"$CLEARSET_BIN" hash big.ckpt.grid.png >big_grid.json
jq -e '.width == 512 and .height == 512' big_grid.json >/dev/null || { cat big_grid.json; exit 1; }
"$CLEARSET_BIN" train --info big.ckpt | jq -e '.metadata.data.size == 64' >/dev/null ||
  { "$CLEARSET_BIN" train --info big.ckpt; exit 1; }
rc=0
train --dataset ds --out big.ckpt --steps 4 --resume >/dev/null 2>big.err || rc=$?
[ "$rc" = 2 ] && grep -q -- "--size 64" big.err || { echo "resume at 32: exit $rc"; cat big.err; exit 1; }
train --dataset ds --out big.ckpt --size 64 --steps 3 --resume >/dev/null 2>big.err ||
  { cat big.err; exit 1; }
rc=0
"$CLEARSET_BIN" --catalog gen64.db generate --dataset ds --model big.ckpt -n 2 --out gen64 \
  >gen64.json 2>gen64.err || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || { echo "generate at 64: exit $rc"; cat gen64.err; exit 1; }
for f in gen64/*.png; do
  "$CLEARSET_BIN" hash "$f" | jq -e '.width == 64 and .height == 64' >/dev/null ||
    { echo "$f is not 64 x 64"; exit 1; }
done
[ "$(ls gen64/*.png gen64/quarantine/*.png 2>/dev/null | wc -l)" = 2 ] || { ls -R gen64; exit 1; }
rc=0
train --dataset ds --out odd.ckpt --size 48 >/dev/null 2>odd.err || rc=$?
[ "$rc" = 2 ] || { echo "--size 48: exit $rc"; exit 1; }

# -- SIGINT: stops after the current step with a loadable checkpoint, exit 130
"$CLEARSET_BIN" train --dataset ds --out int.ckpt --batch 4 --steps 1000000 --checkpoint-every 1 \
  >int.json 2>int.err &
pid=$!
for _ in $(seq 600); do [ -s int.ckpt ] && break; sleep 0.05; done
[ -s int.ckpt ] || { echo "no checkpoint appeared"; cat int.err; kill "$pid"; exit 1; }
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 130 ] || { echo "SIGINT: exit $rc, expected 130"; cat int.err; exit 1; }
jq -e '.interrupted == true and .step > 0 and .step < 1000000' int.json >/dev/null ||
  { cat int.json; exit 1; }
"$CLEARSET_BIN" train --info int.ckpt >int_info.json
[ "$(jq .step int_info.json)" = "$(jq .step int.json)" ] || { cat int_info.json int.json; exit 1; }
[ -s int.ckpt.md ] || { echo "no model card after SIGINT"; exit 1; }
# OpenBLAS is loaded by what multiplies matrices only (generator/blas.c): every other
# command starts without its constructor and thread pool
LD_DEBUG=files "$CLEARSET_BIN" --catalog "$PWD/none.db" status > /dev/null 2> ld_status.txt || true
if grep -q "file=.*libopenblas" ld_status.txt; then echo "status loaded OpenBLAS"; exit 1; fi
grep -q "file=.*libcurl" ld_status.txt || { echo "LD_DEBUG=files lists no library"; exit 1; }
mkdir ld
LD_DEBUG=files train --dataset ds --out ld/model --steps 1 --trusted-keys trusted.txt \
  > /dev/null 2> ld_train.txt
grep -q "file=.*libopenblas.*dynamically loaded" ld_train.txt ||
  { echo "train did not load OpenBLAS"; grep -i blas ld_train.txt | head; exit 1; }
echo "it_train: ok"
