#!/usr/bin/env bash
# it_demo_quick.sh - `clearset demo --quick --workdir W` end to end: one run of the whole
# pipeline (the sample web and the Fashion-MNIST training set on loopback, crawl, dedup,
# clear, export, verify, train, generate, audit, report), then checks on what it left in W.
# Add a check: add a block below that reads W, verdicts.jsonl (clear's lines, the demo's
# stdout) or demo.log (its stderr); the run itself is done once.
# Checks:
#   - every scenario of the sample web landed as designed: tests/demo_scenarios.py, the
#     checks it_demo.sh runs on the sample web alone (verdicts and reasons per picture,
#     what was never fetched and why, the server's log against robots.txt, Retry-After,
#     the export);
#   - the export verifies with the demo's key and holds only images clear's lines call
#     cleared (by SHA-256), each line of metadata.jsonl saying so;
#   - the model trained the steps asked on that export (train --info: the manifest's
#     SHA-256), its grid and model card are there;
#   - every generated PNG (quarantined ones too) is labelled: ExifTool reads IPTC
#     DigitalSourceType trainedAlgorithmicMedia and the model's SHA-256 in its XMP;
#   - the planted copies (clear's lines: blocked as laundering) are in
#     W/planted and the audit rates each a copy of another blocked image, not of itself;
#   - the summary (W/summary.json and the table on stderr) says what clear's lines say:
#     verdicts, images per "blocked:RULE", exported images per licence;
#   - the catalog page and the audit page render in headless Chromium: tiles and sections
#     in the DOM as the catalog and report.json say, verdict colours in the screenshot;
#   - a run stopped by SIGINT during its crawl, and one stopped by SIGTERM during its
#     training, exit 130 and close every port they served (each origin printed refuses
#     connections); the stopped training leaves its checkpoint; that run has
#     --json-progress, and crawl, dedup, export and train wrote JSON progress lines.
# The training set needs Debian's dataset-fashion-mnist: without it SKIPPED (exit 77); so is
# the browser part without chromium (under CI=true both fail). Under a sanitizer build the
# demo trains 40 steps (--steps, documented) instead of --quick's, to keep the suite short.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
bin=$CLEARSET_BIN
tool=${CLEARSET_IMGTRANSFORM_BIN:?}
py=/usr/bin/python3
fail() { echo "it_demo_quick: $*" >&2; exit 1; }
if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  [ "${CI:-}" = true ] && fail "dataset-fashion-mnist is required under CI"
  echo "SKIPPED: dataset-fashion-mnist is not installed (scripts/setup installs it)"
  exit 77
fi
steps=()
grep -q '^CLEARSET_SANITIZE:BOOL=ON' "${CLEARSET_BINARY_DIR:?}/CMakeCache.txt" && steps=(--steps 40)
cd "$work"
W=$work/w

# -- the run
"$bin" demo --quick --workdir "$W" --delay 0.05 --log requests.jsonl "${steps[@]}" \
  >verdicts.jsonl 2>demo.log || { tail -n 40 demo.log >&2; fail "clearset demo --quick failed"; }
grep '^{"host"' demo.log >hosts.jsonl

# -- every scenario of the sample web landed as designed (the same checks as it_demo.sh)
$py "$CLEARSET_SOURCE_DIR/tests/demo_scenarios.py" "$W/clearset.db" "$CLEARSET_SOURCE_DIR/demo/site" \
  "$bin" "$W/export" "$CLEARSET_SOURCE_DIR/tests" || fail "a scenario of the sample web did not land"
for f in clearset.db export/manifest.json model.ckpt model.ckpt.md model.ckpt.grid.png \
  generated/grid.png generated/report.json audit/report.json audit/report.html report.html \
  summary.json; do
  [ -e "$W/$f" ] || fail "$W/$f is missing"
