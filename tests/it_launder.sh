#!/usr/bin/env bash
# it_launder.sh - licence laundering that PDQ misses, caught by clearance's stage 2.
# An agency host shows a photograph (the PDQ reference bridge, 1600x1004 JPEG) with
# "All rights reserved"; a freebies host on another loopback address republishes it
# cropped by 20 %, halved and re-encoded as PNG, under CC0, beside two unrelated CC0
# photos. After crawl, dedup and clear:
#   - the copy's PDQ distance to the original is past the near-duplicate radius (31),
#     so PDQ alone would have cleared it (checked, so the case stays meaningful);
#   - the original is blocked for its rights claim, the copy blocked for laundering with
#     the inliers and coverage in its reason and in `explain` (words and JSON);
#   - the unrelated CC0 photos stay cleared;
#   - a registered protected work (`clearset protect`) is a work too: a crop of it,
#     published as CC0 on the freebies host, is blocked, and stops being blocked
#     once the registration is removed.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
py=/usr/bin/python3
pdq=$here/fixtures/pdq
edit=${CLEARSET_IMGTRANSFORM_BIN:?}
cp "$pdq/bridge-1-original.jpg" "$work/bridge.jpg"
"$edit" "$pdq/bridge-1-original.jpg" "$work/bridge-free.png" crop 20 resize 0.5
cp "$pdq/q0122.jpg" "$work/free1.jpg"
cp "$pdq/q2821.jpg" "$work/free2.jpg"
# a work that is never crawled as itself, only registered, and a crop of it
"$edit" - "$work/studio.png" generate 7 640 480
"$edit" "$work/studio.png" "$work/studio-free.jpg" crop 30 rotate 3

$py - "$work/launder.json" <<'PY'
import json, sys
cc0 = "https://creativecommons.org/publicdomain/zero/1.0/"
agency = """<html><head><title>Agency</title></head><body>
<img src='/bridge.jpg' alt='Bridge'>
<script type='application/ld+json'>{"@context": "https://schema.org", "@type": "ImageObject",
"contentUrl": "/bridge.jpg", "copyrightNotice": "(c) 2026 Agency. All rights reserved."}</script>
</body></html>"""
def free(name):
    return f"<div about='/{name}'><img src='/{name}' alt='{name}'><a rel='license' href='{cc0}'>CC0</a></div>"
freebies = ("<html><head><title>Free pictures</title></head><body>"
            + "".join(free(n) for n in ["bridge-free.png", "free1.jpg", "free2.jpg", "studio-free.jpg"])
            + "</body></html>")
routes = []
for host, page in [("agency", agency), ("freebies", freebies)]:
    routes += [{"host": host, "path": "/robots.txt", "status": 404},
               {"host": host, "path": "/", "content_type": "text/html", "body": page}]
routes.append({"host": "agency", "path": "/bridge.jpg", "content_type": "image/jpeg",
               "body_file": "bridge.jpg"})
for name, ctype in [("bridge-free.png", "image/png"), ("free1.jpg", "image/jpeg"),
                    ("free2.jpg", "image/jpeg"), ("studio-free.jpg", "image/jpeg")]:
    routes.append({"host": "freebies", "path": "/" + name, "content_type": ctype, "body_file": name})
json.dump({"hosts": {"127.0.9.11": "agency", "127.0.9.12": "freebies"}, "routes": routes},
          open(sys.argv[1], "w"), indent=1)
PY
fixture_start "$work/launder.json" 127.0.9.11 127.0.9.12
agency=${fixture_hosts[0]}
freebies=${fixture_hosts[1]}
cd "$work"

# PDQ alone does not see the copy
"$CLEARSET_BIN" hash bridge.jpg bridge-free.png studio.png studio-free.jpg >hash.jsonl
$py - <<'PY'
import json
rows = [json.loads(l) for l in open("hash.jsonl")]
def distance(a, b):
    return bin(int(a["pdq"], 16) ^ int(b["pdq"], 16)).count("1")
for original, copy in [(0, 1), (2, 3)]:
    d = distance(rows[original], rows[copy])
    assert d > 31, f"{rows[copy]} is within PDQ's radius ({d}): the test would not need stage 2"
    print("PDQ distance of the copy:", d)
