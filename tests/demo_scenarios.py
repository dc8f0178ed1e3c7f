"""
demo_scenarios.py - checks that every scenario of the bundled sample web (demo/site/README.md)
landed as the site was built to make it land, after a `clearset demo` run.

    demo_scenarios.py DB SITE CLEARSET EXPORT TESTS_DIR

Run in the folder holding the run's verdicts.jsonl (clear's lines: the demo's stdout),
hosts.jsonl (the demo's {"host": ...} lines from stderr) and requests.jsonl (the sample
web's request log, demo --log). The expectations are the tables below, from the site's
design, not a copy of any output. Images of the training set's host ("trainset", served
by `demo` without --sample-web-only) are left to the caller's own checks: the sample web's
pictures must all be there as designed, and the export must hold exactly the designed
ones among the sample web's images. it_demo.sh (the sample web alone, on SQLite and
PostgreSQL) and it_demo_quick.sh (the whole demo --quick) both run it.
"""
import json, os, re, subprocess, sys
db, site, clearset, export, tests = sys.argv[1:6]
TRAINING_HOSTS = {"trainset"}  # the demo's Fashion-MNIST site: its images are checked elsewhere
sys.path.insert(0, tests)
from crawl_check import rows_of

def fail(message):
    print("it_demo: " + message, file=sys.stderr)
    sys.exit(1)

BY, BY_NC = "CC-BY-4.0", "CC-BY-NC-4.0"
# The design (demo/site/README.md): host, path, verdict, licence, what must say why.
#   ("optout", KINDS): the optout reasons name exactly these signal kinds (a set: every one
#                      of them, no other); ("optout+", KINDS): at least these
#   ("rule", R):       a reason with rule R;  ("no-rule", R): none with rule R
#   ("credit", SOURCE, NAME): the attribution
#   ("not-exported",): cleared, but a larger near duplicate goes in its place
PICTURES = [
    ("cdn", "/ana/harbour.jpg", "cleared", BY, [("credit", "licensor", "Ana Lima")]),
    ("cdn", "/ana/dunes.jpg", "cleared", BY, [("credit", "licensor", "Ana Lima")]),
    ("photo", "/images/fern.png", "cleared", BY, [("credit", "licensor", "Ana Lima")]),
    ("museum", "/collection/amphora.jpg", "cleared", "CC0-1.0", []),
    ("museum", "/collection/coast-map.png", "cleared", "CC-PDM-1.0", []),
    ("stock", "/photos/lighthouse.jpg", "blocked", None,
     [("optout+", {"x-robots-tag", "meta-robots", "tdm-header", "tdm-meta", "content-signal",
                   "ai-crawler-rule", "iptc-data-mining"}),
      ("no-rule", "laundering")]),  # the original, not a copy of its blocked copy
    ("stock", "/photos/skyline.jpg", "blocked", None,
     [("optout+", {"x-robots-tag", "meta-robots", "tdm-header", "tdm-meta", "content-signal",
                   "ai-crawler-rule", "iptc-data-mining"}),
      ("no-rule", "laundering")]),  # the original, not a copy of its blocked copy
    ("blog", "/wp/lighthouse-wallpaper.jpg", "blocked", "CC0-1.0", [("rule", "laundering")]),
    ("blog", "/wp/skyline-wallpaper.jpg", "blocked", "CC0-1.0",
     [("rule", "laundering"), ("detail", "laundering", "a cropped or edited copy of blocked image")]),
    ("commons", "/photos/glacier.jpg", "blocked", "CC-BY-SA-4.0", [("rule", "policy")]),
    ("commons", "/photos/market.jpg", "blocked", BY_NC, [("rule", "policy")]),
    ("commons", "/photos/sculpture.jpg", "blocked", "CC-BY-ND-4.0", [("rule", "policy")]),
    ("commons", "/photos/bridge.jpg", "cleared", BY,
     [("credit", "licensor", "Ben Okafor"), ("detail", "license", "IFD0:Copyright")]),
    ("commons", "/photos/tram.jpg", "cleared", "CC0-1.0", [("detail", "license", "IPTC:CopyrightNotice")]),
    ("commons", "/photos/heron.jpg", "blocked", BY,
     [("rule", "conflict"), ("detail", "conflict", "says all rights reserved")]),
    ("commons", "/photos/orchard.jpg", "blocked", BY_NC, [("rule", "conflict"), ("rule", "policy")]),
    ("commons", "/photos/kite.png", "cleared", BY, [("credit", "source-page", None)]),
    ("commons", "/photos/attic.jpg", "unknown", None, [("rule", "no-evidence")]),
    ("news", "/media/storm.jpg", "blocked", BY, [("optout", {"ai-crawler-rule"})]),
    ("forum", "/attachments/bike.jpg", "blocked", BY, [("optout", {"content-signal"})]),
    ("journal", "/figures/microscope.jpg", "blocked", BY, [("optout", {"content-usage"})]),
    ("collective", "/noai/fox.jpg", "blocked", BY, [("optout", {"x-robots-tag"})]),
    ("collective", "/works/owl.jpg", "blocked", BY, [("optout", {"meta-robots"})]),
    ("collective", "/tdm/deer.jpg", "blocked", BY, [("optout", {"tdm-header"})]),
    ("collective", "/tdmrep/hare.jpg", "blocked", BY, [("optout", {"tdmrep-json"})]),
    ("collective", "/aitxt/wolf.png", "blocked", BY, [("optout", {"ai-txt"})]),
    ("collective", "/works/bear.jpg", "blocked", BY, [("optout", {"iptc-data-mining"})]),
    ("collective", "/cs/lynx.jpg", "blocked", BY, [("optout", {"content-signal-header"})]),
    ("collective", "/cu/seal.jpg", "blocked", BY, [("optout", {"content-usage-header"})]),
    ("press", "/images/violin.jpg", "blocked", BY, [("optout", {"rsl"})]),
    ("agency", "/images/chess.jpg", "blocked", BY,
     [("rule", "licence-required"), ("optout", set())]),
    ("busy", "/photos/queue.jpg", "cleared", "CC0-1.0", []),
    ("slow", "/photos/snail.jpg", "cleared", BY, [("credit", "licensor", "Tim Slow")]),
    ("farm", "/img/amphora.jpg", "cleared", "CC0-1.0", [("same-as", "museum", "/collection/amphora.jpg")]),
    ("farm", "/img/harbour-small.jpg", "cleared", "CC0-1.0",
     [("detail", "conflict", "near-duplicate cluster disagrees"), ("not-exported",)]),
]
# URLs that must never become images: (host, path, state, the reason's start)
NEVER = [
    ("private", "/", "disallowed", "robots.txt line 3 disallows it for clearsetbot"),
    ("private", "/photos/secret.jpg", "disallowed", "robots.txt line 3 disallows it for clearsetbot"),
    ("paywall", "/premium/sunrise.jpg", "failed", "HTTP 402"),
    ("paywall", "/premium/meadow.jpg", "failed", "HTTP 402"),
    ("farm", "/img/sunset.jpg", "failed", "truncated:"),
    ("farm", "/img/panorama.png", "failed", "too_many_pixels:"),
    ("farm", "/img/wallpaper-8k.jpg", "failed", "too_large:"),
    ("flaky", "/", "queued", ""),  # robots.txt answers 503: all disallowed, for now
]