done
jq -s -e 'length > 1000 and all(.verdict == "cleared" or .verdict == "blocked" or .verdict == "unknown")' \
  verdicts.jsonl >/dev/null || fail "stdout is not clear's verdict lines: $(head -c 300 verdicts.jsonl)"
policy=$(jq -r -s '.[0].policy' verdicts.jsonl)

# -- the export: verifies, only cleared images
"$bin" verify "$W/export" --pubkey "$W/signing.key.pub" >verify.json 2>verify.err ||
  fail "the export does not verify: $(cat verify.err)"
jq -e '.ok and .signature == "valid" and .trusted_key' verify.json >/dev/null || fail "verify: $(cat verify.json)"
$py - verdicts.jsonl "$W/export/metadata.jsonl" <<'PY' || fail "the export holds what clear did not clear"
import json, sys
verdicts = {}
for line in open(sys.argv[1]):
    v = json.loads(line); verdicts[v["sha256"]] = v["verdict"]
rows = [json.loads(line) for line in open(sys.argv[2])]
assert len(rows) > 1000, len(rows)
for r in rows:
    assert r["verdict"] == "cleared", r
    assert verdicts.get(r["sha256"]) == "cleared", (r["file_name"], verdicts.get(r["sha256"]))
assert sum(1 for r in rows if r["license"] == "MIT" and r["author"] == "Zalando SE") >= 1000
PY

# -- the model
want_steps=$(jq -r '.model.steps' "$W/summary.json")
"$bin" train --info "$W/model.ckpt" >info.json || fail "train --info failed"
manifest=$(sha256sum "$W/export/manifest.json" | cut -d' ' -f1)
jq -e --arg h "$manifest" --argjson s "$want_steps" '.step == $s and .step > 0 and
  .manifest_sha256 == $h' info.json >/dev/null || fail "the model: $(head -c 600 info.json)"
[ "${#steps[@]}" = 0 ] && { [ "$want_steps" = 300 ] || fail "--quick trained $want_steps steps"; }
"$bin" hash "$W/model.ckpt.grid.png" | jq -e '.width > 0' >/dev/null || fail "the model's grid"
grep -q "MIT" "$W/model.ckpt.md" || fail "the model card does not name the MIT licence"

# -- generated images are labelled, quarantined ones too
model_sha=$(sha256sum "$W/model.ckpt" | cut -d' ' -f1)
shopt -s nullglob
pngs=("$W"/generated/[0-9]*.png "$W"/generated/quarantine/[0-9]*.png)
[ "${#pngs[@]}" = "$(jq '.generated.images' "$W/summary.json")" ] ||
  fail "${#pngs[@]} generated PNGs, the summary says $(jq '.generated.images' "$W/summary.json")"
exiftool -j -G1 -XMP:all "${pngs[@]}" >exif.json 2>/dev/null || fail "exiftool failed"
$py - exif.json "$model_sha" "${#pngs[@]}" <<'PY' || fail "a generated image is not labelled"
import json, sys
tags, model, n = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3])
assert len(tags) == n, (len(tags), n)
want = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
for t in tags:
    assert t.get("XMP-iptcExt:DigitalSourceType") == want, t
    assert any(model in str(v) for v in t.values()), ("no model hash", t["SourceFile"])
PY

# -- the planted copies: written out and rated copies of another blocked image
$py - verdicts.jsonl "$W/audit/report.json" "$W/planted" <<'PY' || fail "the audit does not flag the planted copies"
import json, os, sys
verdicts = [json.loads(line) for line in open(sys.argv[1])]
report, planted_dir = json.load(open(sys.argv[2])), sys.argv[3]
planted = {v["sha256"]: v for v in verdicts if v["verdict"] == "blocked"
           and any(r["rule"] == "laundering" for r in v["reasons"])}
assert planted, "no laundered copy among the verdicts"
files = sorted(os.listdir(planted_dir))
assert len(files) == len(planted), (files, list(planted))
by_file = {os.path.basename(i["file"]): i for i in report["images"]
           if os.path.dirname(i["file"]) == planted_dir}
