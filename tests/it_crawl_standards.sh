#!/usr/bin/env bash
# it_crawl_standards.sh - the opt-out and licensing standards of late 2026 (issue 13), end
# to end over loopback: each new signal, found by a crawl, ends as the right verdict with the
# right reason in `explain`, and an excluded domain is never requested.
#
#   usage host     robots.txt Content-Usage lines (path-scoped, legacy label, a line that
#                  fails to parse), a PerplexityBot group (an AI search engine: no
#                  training reservation), ai.txt "Disallow: *.png" without a User-Agent line;
#                  images answering with a Content-Usage header, a non-standard Content-Signal
#                  header, X-Robots-Tag noml; an image with XMP tdm:reservation (ExifTool's);
#                  a CC0 image and a legacy web.resource.org/cc/PublicDomain (CC-PDDC) one
#   excluded host  a seed and an image on the --exclude-domains list
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
img=$CLEARSET_IMGTRANSFORM_BIN
for i in 1 2 3 4 5 6 7 8; do "$img" - "$work/g$i.jpg" generate $((i * 17)) 48 40; done
"$img" - "$work/g9.png" generate 211 48 40
cp "$here/fixtures/license/jpeg-tdm-reservation.jpg" "$work/tdm.jpg"

a=127.0.4.91 x=127.0.4.93
cat > "$work/standards.json" <<JSON
{"hosts": {"$a": "usage", "$x": "excluded"},
 "routes": [
  {"host": "usage", "path": "/robots.txt", "content_type": "text/plain",
   "body": "User-Agent: *\nContent-Usage: train-ai=y\nContent-Usage: /cu/ train-ai=n\nContent-Usage: /legacy/ genai=n\nContent-Usage: /broken/ Train-AI=n\nAllow: /\n\nUser-Agent: PerplexityBot\nDisallow: /\n"},
  {"host": "usage", "path": "/ai.txt", "content_type": "text/plain",
   "body": "# Spawning\nDisallow: *.png\n"},
  {"host": "usage", "path": "/", "content_type": "text/html",
   "body": "<html><body><img src='/cu/a.jpg'><img src='/legacy/b.jpg'><div about='/broken/c.jpg'><img src='/broken/c.jpg'><a rel='license' href='https://creativecommons.org/publicdomain/zero/1.0/'>CC0</a></div><img src='/h/d.jpg'><img src='/s/e.jpg'><img src='/x/f.jpg'><img src='/ml/g.jpg'><div about='/pd/h.jpg'><img src='/pd/h.jpg'><a rel='license' href='http://web.resource.org/cc/PublicDomain'>PD</a></div><img src='/ai/i.png'><img src='{{origin:excluded}}/never.jpg'></body></html>"},
  {"host": "usage", "path": "/cu/a.jpg", "content_type": "image/jpeg", "body_file": "g1.jpg"},
  {"host": "usage", "path": "/legacy/b.jpg", "content_type": "image/jpeg", "body_file": "g2.jpg"},
  {"host": "usage", "path": "/broken/c.jpg", "content_type": "image/jpeg", "body_file": "g3.jpg"},
  {"host": "usage", "path": "/h/d.jpg", "content_type": "image/jpeg", "body_file": "g4.jpg",
   "headers": {"Content-Usage": "train-ai=n, search=y"}},
  {"host": "usage", "path": "/s/e.jpg", "content_type": "image/jpeg", "body_file": "g5.jpg",
   "headers": {"Content-Signal": "search=yes, ai-train=disallow"}},
  {"host": "usage", "path": "/x/f.jpg", "content_type": "image/jpeg", "body_file": "tdm.jpg"},
  {"host": "usage", "path": "/ml/g.jpg", "content_type": "image/jpeg", "body_file": "g7.jpg",
   "headers": {"X-Robots-Tag": "noml"}},
  {"host": "usage", "path": "/pd/h.jpg", "content_type": "image/jpeg", "body_file": "g8.jpg"},
  {"host": "usage", "path": "/ai/i.png", "content_type": "image/png", "body_file": "g9.png"},
  {"host": "excluded", "path": "/robots.txt", "status": 404},
  {"host": "excluded", "path": "/", "content_type": "text/html", "body": "<img src='/x.jpg'>"},
  {"host": "excluded", "path": "/never.jpg", "content_type": "image/jpeg", "body_file": "g6.jpg"}
 ]}
JSON
fixture_start "$work/standards.json" $a $x
u=${fixture_hosts[0]}; e=${fixture_hosts[1]}

printf '# regulator list\n\n%s  # with a comment\n' "$x" > "$work/exclude.txt"
"$CLEARSET_BIN" --catalog "$work/c.db" crawl "http://$u/" "http://$e/" --allow-loopback \
  --delay 0.05 --exclude-domains "$work/exclude.txt" > "$work/crawl.json"
jq -e '.excluded == 2 and .images == 9' "$work/crawl.json" >/dev/null ||
  { echo "crawl summary:"; cat "$work/crawl.json"; exit 1; }
# never requested, not even robots.txt; recorded with the reason
$check never "$work/log.jsonl" $x /robots.txt / /never.jpg
$check sql "$work/c.db" "SELECT url, state, last_error FROM urls WHERE url LIKE 'http://$e/%' ORDER BY url" \
  "$(printf 'http://%s/|skipped|excluded: %s is on the --exclude-domains list\nhttp://%s/never.jpg|skipped|excluded: %s is on the --exclude-domains list' "$e" $x "$e" $x)"

"$CLEARSET_BIN" --catalog "$work/c.db" clear --policy strict > "$work/clear.jsonl"

