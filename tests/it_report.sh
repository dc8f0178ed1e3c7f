#!/usr/bin/env bash
# it_report.sh - `clearset report` end to end: a real catalog from a loopback crawl of two
# hosts, dedup and clear, then the page checked as text and in headless Chromium.
#   open host  robots.txt 404 (allow all); its page shows a CC0 photo (rel=license: cleared),
#              one with no rights statement and a hostile alt text (unknown), and one served
#              with X-Robots-Tag: noai (blocked)
#   ai host    robots.txt disallows GPTBot only; its page shows a CC0 photo (blocked: an
#              AI-training crawler is refused)
# The photos are the committed PDQ fixtures (tests/fixtures/pdq/).
# Checks: the JSON summary; the page is self-contained and escapes the alt text; a policy
# without stored verdicts says so; --limit counts what it leaves out; exit 2 for a missing
# catalog (no file written, no catalog created) and for bad usage. In Chromium, from the DOM:
# one thumbnail per image (a data: URI) with the verdict clear stored, the blocked ones'
# reasons, the hosts' signals naming the opt-outs, both SVG charts, no script element and the
# alt text as text; from a screenshot, the verdict colours are drawn. Without chromium the
# browser part is SKIPPED (exit 77, ctest's skip) and under CI=true it fails.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
bin=$CLEARSET_BIN
tool=${CLEARSET_IMGTRANSFORM_BIN:?}
fail() { echo "it_report: $*" >&2; exit 1; }
cp "$here/fixtures/pdq/bridge-1-original.jpg" "$work/cc0.jpg"
cp "$here/fixtures/pdq/q0122.jpg" "$work/plain.jpg"
cp "$here/fixtures/pdq/q2821.jpg" "$work/noai.jpg"
cp "$here/fixtures/pdq/wee.jpg" "$work/gpt.jpg"
cd "$work"

cat >site.json <<'JSON'
{"hosts": {"127.0.10.41": "open", "127.0.10.42": "ai"},
 "routes": [
  {"host": "open", "path": "/robots.txt", "status": 404},
  {"host": "open", "path": "/", "content_type": "text/html",
   "body": "<html><head><title>Open gallery</title></head><body><div about='/p/cc0.jpg'><img src='/p/cc0.jpg' alt='A bridge'><a rel='license' href='https://creativecommons.org/publicdomain/zero/1.0/'>CC0</a></div><img src='/p/plain.jpg' alt='&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; <b>'><img src='/p/noai.jpg' alt='Reserved'></body></html>"},
  {"host": "open", "path": "/p/cc0.jpg", "content_type": "image/jpeg", "body_file": "cc0.jpg"},
  {"host": "open", "path": "/p/plain.jpg", "content_type": "image/jpeg", "body_file": "plain.jpg"},
  {"host": "open", "path": "/p/noai.jpg", "content_type": "image/jpeg", "body_file": "noai.jpg",
   "headers": {"X-Robots-Tag": "noai"}},
  {"host": "ai", "path": "/robots.txt", "content_type": "text/plain",
   "body": "User-Agent: GPTBot\nDisallow: /\n\nUser-Agent: *\nAllow: /\n"},
  {"host": "ai", "path": "/", "content_type": "text/html",
   "body": "<html><body><div about='/gpt.jpg'><img src='/gpt.jpg' alt='Wee'><a rel='license' href='https://creativecommons.org/publicdomain/zero/1.0/'>CC0</a></div></body></html>"},
  {"host": "ai", "path": "/gpt.jpg", "content_type": "image/jpeg", "body_file": "gpt.jpg"}
 ]}
JSON
fixture_start "$work/site.json" 127.0.10.41 127.0.10.42
o=${fixture_hosts[0]} a=${fixture_hosts[1]}
"$bin" --catalog c.db crawl "http://$o/" "http://$a/" --allow-loopback --delay 0.05 >crawl.json \
  2>crawl.err || fail "crawl failed: $(cat crawl.err)"
"$bin" --catalog c.db dedup >/dev/null 2>dedup.err || fail "dedup failed: $(cat dedup.err)"
"$bin" --catalog c.db clear >clear.jsonl 2>clear.err || fail "clear failed: $(cat clear.err)"

