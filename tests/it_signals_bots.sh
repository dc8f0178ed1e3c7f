#!/usr/bin/env bash
# it_signals_bots.sh - `clearset signals URL --bots`: one row per known AI crawler, over
# loopback with the fixture server (tests/fixtures/crawlers/bots.json). The site's
# robots.txt disallows everything for GPTBot, CCBot (training crawlers) and PerplexityBot
# (AI search) and says Content-Signal ai-train=no to every other crawler; its page says
# X-Robots-Tag: Bytespider: noai. Each row names the crawler's operator and function.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
fixture_start crawlers/bots.json 127.0.6.81 127.0.6.84
site=${fixture_hosts[0]}
open=${fixture_hosts[1]}
url="http://$site/gallery/photo.html"

set +e
"$CLEARSET_BIN" signals "$url" --bots --allow-loopback --delay 0 > "$work/bots.jsonl"
rc=$?
set -e
[ "$rc" = 1 ] || { echo "signals --bots: exit $rc, expected 1 (some crawler disallowed)"; exit 1; }
row() { jq -c --arg c "$1" 'select(.crawler == $c)' "$work/bots.jsonl"; }
expect() { # expect CRAWLER JQ_FILTER
  row "$1" | jq -e "$2" >/dev/null || { echo "$1: expected $2"; row "$1"; exit 1; }
}

# one JSON object per listed crawler, each for the URL asked about
rows=$(wc -l < "$work/bots.jsonl")
distinct=$(jq -r .crawler "$work/bots.jsonl" | sort -u | wc -l)
[ "$rows" -ge 40 ] && [ "$rows" = "$distinct" ] || { echo "$rows rows, $distinct crawlers"; exit 1; }
jq -e --arg u "$url" 'select(.url != $u)' "$work/bots.jsonl" >/dev/null && { echo "a row for another URL"; exit 1; }

# GPTBot and CCBot: their own group disallows the URL, and that reserves training
for c in GPTBot CCBot; do
  expect $c '.may_fetch == false and .robots_line == 4 and .disallowed_url != null'
  expect $c '.training_reserved == true and .signal == "ai-crawler-rule" and .function == "training"'
done
expect GPTBot '.operator == "OpenAI"'
expect CCBot '.operator == "Common Crawl"'
# PerplexityBot: kept out by its own group, but a search crawler's disallow reserves no
# training, and the * group's Content-Signal is not its group
expect PerplexityBot '.may_fetch == false and .function == "ai-search" and .training_reserved == false'
expect PerplexityBot '.signal == null and .reason == null' 
# everyone else may fetch it; Content-Signal in the * group reserves training for them
for c in ClaudeBot Claude-SearchBot Google-Extended Amazonbot; do
  expect $c '.may_fetch == true and .robots_line == null and .disallowed_url == null'
  expect $c '.training_reserved == true and .signal == "content-signal" and (.reason | test("ai-train=no"))'
done
# the header scoped to Bytespider counts for Bytespider (after robots.txt's Content-Signal)
expect Bytespider '.may_fetch == true and .training_reserved == true'
[ "$(jq -s '[.[] | select(.may_fetch == false)] | length' "$work/bots.jsonl")" = 3 ] ||
  { echo "only GPTBot, CCBot and PerplexityBot are disallowed"; jq -c 'select(.may_fetch == false)' "$work/bots.jsonl"; exit 1; }
jq -e 'select(.operator == null or .function == null)' "$work/bots.jsonl" >/dev/null &&
  { echo "a row without operator or function"; exit 1; }

# the page was fetched once, as clearsetbot, after the policy files: one set of requests
$check first "$work/log.jsonl" 127.0.6.81 /robots.txt
[ "$(jq -s '[.[] | select(.target == "/gallery/photo.html")] | length' "$work/log.jsonl")" = 1 ] ||
  { echo "the page was not fetched exactly once"; cat "$work/log.jsonl"; exit 1; }

# on a terminal: a table (script(1) gives the command a tty)
if command -v script >/dev/null; then
  script -qec "'$CLEARSET_BIN' signals '$url' --bots --allow-loopback --delay 0" /dev/null \
    > "$work/table.txt" || true
  grep -q '^CRAWLER  *OPERATOR  *FUNCTION  *FETCH  *TRAINING  *SIGNAL' "$work/table.txt" || { echo "no table header"; cat "$work/table.txt"; exit 1; }
  grep -Eq '^GPTBot  *OpenAI  *training  *no:4  *reserved ' "$work/table.txt" || { echo "no GPTBot row"; cat "$work/table.txt"; exit 1; }
  grep -Eq '^PerplexityBot  *Perplexity  *ai-search  *no:4  *- ' "$work/table.txt" || { echo "no PerplexityBot row"; cat "$work/table.txt"; exit 1; }
  grep -Eq '^ClaudeBot  *Anthropic  *training  *yes  *reserved .*ai-train=no' "$work/table.txt" || { echo "no ClaudeBot row"; cat "$work/table.txt"; exit 1; }
fi
# a site that lets everyone in: only the page's agent-scoped header and meta reserve
# training, each for its own crawler; exit 1 because some crawler has training reserved
set +e
"$CLEARSET_BIN" signals "http://$open/photo.html" --bots --allow-loopback --delay 0 > "$work/bots.jsonl"
rc=$?
set -e
[ "$rc" = 1 ] || { echo "open site: exit $rc, expected 1"; exit 1; }
expect Bytespider '.may_fetch == true and .training_reserved == true and .signal == "x-robots-tag"'
expect CCBot '.may_fetch == true and .training_reserved == true and .signal == "meta-robots"'
expect GPTBot '.may_fetch == true and .training_reserved == false and .signal == null and .reason == null'
[ "$(jq -s '[.[] | select(.training_reserved)] | length' "$work/bots.jsonl")" = 2 ] ||
  { echo "only Bytespider and CCBot have training reserved"; exit 1; }
echo "signals --bots: $rows crawlers"