hosts = {}
for line in open("hosts.jsonl"):
    h = json.loads(line)
    hosts[h["host"]] = h["origin"]
name_of = {origin: name for name, origin in hosts.items()}
address_of = {name: origin[len("http://"):].split(":")[0] for name, origin in hosts.items()}

def split(url):
    m = re.match(r"(http://[^/]+)(/.*)$", url)
    return name_of.get(m.group(1), m.group(1)), m.group(2)

verdicts = {v["image_id"]: v for v in map(json.loads, open("verdicts.jsonl"))}
image_of = {}
for image_id, url in rows_of(db, "SELECT iu.image_id, u.url FROM image_urls iu JOIN urls u ON u.id = iu.url_id"):
    where = split(url)
    if where[0] not in TRAINING_HOSTS:
        image_of[where] = int(image_id)
sample_web = set(image_of.values())
verdicts = {i: v for i, v in verdicts.items() if i in sample_web}
if len(verdicts) != len(set(image_of.values())):
    fail("%d verdicts for %d images" % (len(verdicts), len(set(image_of.values()))))

def optout_kinds(v):
    kinds = set()
    for r in v["reasons"]:
        m = re.match(r'(?:opt-out|training needs a licence:) (\S+) "', r["detail"])
        if r["rule"] in ("optout", "licence-required") and m:
            kinds.add((r["rule"], m.group(1)))
    return kinds