assert sorted(by_file) == files, (sorted(by_file), files)
blocked = {v["sha256"] for v in verdicts if v["verdict"] == "blocked"}
for name, image in by_file.items():
    assert image["sha256"] in planted, name
    assert image["risk"] in ("copy", "partial"), (name, image["risk"])
    others = [m for m in image["matches"] if m["sha256"] != image["sha256"]]
    assert others and others[0]["kind"] == "blocked" and others[0]["sha256"] in blocked, (name, image["matches"])
print("planted copies flagged:", len(by_file))
PY

# -- the summary says what clear's lines say
$py - verdicts.jsonl "$W/summary.json" "$W/export/metadata.jsonl" demo.log "$policy" <<'PY' || fail "the summary disagrees with clear's lines"
import collections, json, sys
verdicts = [json.loads(line) for line in open(sys.argv[1])]
s = json.load(open(sys.argv[2]))
rows = [json.loads(line) for line in open(sys.argv[3])]
log, policy = open(sys.argv[4]).read(), sys.argv[5]
count = collections.Counter(v["verdict"] for v in verdicts)
for word in ("cleared", "blocked", "unknown"):
    assert s["verdicts"][word] == count[word], (word, s["verdicts"], count)
assert s["images"] == len(verdicts), (s["images"], len(verdicts))
reasons = collections.Counter()
for v in verdicts:
    if v["verdict"] != "cleared":
        for rule in {r["rule"] for r in v["reasons"]}:
            reasons[v["verdict"] + ":" + rule] += 1
assert s["reasons"] == dict(reasons), (s["reasons"], reasons)
licences = collections.Counter(r["license"] for r in rows)
assert s["export"]["licences"] == dict(licences) and s["export"]["images"] == len(rows), s["export"]
assert s["policy"] == policy
nf = s["not_fetched"]  # every URL not fetched has a reason row while there are few reasons
assert nf["urls"] >= nf["disallowed"] + nf["failed"] + nf["skipped"], nf
if len(nf["why"]) < 12:
    assert sum(w["urls"] for w in nf["why"]) == nf["urls"], nf
    for w in nf["why"]:
        assert "%7d  %s" % (w["urls"], w["why"]) in log, ("no row for", w)
table = log[log.rindex("clearset demo: summary"):]
line = "%d cleared, %d blocked, %d unknown" % (count["cleared"], count["blocked"], count["unknown"])
assert line in table, ("the table lacks", line)
assert "%d images, one per near-duplicate cluster" % len(rows) in table, "exported row"
for rule, n in reasons.items():
    assert any(l.split()[-2:] == [str(n), rule] for l in table.splitlines()), ("no row", rule, n)
for path in s["look_at"].values():
    assert path in table, ("the table does not point at", path)
PY

# -- the pages in a browser
. "$here/support/browser.sh"
browser_require it_demo_quick
chrome() {
  browser_run "$work/chrome" --hide-scrollbars --force-device-scale-factor=1 \
    --window-size=1280,2400 "$@"
}
chrome --dump-dom "file://$W/report.html" >catalog_dom.html || fail "chromium: $(tail -5 chrome.err)"
chrome --dump-dom "file://$W/audit/report.html" >audit_dom.html || fail "chromium: $(tail -5 chrome.err)"
$py - catalog_dom.html audit_dom.html verdicts.jsonl "$W/audit/report.json" <<'PY' || fail "a page's DOM is not what the run made"
import collections, html.parser, json, sys
class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.tiles = collections.Counter(); self.sections = {}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs); cls = (a.get("class") or "").split()
        if tag == "figure" and "tile" in cls: self.tiles[a.get("data-verdict")] += 1
        if tag == "section" and "q" in cls: self.sections[a.get("data-file")] = a.get("data-risk")
