#!/usr/bin/env bash
# it_crawl_urllist.sh - `clearset crawl --url-list`: image URLs from a CSV and a
# gzipped JSON Lines list over two loopback hosts. robots.txt still rules (the
# disallowed image is never requested), X-Robots-Tag still opts out (blocked
# after clear), captions are kept (explain shows them), bad lines are reported
# with FILE:LINE and skipped, and a second run fetches nothing again.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
fixture_start crawler/urllist.json 127.0.6.61 127.0.6.62
a=${fixture_hosts[0]}; b=${fixture_hosts[1]}
cd "$work"

# CSV: a quoted caption with a comma, a doubled quote and a line break (field data, kept
# as written: RFC 4180); CRLF line ends; bad lines
printf 'id,url,caption\r\n' > list.csv
printf '1,http://%s/img/red.jpg,"a red square, ""plain""\r\non two lines"\r\n' "$a" >> list.csv
printf '2,http://%s/img/noai.jpg,opted out\r\n' "$a" >> list.csv
printf '3,http://%s/private/p.jpg,kept out by robots.txt\r\n' "$a" >> list.csv
printf '4,not a url,bad\r\n' >> list.csv
printf '5\r\n' >> list.csv
# JSON Lines, gzipped (the name says .jsonl.gz; the content says gzip)
{
  printf '{"url": "http://%s/b/blue.png", "caption": "a blue square"}\n' "$b"
  printf '{"url": "http://%s/b/red-copy.jpg"}\n' "$b"
  printf '{"url": broken\n'
  printf '{"caption": "no url"}\n'
} | gzip > list.jsonl.gz

"$CLEARSET_BIN" --catalog c.db crawl --url-list list.csv --allow-loopback --delay 0.05 \
  > run1.json 2> run1.err
jq -e '.list_read == 3 and .list_queued == 3 and .list_bad == 2' run1.json >/dev/null ||
  { echo "csv run:"; cat run1.json run1.err; exit 1; }
grep -q 'list.csv:6: ' run1.err || { echo "no FILE:LINE for the bad URL"; cat run1.err; exit 1; }
grep -q 'list.csv:7: no URL column' run1.err || { echo "no report of the short line"; cat run1.err; exit 1; }
"$CLEARSET_BIN" --catalog c.db crawl --url-list list.jsonl.gz --allow-loopback --delay 0.05 \
  > run2.json 2> run2.err
jq -e '.list_read == 2 and .list_queued == 2 and .list_bad == 2' run2.json >/dev/null ||
  { echo "jsonl run:"; cat run2.json run2.err; exit 1; }
grep -q 'list.jsonl.gz:3: not a JSON object' run2.err
grep -q 'list.jsonl.gz:4: no URL field' run2.err

$check first log.jsonl 127.0.6.61 /robots.txt
$check first log.jsonl 127.0.6.62 /robots.txt
$check never log.jsonl 127.0.6.61 /private/p.jpg
$check sql c.db "SELECT count(*) FROM urls u JOIN image_urls i ON i.url_id = u.id" 4
$check sql c.db "SELECT count(*) FROM sightings WHERE page_id IS NULL" 4
$check sql c.db "SELECT s.caption FROM sightings s JOIN urls u ON u.id = s.image_url_id WHERE u.url = 'http://$a/img/red.jpg'" \
  "$(printf 'a red square, "plain"\r\non two lines')"

"$CLEARSET_BIN" --catalog c.db dedup > /dev/null 2>&1
"$CLEARSET_BIN" --catalog c.db clear > /dev/null 2>&1
"$CLEARSET_BIN" --catalog c.db explain "http://$a/img/noai.jpg" --json > noai.json || true
jq -e '.verdict == "blocked"' noai.json >/dev/null || { echo "noai image:"; jq . noai.json; exit 1; }
"$CLEARSET_BIN" --catalog c.db explain "http://$b/b/blue.png" --json > blue.json || true
jq -e '.captions == ["a blue square"]' blue.json >/dev/null || { echo "blue image:"; jq . blue.json; exit 1; }
"$CLEARSET_BIN" --catalog c.db explain "http://$b/b/blue.png" | grep -q 'Listed with the caption "a blue square"'

# again: both lists read, nothing fetched
before=$(wc -l < log.jsonl)
"$CLEARSET_BIN" --catalog c.db crawl --url-list list.csv --allow-loopback --delay 0.05 > run3.json 2>/dev/null
zcat list.jsonl.gz | "$CLEARSET_BIN" --catalog c.db crawl --url-list - --input-format jsonl \
  --allow-loopback --delay 0.05 > run4.json 2>/dev/null
jq -e '.list_read == 3 and .list_queued == 0 and .requests == 0' run3.json >/dev/null || { cat run3.json; exit 1; }
jq -e '.list_read == 2 and .list_queued == 0 and .requests == 0' run4.json >/dev/null || { cat run4.json; exit 1; }
[ "$(wc -l < log.jsonl)" = "$before" ] || { echo "a second run fetched again"; exit 1; }
echo ok