# the verdicts the scenario is built for (else the page checks below prove little)
verdict_of() { # URL -> its image id and stored verdict
  local id
  id=$(sqlite3 c.db "SELECT iu.image_id FROM image_urls iu JOIN urls u ON u.id = iu.url_id WHERE u.url = '$1'")
  [ -n "$id" ] || fail "no image for $1"
  echo "$id $(jq -r --argjson id "$id" 'select(.image_id == $id) | .verdict' clear.jsonl)"
}
read -r id_cc0 v <<<"$(verdict_of "http://$o/p/cc0.jpg")"; [ "$v" = cleared ] || fail "cc0.jpg is $v"
read -r id_plain v <<<"$(verdict_of "http://$o/p/plain.jpg")"; [ "$v" = unknown ] || fail "plain.jpg is $v"
read -r id_noai v <<<"$(verdict_of "http://$o/p/noai.jpg")"; [ "$v" = blocked ] || fail "noai.jpg is $v"
read -r id_gpt v <<<"$(verdict_of "http://$a/gpt.jpg")"; [ "$v" = blocked ] || fail "gpt.jpg is $v"

# -- the report
cp -p c.db c.db.before
"$bin" --catalog c.db report --out rep.html >report.json 2>report.err ||
  fail "report failed: $(cat report.err)"
cmp -s c.db c.db.before || fail "report changed the catalog"
jq -e '.report == "rep.html" and .policy == "strict" and .has_verdicts and .images == 4 and
  .cleared == 1 and .blocked == 2 and .unknown == 1 and .no_verdict == 0 and .hosts == 2 and
  .shown == 4 and .left_out == 0 and .no_thumbnail == 0' report.json >/dev/null ||
  fail "report's summary: $(cat report.json)"
! grep -Eqi '(src|href)="(https?:|//)|url\(|<link|@import|<script' rep.html ||
  fail "the page reaches outside or carries a script: $(grep -Eoi '(src|href)="(https?:|//)[^"]*|url\([^)]*|<link[^>]*|@import|<script[^>]*' rep.html | head -3)"
grep -q '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;' rep.html ||
  fail "the hostile alt text is not escaped"
grep -q 'GPTBot' rep.html || fail "the page does not name the GPTBot rule"

# a policy without stored verdicts is said so, its images listed without one
"$bin" --catalog c.db report --out open.html --policy open >open.json 2>open.err ||
  fail "report --policy open failed: $(cat open.err)"
jq -e '.has_verdicts == false and .no_verdict == 4' open.json >/dev/null || fail "open: $(cat open.json)"
grep -q 'id="no-verdicts"' open.html && grep -q 'No verdicts are stored for policy <b>open</b>' open.html ||
  fail "the page does not say the policy has no verdicts"
grep -q 'no verdicts are stored for policy open' open.err || fail "stderr does not say it: $(cat open.err)"

# --limit: at most N per verdict, the rest counted on the page
"$bin" --catalog c.db report --out one.html --limit 1 >one.json 2>/dev/null || fail "--limit 1 failed"
jq -e '.shown == 3 and .left_out == 1' one.json >/dev/null || fail "--limit 1: $(cat one.json)"
grep -q 'data-left-out="1"' one.html || fail "--limit 1: the page does not count what it left out"

# exit codes: no catalog (nothing written or created), bad usage
status_of() { set +e; "$@" >/dev/null 2>last.err; echo $?; set -e; }
[ "$(status_of "$bin" --catalog none.db report --out none.html)" = 2 ] || fail "missing catalog"
[ ! -e none.html ] && [ ! -e none.db ] && [ ! -e none.blobs ] || fail "report created files for a missing catalog"
[ "$(status_of "$bin" --catalog c.db report)" = 2 ] || fail "report without --out"
[ "$(status_of "$bin" --catalog c.db report --out x.html extra)" = 2 ] || fail "an operand"
[ "$(status_of "$bin" --catalog c.db report --out x.html --bogus)" = 2 ] || fail "unknown option"
[ "$(status_of "$bin" --catalog c.db report --out x.html --limit 0)" = 2 ] || fail "--limit 0"
[ "$(status_of "$bin" --catalog c.db report --out x.html --policy nonesuch)" = 2 ] || fail "unknown policy"
[ ! -e x.html ] || fail "a refused report wrote its file"
"$bin" report --help | grep -q 'usage: clearset' || fail "report --help"

# -- in a real browser
. "$here/support/browser.sh"
browser_require it_report
chrome() {
  browser_run "$work/chrome" --hide-scrollbars --force-device-scale-factor=1 \
    --window-size=1280,2400 "$@"
}
chrome --dump-dom "file://$work/rep.html" >dom.html || fail "chromium --dump-dom failed: $(tail -5 chrome.err)"
/usr/bin/python3 - dom.html "$id_cc0" "$id_plain" "$id_noai" "$id_gpt" "$o" "$a" <<'PY' || fail "the DOM is not what the catalog says"
import html.parser, sys
dom, cc0, plain, noai, gpt, open_host, ai_host = sys.argv[1:]
expect = {cc0: "cleared", plain: "unknown", noai: "blocked", gpt: "blocked"}
class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.tiles = {}; self.tile = None; self.reason = None
        self.host = None; self.signal = None; self.hosts = {}; self.charts = {}; self.chart = None
        self.scripts = 0; self.text = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs); cls = (a.get("class") or "").split()
        if tag == "script": self.scripts += 1
        if tag == "figure" and "tile" in cls:
            self.tile = {"verdict": a.get("data-verdict"), "imgs": [], "reasons": [],
                         "title": a.get("title", "")}
            self.tiles[a.get("data-image")] = self.tile
        if tag == "img" and self.tile is not None: self.tile["imgs"].append(a)
        if tag == "li" and "reason" in cls and self.tile is not None:
            self.reason = [a.get("data-rule"), ""]; self.tile["reasons"].append(self.reason)
        if tag == "article" and "host" in cls:
            self.host = []; self.hosts[a.get("data-origin")] = self.host
        if tag == "li" and "signal" in cls and self.host is not None:
            self.signal = [a.get("data-kind"), a.get("data-effect"), ""]; self.host.append(self.signal)
        if tag == "svg" and "chart" in cls:
            self.chart = a.get("id"); self.charts[self.chart] = 0
        if tag == "g" and "bar" in cls and self.chart: self.charts[self.chart] += 1
    def handle_endtag(self, tag):
        if tag == "figure": self.tile = None
        if tag == "li": self.reason = None; self.signal = None
        if tag == "article": self.host = None
        if tag == "svg": self.chart = None
    def handle_data(self, data):
        if self.reason is not None: self.reason[1] += data
        if self.signal is not None: self.signal[2] += data