cat = Dom(); cat.feed(open(sys.argv[1], encoding="utf-8").read())
verdicts = collections.Counter(json.loads(l)["verdict"] for l in open(sys.argv[3]))
for word in ("cleared", "blocked", "unknown"):  # the page shows at most 120 a verdict
    assert cat.tiles[word] == min(verdicts[word], 120), (word, cat.tiles, verdicts)
audit = Dom(); audit.feed(open(sys.argv[2], encoding="utf-8").read())
report = json.load(open(sys.argv[4]))
assert audit.sections == {i["file"]: i["risk"] for i in report["images"]}, "audit sections"
print("DOM ok:", dict(cat.tiles), len(audit.sections), "audit sections")
PY
chrome --screenshot="$work/catalog.png" "file://$W/report.html" >/dev/null || fail "screenshot failed"
chrome --screenshot="$work/audit.png" "file://$W/audit/report.html" >/dev/null || fail "screenshot failed"
read -r red _ < <("$tool" --find catalog.png 204 34 34 30)
read -r green _ < <("$tool" --find catalog.png 34 170 34 30)
[ "$red" -ge 200 ] && [ "$green" -ge 300 ] || fail "the catalog page looks blank: $red red, $green green"
read -r agreen _ < <("$tool" --find audit.png 34 170 34 30)
[ "$agreen" -ge 200 ] || fail "the audit page looks blank: $agreen green pixels"

# -- stopped by a signal: exit 130, every port it served closed
# interrupt NAME SIGNAL STEP ARGS...: runs the demo in w-NAME with ARGS, sends SIGNAL once
# "$ clearset STEP" is said (and a second more), then checks the exit status, that the stop
# is said and that no origin it printed accepts a connection any more.
interrupt() {
  local name=$1 signal=$2 step=$3 pid rc=0 origins
  shift 3
  "$bin" demo --workdir "$work/w-$name" "$@" >"$name.jsonl" 2>"$name.log" &
  pid=$!
  for _ in $(seq 1200); do grep -q "^\$ clearset $step" "$name.log" && break; sleep 0.1; done
  grep -q "^\$ clearset $step" "$name.log" || { kill "$pid"; fail "$name: no '$step' step said"; }
  sleep 1
  origins=$(grep -o '"origin":"http://[^"]*"' "$name.log" | cut -d'"' -f4 | sed 's,http://,,')
  [ "$(echo "$origins" | wc -l)" -ge 6 ] || fail "$name: the run printed no origins: $origins"
  kill "-$signal" "$pid"
  wait "$pid" || rc=$?
  [ "$rc" = 130 ] || { tail -n 20 "$name.log" >&2; fail "$name: $signal: exit $rc, expected 130"; }
  grep -q 'stopped by a signal' "$name.log" || fail "$name: the stop is not said"
  # shellcheck disable=SC2086
  $py - $origins <<'PY' || fail "$name: a server still listens after $signal"
import socket, sys
for hostport in sys.argv[1:]:
    host, port = hostport.rsplit(":", 1)
    s = socket.socket(); s.settimeout(2)
    try:
        s.connect((host, int(port)))
    except OSError:
        continue
    finally:
        s.close()
    sys.exit("still listening: " + hostport)
PY
}
# Ctrl-C in the crawl (a long delay keeps it crawling), SIGTERM in the training (which then
# leaves the checkpoint train writes when it is stopped)
interrupt crawl INT crawl --quick --delay 2
interrupt train TERM train --delay 0.05 --steps 1000000 --json-progress
[ -s "$work/w-train/model.ckpt" ] || fail "train: no checkpoint after SIGTERM"
# --json-progress reached the steps before training: their JSON progress lines are in its log
for step in crawl dedup export train; do
  grep -q "^{\"progress\":\"$step\"" train.log || fail "demo --json-progress: no $step progress"
done
echo "it_demo_quick: the run exported, trained, labelled, audited and reported as designed; SIGINT and SIGTERM stop it"