expected_export = {}
for host, path, verdict, licence, checks in PICTURES:
    where = host + path
    if (host, path) not in image_of:
        fail("%s is no image in the catalog" % where)
    v = verdicts[image_of[(host, path)]]
    got = (v["license"] or {}).get("spdx")
    if v["verdict"] != verdict or got != licence:
        fail("%s: %s %s, designed %s %s: %s" % (where, v["verdict"], got, verdict, licence,
                                                json.dumps(v["reasons"])[:600]))
    rules = {r["rule"] for r in v["reasons"]}
    for check in checks:
        if check[0] in ("optout", "optout+"):
            kinds = {k for rule, k in optout_kinds(v) if rule == "optout"}
            if (check[0] == "optout" and kinds != check[1]) or not check[1] <= kinds:
                fail("%s: opt-out kinds %s, designed %s" % (where, sorted(kinds), sorted(check[1])))
        elif check[0] == "rule" and check[1] not in rules:
            fail("%s: no %s reason in %s" % (where, check[1], json.dumps(v["reasons"])[:600]))
        elif check[0] == "no-rule" and check[1] in rules:
            fail("%s: a %s reason in %s" % (where, check[1], json.dumps(v["reasons"])[:600]))
        elif check[0] == "detail" and not any(r["rule"] == check[1] and check[2] in r["detail"]
                                              for r in v["reasons"]):
            fail("%s: no %s reason saying '%s'" % (where, check[1], check[2]))
        elif check[0] == "credit":
            a = v.get("attribution") or {}
            if a.get("source") != check[1] or (check[2] and a.get("name") != check[2]):
                fail("%s: attribution %s, designed %s %s" % (where, a, check[1], check[2]))
        elif check[0] == "same-as" and image_of[(host, path)] != image_of.get((check[1], check[2])):
            fail("%s is not the same image as %s%s" % (where, check[1], check[2]))
    if host == "agency" and ("licence-required", "rsl-licence-required") not in optout_kinds(v):
        fail("%s: the RSL payment is not the licence-required reason" % where)
    if verdict == "cleared" and ("not-exported",) not in checks:
        expected_export[v["sha256"]] = licence
if set(image_of.values()) != {image_of[(h, p)] for h, p, *_ in PICTURES}:
    extra = sorted(h + p for (h, p), i in image_of.items()
                   if i not in {image_of[(h2, p2)] for h2, p2, *_ in PICTURES})
    fail("images the design does not have: %s" % extra)

states = {split(u): (s, e or "") for u, s, e in rows_of(db, "SELECT url, state, last_error FROM urls")}
for host, path, state, why in NEVER:
    got = states.get((host, path))
    if (host, path) in image_of or got is None or got[0] != state or not got[1].startswith(why):
        fail("%s%s: %s, designed %s '%s' and no image" % (host, path, got, state, why))

# The server's log: what each host was asked.
log = [json.loads(line) for line in open("requests.jsonl")]
def asked(host):
    return sorted((r for r in log if r["host"] == address_of[host]), key=lambda r: r["mono_ns"])
for host in ("private", "flaky"):
    targets = {r["target"] for r in asked(host)}
    if targets != {"/robots.txt"}:
        fail("%s: asked for %s, only /robots.txt allowed" % (host, sorted(targets)))
if [r["status"] for r in asked("flaky")] != [503]:
    fail("flaky: robots.txt asked %d times" % len(asked("flaky")))
if not any(r["target"] == "/img/sunset.jpg" for r in asked("farm")):
    fail("farm: the truncated JPEG was never fetched (the malformed page was not read)")
# every request a robots.txt governs is one it allows for clearsetbot
for host in hosts:
    robots = os.path.join(site, "www", host, "robots.txt")
    urls = sorted({hosts[host] + r["target"] for r in asked(host) if r["target"] != "/robots.txt"})
    if not os.path.exists(robots) or not urls:
        continue
    out = subprocess.run([clearset, "robots", "check", robots, "clearsetbot"] + urls,
                         capture_output=True, text=True).stdout.splitlines()
    bad = [line for line in out if not line.startswith("allowed\t")]
    if bad or len(out) != len(urls):
        fail("%s: requested what robots.txt disallows: %s" % (host, bad or out))

scenario = json.load(open(os.path.join(site, "scenario.json")))
route = lambda host, key: next(r for r in scenario["routes"] if r.get("host") == host and key in r)
# 429 with Retry-After: the next request came no sooner
retry_after = int(route("busy", "sequence")["sequence"][0]["headers"]["Retry-After"])
front = [r for r in asked("busy") if r["target"] == "/"]
if [r["status"] for r in front] != [429, 200]:
    fail("busy: / answered %s" % [r["status"] for r in front])
gap = front[1]["mono_ns"] - front[0]["respond_mono_ns"]
if gap + 2_000_000 < retry_after * 1e9:
    fail("busy: asked again %.3f s after a 429 with Retry-After: %d" % (gap / 1e9, retry_after))
# the slow host answered every request late (the route's delay) and was still crawled
delay = route("slow", "delay_ms")["delay_ms"]
late = [r for r in asked("slow") if r["respond_mono_ns"] - r["mono_ns"] < delay * 1e6]
if late or not any(r["target"] == "/photos/snail.jpg" for r in asked("slow")):
    fail("slow: %d answers came early, or the picture was not fetched" % len(late))

# The export: exactly the cleared images designed to go in, each with its licence.
sample_shas = {v["sha256"] for v in verdicts.values()}
exported = {m["sha256"]: m["license"]
            for m in map(json.loads, open(os.path.join(export, "metadata.jsonl")))
            if m["sha256"] in sample_shas}
if exported != expected_export:
    fail("export holds %s, designed %s" % (sorted(exported.items()), sorted(expected_export.items())))
print("it_demo: %d pictures, %d never-images, %d exported as designed" %
      (len(PICTURES), len(NEVER), len(exported)))