d = Dom(); d.feed(open(dom, encoding="utf-8").read())
assert d.scripts == 0, "a script element in the page"
assert set(d.tiles) == set(expect), ("tiles", sorted(d.tiles), sorted(expect))
for image, verdict in expect.items():
    t = d.tiles[image]
    assert t["verdict"] == verdict, (image, t["verdict"], verdict)
    assert len(t["imgs"]) == 1 and t["imgs"][0].get("src", "").startswith("data:image/jpeg;base64,"), (image, t["imgs"])
assert d.tiles[plain]["imgs"][0]["alt"] == '<script>alert("x")</script> & <b>', d.tiles[plain]["imgs"][0]["alt"]
def has_reason(image, rule, words):
    return any(r[0] == rule and words in r[1] for r in d.tiles[image]["reasons"])
assert has_reason(noai, "optout", 'x-robots-tag "noai"'), d.tiles[noai]["reasons"]
assert has_reason(gpt, "optout", "GPTBot"), d.tiles[gpt]["reasons"]
assert "GPTBot" in d.tiles[gpt]["title"] and "optout" in d.tiles[gpt]["title"], d.tiles[gpt]["title"]
assert not d.tiles[cc0]["title"].count("optout"), d.tiles[cc0]["title"]
ai = d.hosts.get("http://" + ai_host); op = d.hosts.get("http://" + open_host)
assert ai is not None and op is not None, sorted(d.hosts)
assert any(s[0] == "ai-crawler-rule" and s[1] == "opt-out" and "GPTBot" in s[2] for s in ai), ai
assert any(s[0] == "x-robots-tag" and s[1] == "opt-out" and "noai" in s[2] for s in op), op
assert d.charts.get("chart-licences", 0) >= 2 and d.charts.get("chart-reasons", 0) >= 1, d.charts
print("DOM ok:", len(d.tiles), "tiles,", d.charts)
PY
chrome --screenshot="$work/shot.png" "file://$work/rep.html" >/dev/null ||
  fail "chromium --screenshot failed: $(tail -5 chrome.err)"
[ -s shot.png ] || fail "no screenshot"
# the verdict colours (#c22 blocked, #2a2 cleared: badges, tile borders, chart bars) are drawn
read -r red _ < <("$tool" --find shot.png 204 34 34 30)
read -r green _ < <("$tool" --find shot.png 34 170 34 30)
[ "$red" -ge 500 ] && [ "$green" -ge 300 ] ||
  fail "the screenshot looks blank: $red blocked-red and $green cleared-green pixels"
echo "it_report: report, its exit codes and the page in Chromium ($red red, $green green pixels) as expected"