PY

"$CLEARSET_BIN" --catalog c.db crawl "http://$agency/" "http://$freebies/" --allow-loopback \
  --delay 0.05 >/dev/null 2>crawl.err
"$CLEARSET_BIN" --catalog c.db protect studio.png --owner "Studio Sept" >protect.jsonl
"$CLEARSET_BIN" --catalog c.db dedup >dedup.json 2>dedup.err
"$CLEARSET_BIN" --catalog c.db clear >strict.jsonl 2>clear.err
grep -q "2 show a blocked image or protected work" clear.err || { cat clear.err; exit 1; }

$py - "$agency" "$freebies" <<'PY'
import json, sqlite3, sys
agency, freebies = sys.argv[1], sys.argv[2]
db = sqlite3.connect("c.db")
def url_of(image_id):
    return db.execute("SELECT u.url FROM image_urls iu JOIN urls u ON u.id = iu.url_id "
                      "WHERE iu.image_id = ?", (image_id,)).fetchone()[0]
verdicts = {url_of(v["image_id"]).split("/")[-1]: v for v in map(json.loads, open("strict.jsonl"))}
assert set(verdicts) == {"bridge.jpg", "bridge-free.png", "free1.jpg", "free2.jpg",
                         "studio-free.jpg"}, verdicts.keys()
rules = lambda name: [r["rule"] for r in verdicts[name]["reasons"]]
assert verdicts["bridge.jpg"]["verdict"] == "blocked" and "license" in rules("bridge.jpg")
for name, work in [("bridge-free.png", "blocked image"), ("studio-free.jpg", "registered protected work")]:
    v = verdicts[name]
    assert v["verdict"] == "blocked", v
    laundering = [r for r in v["reasons"] if r["rule"] == "laundering"]
    assert laundering and "keypoints agree on one transform" in laundering[0]["detail"], v
    assert work in laundering[0]["detail"], laundering
    print(name, "->", laundering[0]["detail"])
for name in ["free1.jpg", "free2.jpg"]:
    assert verdicts[name]["verdict"] == "cleared", verdicts[name]
matches = db.execute("SELECT inliers, work_coverage FROM local_matches WHERE policy = 'strict'").fetchall()
assert len(matches) == 2 and all(n >= 8 and 0 < c <= 1 for n, c in matches), matches
print("laundering verdicts ok")
PY

"$CLEARSET_BIN" --catalog c.db explain "http://$freebies/bridge-free.png" >explain.txt
grep -q "Local match: image" explain.txt
grep -q "Because \[laundering\]" explain.txt
"$CLEARSET_BIN" --catalog c.db explain "http://$freebies/bridge-free.png" --json >explain.json
$py - <<'PY'
import json
e = json.load(open("explain.json"))
local = [n for n in e["near_duplicates"] if n["kind"] == "local"]
assert len(local) == 1 and local[0]["verdict"] == "blocked", e["near_duplicates"]
assert local[0]["inliers"] >= 8 and 0.3 < local[0]["work_coverage"] <= 1, local
assert local[0]["distance"] > 31, local
print("explain ok:", local[0]["inliers"], "inliers")
PY

# unregistering the protected work lets its crop go back to cleared (CC0)
work_id=$($py -c "import json; print(json.loads(open('protect.jsonl').readline())['id'])")
"$CLEARSET_BIN" --catalog c.db protect --remove "$work_id" >/dev/null
"$CLEARSET_BIN" --catalog c.db clear >again.jsonl 2>/dev/null
$py - "$freebies" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect("c.db")
studio = db.execute("SELECT iu.image_id FROM image_urls iu JOIN urls u ON u.id = iu.url_id "
                    "WHERE u.url = ?", (f"http://{sys.argv[1]}/studio-free.jpg",)).fetchone()[0]
v = next(v for v in map(json.loads, open("again.jsonl")) if v["image_id"] == studio)
assert v["verdict"] == "cleared", v
print("unregistered work no longer blocks its crop")
PY
echo "it_launder: ok"