# explain PATH VERDICT [KIND RAW]: the verdict, and the opt-out signal that applies
explain() {
  local path=$1 verdict=$2 kind=${3:-} raw=${4:-}
  "$CLEARSET_BIN" --catalog "$work/c.db" explain "http://$u$path" --json > "$work/x.json" || true
  jq -e --arg v "$verdict" '.verdict == $v' "$work/x.json" >/dev/null ||
    { echo "$path: not $verdict"; jq . "$work/x.json"; exit 1; }
  jq -e '.checked == ["robots","ai-crawlers","content-signal","content-usage","rsl","tdmrep","ai.txt","iptc","c2pa"]' \
    "$work/x.json" >/dev/null || { echo "$path: checked protocols"; jq .checked "$work/x.json"; exit 1; }
  jq -e '.words | map(select(startswith("Checked: robots, ai-crawlers, content-signal, content-usage, rsl, tdmrep, ai.txt, iptc, c2pa"))) | length == 1' \
    "$work/x.json" >/dev/null || { echo "$path: no 'Checked:' sentence"; exit 1; }
  [ -z "$kind" ] && return 0
  jq -e --arg k "$kind" --arg r "$raw" \
    '[.signals[] | select(.applies and .kind == $k and .raw_value == $r)] | length >= 1' \
    "$work/x.json" >/dev/null || { echo "$path: no applying $kind '$raw'"; jq .signals "$work/x.json"; exit 1; }
  jq -e '[.reasons[] | select(.rule == "optout")] | length == 1' "$work/x.json" >/dev/null ||
    { echo "$path: no optout reason"; jq .reasons "$work/x.json"; exit 1; }
}
explain /cu/a.jpg blocked content-usage "/cu/ train-ai=n"
explain /legacy/b.jpg blocked content-usage "/legacy/ genai=n (legacy-label)"
explain /h/d.jpg blocked content-usage-header "train-ai=n, search=y"
explain /s/e.jpg blocked content-signal-header "search=yes, ai-train=disallow"
explain /x/f.jpg blocked tdm-embedded "1"
explain /ml/g.jpg blocked x-robots-tag "noml"
explain /ai/i.png blocked ai-txt "disallow: *.png"
# a Content-Usage line that fails to parse states nothing, the PerplexityBot group reserves
# nothing (an AI search engine): the CC0 image is cleared; so is the CC-PDDC one
explain /broken/c.jpg cleared
explain /pd/h.jpg cleared
jq -e '.license.spdx == "CC-PDDC"' "$work/x.json" >/dev/null
$check sql "$work/c.db" "SELECT count(*) FROM optout_signals WHERE kind = 'ai-crawler-rule'" 0

# signals URL shows the same evidence, with a refreshed crawler list that calls
# PerplexityBot a training crawler
set +e
"$CLEARSET_BIN" signals "http://$u/broken/c.jpg" --allow-loopback --delay 0.05 > "$work/s1.json"
rc1=$?
printf 'PerplexityBot | Perplexity | training\n' > "$work/crawlers.txt"
"$CLEARSET_BIN" signals "http://$u/broken/c.jpg" --allow-loopback --delay 0.05 \
  --ai-crawlers "$work/crawlers.txt" > "$work/s2.json"
rc2=$?
printf 'PerplexityBot | Perplexity\n' > "$work/bad.txt"
"$CLEARSET_BIN" signals "http://$u/" --ai-crawlers "$work/bad.txt" 2> "$work/bad.err"
rc3=$?
set -e
[ $rc1 = 0 ] && [ $rc2 = 1 ] && [ $rc3 = 2 ] || { echo "signals exits $rc1 $rc2 $rc3"; exit 1; }
jq -e '[.signals[] | select(.kind == "ai-crawler-rule" and .effect == "none" and .detail == "PerplexityBot (Perplexity, ai-search)")] | length == 1' "$work/s1.json" >/dev/null
jq -e '[.signals[] | select(.kind == "content-usage" and .detail == "not an RFC 9651 dictionary: no preference")] | length == 1' "$work/s1.json" >/dev/null
jq -e '[.signals[] | select(.kind == "ai-crawler-rule" and .verdict == "opts-out")] | length == 1' "$work/s2.json" >/dev/null
grep -q "line 1" "$work/bad.err"

# crawl --ai-crawlers: the same site read with that list reserves training by the
# PerplexityBot group, so the CC0 image is blocked by an ai-crawler rule
"$CLEARSET_BIN" --catalog "$work/d.db" crawl "http://$u/" --allow-loopback --delay 0.05 \
  --ai-crawlers "$work/crawlers.txt" --max-images 3 > /dev/null
"$CLEARSET_BIN" --catalog "$work/d.db" clear --ai-crawlers "$work/crawlers.txt" > /dev/null
"$CLEARSET_BIN" --catalog "$work/d.db" explain "http://$u/broken/c.jpg" --json \
  --ai-crawlers "$work/crawlers.txt" > "$work/y.json"
jq -e '.verdict == "blocked" and .stored_verdict == "blocked" and ([.signals[] | select(.applies and .kind == "ai-crawler-rule" and .raw_value == "PerplexityBot: disallow: /")] | length >= 1)' \
  "$work/y.json" >/dev/null || { echo "crawl --ai-crawlers"; jq . "$work/y.json"; exit 1; }
# judged with the built-in list, where PerplexityBot is an AI search engine, it reserves nothing
"$CLEARSET_BIN" --catalog "$work/d.db" explain "http://$u/broken/c.jpg" --json > "$work/z.json"
jq -e '.verdict == "cleared"' "$work/z.json" >/dev/null
echo ok
