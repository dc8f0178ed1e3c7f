#!/usr/bin/env bash
# it_audit.sh - `clearset protect` and `clearset audit` end to end.
# The PDQ reference photos (tests/fixtures/pdq/) are registered as protected works
# with an owner; queries are made from them with tests/tools/imgtransform (the
# similarity checker's own edits, tests/imagegen/): cropped, rotated a little and by a
# quarter turn, mirrored, re-compressed as JPEG at quality 30, pasted into a collage;
# plus procedural images related to no work, and a name full of HTML.
# Checks: protect's JSON lines, a folder walked by content, a non-image refused with
# exit 2 while the rest are registered; --list and --remove; report.json's exact names
# (images[].file/risk/matches[].work/stage/pdq_distance/inliers/coverage/owner), the
# risk of each query and its best match's work, and the summary; exit codes (1 risky,
# 0 clean, 2 for --model, no works, bad usage, an unreadable query that the report
# lists while the others are audited, an unknown policy); --protected DIR with no catalog
# at all; an image the catalog blocked (a loopback crawl, dedup, clear) as a work named by
# its URL and owner; that an
# audit creates no catalog and changes none.
# Then report.html in headless Chromium: from the DOM, every query's thumbnail and its
# matched works' thumbnails are data: URI images, one outline polygon per match, the
# script ran (filter counts), nothing is fetched from outside and the hostile name is
# text; from a screenshot (decoded by imgtransform --find, with the project's PNG
# decoder), the magenta outline's pixels lie where the DOM says the first polygon is.
# Without chromium the browser part is SKIPPED (exit 77, ctest's skip) and under CI=true
# it fails.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
bin=$CLEARSET_BIN
tool=${CLEARSET_IMGTRANSFORM_BIN:?}
pdq=$here/fixtures/pdq
cd "$work"
fail() { echo "it_audit: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# -- protect: a folder of works (with a README that is skipped), an owner and a note
mkdir works
cp "$pdq/bridge-1-original.jpg" "$pdq/q0122.jpg" "$pdq/q2821.jpg" "$pdq/wee.jpg" works/
echo "these photos are not to be used" >works/README
"$bin" --catalog c.db protect works --owner 'Meta <pdq@example.org>' --note 'PDQ test data' \
  >protect.jsonl 2>protect.err || fail "protect failed: $(cat protect.err)"
[ "$(wc -l <protect.jsonl)" -eq 4 ] || fail "protect printed $(wc -l <protect.jsonl) lines, expected 4"
for f in bridge-1-original.jpg q0122.jpg q2821.jpg wee.jpg; do
  jq -e -s --arg p "works/$f" --arg s "$(sha "works/$f")" 'map(select(.path == $p)) |
      length == 1 and (.[0] | (.id | type) == "number" and .sha256 == $s and
      .owner == "Meta <pdq@example.org>" and .note == "PDQ test data" and
      (.keypoints | type) == "number" and .added == true)' \
    protect.jsonl >/dev/null || fail "protect: no good line for works/$f: $(cat protect.jsonl)"
done
jq -e -s 'map(select(.path == "works/bridge-1-original.jpg")) | .[0].keypoints > 20' \
  protect.jsonl >/dev/null || fail "protect: the bridge photo got too few keypoints: $(cat protect.jsonl)"

# a file that is not an image: exit 2, named on stderr, the others registered again
echo "not an image" >notes.jpg
set +e
"$bin" --catalog c.db protect notes.jpg works/q0122.jpg >again.jsonl 2>again.err
rc=$?
set -e
[ $rc -eq 2 ] || fail "protect with a non-image exited $rc, expected 2"
grep -q 'notes.jpg' again.err || fail "protect did not name notes.jpg: $(cat again.err)"
jq -e -s 'length == 1 and .[0].path == "works/q0122.jpg" and .[0].added == false' again.jsonl \
  >/dev/null || fail "protect did not register q0122.jpg beside the bad file: $(cat again.jsonl)"

# --list, --remove
"$bin" --catalog c.db protect --list >list.jsonl
jq -e -s 'length == 4 and all(.owner == "Meta <pdq@example.org>")' list.jsonl >/dev/null ||
  fail "protect --list: $(cat list.jsonl)"
# the catalog keeps where a work really is (stdout above says the path as given)
abs=$(pwd -P)
wee=$(jq -r --arg p "$abs/works/wee.jpg" 'select(.path == $p) | .id' list.jsonl)
[ -n "$wee" ] || fail "protect --list has no wee.jpg: $(cat list.jsonl)"
"$bin" --catalog c.db protect --remove "$wee" >removed.json
jq -e --argjson id "$wee" '.removed == $id' removed.json >/dev/null || fail "--remove: $(cat removed.json)"
"$bin" --catalog c.db protect --list >list2.jsonl
jq -e -s --arg p "$abs/works/wee.jpg" 'length == 3 and all(.path != $p)' list2.jsonl >/dev/null ||
  fail "protect --list after --remove: $(cat list2.jsonl)"
set +e
"$bin" --catalog c.db protect --remove "$wee" 2>/dev/null; rc1=$?
"$bin" --catalog c.db protect --list works 2>/dev/null; rc2=$?
"$bin" --catalog nothing.db protect --remove 1 2>/dev/null; rc3=$?
set -e
[ $rc1 -eq 2 ] && [ $rc2 -eq 2 ] && [ $rc3 -eq 2 ] ||
  fail "protect: removing twice ($rc1), --list with a PATH ($rc2), no catalog ($rc3): expected 2"
[ ! -e nothing.db ] || fail "protect --remove created a catalog"

# -- the queries
mkdir q q/clean
bridge=$abs/works/bridge-1-original.jpg
"$tool" "$bridge" q/crop.jpg crop 30
"$tool" "$bridge" q/rotate8.jpg rotate 8
"$tool" works/q2821.jpg q/quarter.jpg rotate90 1
"$tool" "$bridge" q/mirror.jpg flip-lr
"$tool" works/q0122.jpg q/recompressed.jpg jpeg 30
"$tool" - q/background.png generate 11 900 700
"$tool" "$bridge" q/collage.jpg collage q/background.png 0.3 5
rm q/background.png
"$tool" - q/clean/unrelated1.jpg generate 21 640 480
"$tool" - q/clean/unrelated2.png generate 22 500 500
hostile=$'q/<b>&amp; \'x" onload=alert(1).jpg'
cp q/clean/unrelated1.jpg "$hostile"
cp -p c.db c.db.before

set +e
"$bin" --catalog c.db audit q --report rep >audit.json 2>audit.err
rc=$?
set -e
[ $rc -eq 1 ] || fail "audit with copies exited $rc, expected 1: $(cat audit.err)"
cmp -s c.db c.db.before || fail "audit changed the catalog"
[ ! -e rep/report.json.partial ] && [ ! -e rep/report.html.partial ] || fail "partial files left"
r=rep/report.json
jq -e . $r >/dev/null || fail "report.json is not JSON"

# the exact schema external checks read
jq -e '(.images | type) == "array" and (.images | length) == 9 and
  all(.images[]; (.file | type) == "string" and
      (.risk == "copy" or .risk == "partial" or .risk == "none") and
      (.matches | type) == "array" and
      all(.matches[]; (.work | type) == "string" and (.stage == "pdq" or .stage == "local") and
          (.pdq_distance | type) == "number" and (.inliers | type) == "number" and
          (.coverage | type) == "number" and ((.owner | type) == "string" or .owner == null)))' \
  $r >/dev/null || fail "report.json does not have the expected names: $(head -c 2000 $r)"
jq -e '.summary.images == 9 and .summary.works == 3 and .summary.unreadable == 0 and
  .summary.copy + .summary.partial + .summary.none == 9 and .unreadable == []' $r >/dev/null ||
  fail "summary: $(jq -c .summary $r)"
jq -e '.images | map(.file) == (map(.file) | sort)' $r >/dev/null || fail "queries not in name order"

risk() { jq -r --arg f "$1" '.images[] | select(.file == $f) | .risk' $r; }
best() { jq -r --arg f "$1" '.images[] | select(.file == $f) | .matches[0].work // "none"' $r; }
expect() { # expect FILE RISKS BEST_WORK
  local got
  got=$(risk "$1")
  [[ " $2 " == *" $got "* ]] || fail "$1: risk '$got', expected one of: $2"
  [ "$(best "$1")" = "$3" ] || fail "$1: best match '$(best "$1")', expected $3"
}
expect q/crop.jpg "copy partial" "$bridge"
expect q/rotate8.jpg "copy partial" "$bridge"
expect q/quarter.jpg "copy" "$abs/works/q2821.jpg"
expect q/mirror.jpg "copy" "$bridge"
expect q/recompressed.jpg "copy" "$abs/works/q0122.jpg"
expect q/collage.jpg "partial" "$bridge"
expect q/clean/unrelated1.jpg "none" none
expect q/clean/unrelated2.png "none" none
expect "$hostile" "none" none
jq -e '.images[] | select(.file == "q/collage.jpg") | .matches[0] |
  .stage == "local" and .inliers > 0 and .coverage > 0.2 and .query_coverage < 0.5 and
  .owner == "Meta <pdq@example.org>" and (.region.query_outline | length) == 4' $r >/dev/null ||
  fail "collage match: $(jq -c '.images[] | select(.file == "q/collage.jpg")' $r)"
jq -e '.images[] | select(.file == "q/quarter.jpg") | .matches[0] |
  .stage == "pdq" and .pdq_distance <= 31 and .coverage == 1' $r >/dev/null ||
  fail "quarter turn: $(jq -c '.images[] | select(.file == "q/quarter.jpg")' $r)"
jq -e '.report == "rep" and .images == 9 and .works == 3' audit.json >/dev/null ||
  fail "audit's stdout: $(cat audit.json)"

# exit 0 with no risky image; the catalog's works alone
"$bin" --catalog c.db audit q/clean --report clean >/dev/null 2>clean.err ||
  fail "audit of unrelated images exited $?: $(cat clean.err)"
jq -e '.summary.images == 2 and .summary.none == 2' clean/report.json >/dev/null || fail "clean report"

# an unreadable query: exit 2, listed in the report, the others audited
cp notes.jpg q/clean/broken.jpg
set +e
"$bin" --catalog c.db audit q/clean/broken.jpg q/mirror.jpg --report bad >/dev/null 2>bad.err
rc=$?
set -e
[ $rc -eq 2 ] || fail "audit with an unreadable query exited $rc, expected 2"
grep -q broken.jpg bad.err || fail "audit did not name the unreadable file: $(cat bad.err)"
jq -e '.unreadable == [.unreadable[0]] and .unreadable[0].file == "q/clean/broken.jpg" and
  .unreadable[0].role == "query" and .summary.unreadable == 1 and
  [.images[].file] == ["q/mirror.jpg"] and .images[0].risk == "copy"' bad/report.json >/dev/null ||
  fail "unreadable query in the report: $(cat bad/report.json)"
rm q/clean/broken.jpg

# usage errors, --model, no works: exit 2, and no catalog created by any audit
status_of() { set +e; "$@" >/dev/null 2>last.err; echo $?; set -e; }
[ "$(status_of "$bin" --catalog c.db audit q)" = 2 ] || fail "audit without --report"
[ "$(status_of "$bin" --catalog c.db audit --report x)" = 2 ] || fail "audit without images"
[ "$(status_of "$bin" --catalog c.db audit q --report x --bogus)" = 2 ] || fail "unknown option"
[ "$(status_of "$bin" --catalog c.db audit q --report x --model m.ckpt)" = 2 ] || fail "--model"
grep -q 'generate' last.err || fail "--model refusal does not say why: $(cat last.err)"
[ "$(status_of "$bin" --catalog none.db audit q --report x)" = 2 ] || fail "audit with no works"
grep -q 'no protected works' last.err || fail "no-works message: $(cat last.err)"
[ ! -e x ] || fail "audit wrote a report with no works"

# --protected DIR and no catalog at all
"$tool" works/q2821.jpg q2821-crop.jpg crop 10
set +e
"$bin" --catalog none.db audit q2821-crop.jpg q/clean --protected works --report dirrep >/dev/null 2>dir.err
rc=$?
set -e
[ $rc -eq 1 ] || fail "audit --protected exited $rc, expected 1: $(cat dir.err)"
[ ! -e none.db ] && [ ! -e none.blobs ] || fail "audit created a catalog"
jq -e '.summary.works == 4 and .summary.works_catalog == 0 and .summary.catalog == null and
  .images[0].file == "q2821-crop.jpg" and .images[0].risk != "none" and
  .images[0].matches[0].work == "works/q2821.jpg" and .images[0].matches[0].kind == "file"' \
  dirrep/report.json >/dev/null || fail "--protected report: $(head -c 1500 dirrep/report.json)"

# -- an image the catalog blocked (and dedup hashed) is a work too: named by the URL that
# served it, with the rights holder its page names
"$tool" - reserved.jpg generate 31 640 480
/usr/bin/python3 - "$work/site.json" <<'PY'
import json, sys
page = """<html><body><img src='/r.jpg' alt='Reserved'>
<script type='application/ld+json'>{"@context": "https://schema.org", "@type": "ImageObject",
"contentUrl": "/r.jpg", "creator": {"@type": "Person", "name": "Bo Berg"},
"copyrightNotice": "(c) 2024 Bo Berg. All rights reserved."}</script></body></html>"""
routes = [{"host": "gallery", "path": "/robots.txt", "status": 404},
          {"host": "gallery", "path": "/", "content_type": "text/html", "body": page},
          {"host": "gallery", "path": "/r.jpg", "content_type": "image/jpeg",
           "body_file": "reserved.jpg"}]
json.dump({"hosts": {"127.0.8.91": "gallery"}, "routes": routes}, open(sys.argv[1], "w"))
PY
fixture_start "$work/site.json" 127.0.8.91
g=${fixture_hosts[0]}
"$bin" --catalog b.db crawl "http://$g/" --allow-loopback --delay 0.05 >/dev/null 2>crawl.err ||
  fail "crawl failed: $(cat crawl.err)"
"$bin" --catalog b.db dedup >/dev/null 2>dedup.err || fail "dedup failed: $(cat dedup.err)"
"$bin" --catalog b.db clear >clear.jsonl 2>/dev/null
jq -e -s --arg s "$(sha reserved.jpg)" 'map(select(.sha256 == $s)) | .[0].verdict == "blocked"' \
  clear.jsonl >/dev/null || fail "the reserved image is not blocked: $(cat clear.jsonl)"
mkdir bq
"$tool" reserved.jpg bq/mirrored.jpg flip-lr
set +e
"$bin" --catalog b.db audit bq --report brep >/dev/null 2>b.err
rc=$?
set -e
[ $rc -eq 1 ] || fail "audit against a blocked image exited $rc, expected 1: $(cat b.err)"
jq -e --arg u "http://$g/r.jpg" '.summary.works == 1 and .summary.policy == "strict" and
  .images[0].risk == "copy" and (.images[0].matches[0] | .kind == "blocked" and .work == $u and
  .owner == "Bo Berg" and (.rights | test("optout|license|rights|claim")))' brep/report.json \
  >/dev/null || fail "blocked work: $(head -c 1500 brep/report.json)"
[ "$(status_of "$bin" --catalog b.db audit bq --report brep2 --policy nonesuch)" = 2 ] ||
  fail "an unknown policy is not bad usage"

# -- report.html: self-contained, escaped
h=rep/report.html
! grep -Eqi '(src|href)="(https?:|//)|url\(|<link|@import' $h || fail "report.html reaches outside"
! grep -q '<b>&amp; ' $h || fail "report.html has the hostile name unescaped"

# -- report.html in a real browser
. "$here/support/browser.sh"
browser_require it_audit
chrome() {
  browser_run "$work/chrome" --hide-scrollbars --force-device-scale-factor=1 \
    --window-size=1280,2400 "$@"
}
# the DOM after the page's script ran, with the first query outline's box written into it
cp $h probe.html
cat >>probe.html <<'JS'
<script>
var p = document.querySelector('section.q polygon.outline');
if (p) { var b = p.getBoundingClientRect();
  document.body.setAttribute('data-outline', [b.left, b.top, b.right, b.bottom].map(Math.round).join(' ')); }
</script>
JS
chrome --dump-dom "file://$work/probe.html" >dom.html || fail "chromium --dump-dom failed: $(tail -5 chrome.err)"
/usr/bin/python3 - dom.html $r <<'PY' || fail "the DOM is not what report.json says"
import html.parser, json, sys
report = json.load(open(sys.argv[2]))
class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.sections = []; self.counts = {}; self.label = None; self.body = {}
    def handle_starttag(self, tag, attrs):
        a = dict(attrs); cls = (a.get("class") or "").split()
        if tag == "body": self.body = a
        if tag == "section" and "q" in cls:
            self.sections.append({"file": a.get("data-file"), "risk": a.get("data-risk"),
                                  "query": [], "works": [], "polygons": 0})
        s = self.sections[-1] if self.sections else None
        if tag == "img" and s is not None:
            src = a.get("src", "")
            (s["query"] if "query" in cls else s["works"]).append(src)
        if tag == "polygon" and "outline" in cls and s is not None: s["polygons"] += 1
        if tag == "label": self.label = a.get("for")
        if tag == "span" and "n" in cls and self.label: self.counts[self.label] = ""
    def handle_data(self, data):
        if self.label in self.counts and self.counts[self.label] == "": self.counts[self.label] = data
    def handle_endtag(self, tag):
        if tag == "label": self.label = None
d = Dom(); d.feed(open(sys.argv[1], encoding="utf-8").read())
by_file = {s["file"]: s for s in d.sections}
assert len(d.sections) == len(report["images"]), (len(d.sections), len(report["images"]))
for img in report["images"]:
    s = by_file.get(img["file"]); assert s, "no section for %r" % img["file"]
    assert s["risk"] == img["risk"], (img["file"], s["risk"])
    assert len(s["query"]) == 1 and s["query"][0].startswith("data:image/jpeg;base64,"), img["file"]
    n = len(img["matches"])
    assert len(s["works"]) == n and all(w.startswith("data:image/jpeg;base64,") for w in s["works"]), img["file"]
    assert s["polygons"] == n, (img["file"], s["polygons"], n)
risky = sum(1 for i in report["images"] if i["risk"] != "none")
assert d.counts.get("f-risky") == " (%d)" % risky, d.counts
assert d.counts.get("f-all") == " (%d)" % len(report["images"]), d.counts
assert len(d.body.get("data-outline", "").split()) == 4, d.body
print(d.body["data-outline"])
PY
read -r ox0 oy0 ox1 oy1 < <(/usr/bin/python3 -c 'import re,sys; print(re.search(r"data-outline=\"([^\"]+)\"", open(sys.argv[1]).read()).group(1))' dom.html)
chrome --screenshot="$work/shot.png" "file://$work/probe.html" >/dev/null ||
  fail "chromium --screenshot failed: $(tail -5 chrome.err)"
[ -s shot.png ] || fail "no screenshot"
read -r count _ < <("$tool" --find shot.png 255 0 255 60 $((ox0 - 4)) $((oy0 - 4)) $((ox1 + 5)) $((oy1 + 5)))
[ "$count" -ge 40 ] || fail "the outline is not drawn at $ox0,$oy0-$ox1,$oy1 ($count magenta pixels there)"
read -r total _ < <("$tool" --find shot.png 255 0 255 60)
[ "$total" -ge "$count" ] || fail "find is inconsistent"
echo "it_audit: protect, audit, report.json and report.html (browser: $count outline pixels) as expected"
