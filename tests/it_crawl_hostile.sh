#!/usr/bin/env bash
# it_crawl_hostile.sh - hostile servers are survived with bounded memory and a recorded
# error each: a redirect loop, a chain of more than five redirects, an endless body, a
# trickling body, a 1 GiB gzip bomb, a JPEG header claiming 60000x60000 pixels, bytes
# that are no image behind an image URL, a path-repeating trap, malformed HTML and a
# header in ISO-8859-1 (kept, its stray byte as '?'); and a host whose pages all fail is
# backed off exponentially and then parked.
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
fixture_start crawler/hostile.json 127.0.4.21 127.0.4.22
h=${fixture_hosts[0]}; sick=${fixture_hosts[1]}

/usr/bin/time -f %M -o "$work/rss" "$CLEARSET_BIN" --catalog "$work/c.db" crawl "http://$h/" \
  "http://$sick/" --allow-loopback --delay 0.05 --timeout 3 --max-attempts 1 > "$work/out.json"
grep -q '"event":"done"' "$work/out.json"

state() { $check sql "$work/c.db" "SELECT state, substr(last_error, 1, length('$3')) FROM urls WHERE url = 'http://$h$1'" "$2|$3"; }
state /loop1 done ""
state /loop2 failed "redirect loop"
$check sql "$work/c.db" "SELECT count(*) FROM fetches f JOIN urls u ON u.id = f.url_id WHERE u.url LIKE '%/loop_'" 2
state /chain4 done ""
state /chain5 failed "more than 5 redirects"
$check never "$work/log.jsonl" 127.0.4.21 /chain6 /chain7 /a/b/a/b/a/b/a/b/x.html
state /endless.html failed too_large
state /trickle.html failed timeout
state /bomb.html failed too_large
state /bomb.jpg failed too_many_pixels
state /notimage.jpg failed "not an image"
state /malformed.html done ""
state /ok.html done ""
state /red.jpg done ""
state /latin1.html done ""
$check sql "$work/c.db" "SELECT json_extract(j.value, '\$[1]') FROM fetches f JOIN urls u ON u.id = f.url_id, json_each(f.headers) j WHERE u.url = 'http://$h/latin1.html' AND json_extract(j.value, '\$[0]') = 'Content-Disposition'" 'inline; filename="caf?.html"'
$check sql "$work/c.db" "SELECT count(*) FROM images" 1
$check sql "$work/c.db" "SELECT count(*) FROM fetches WHERE error_code IS NOT NULL" 4

# a host that keeps failing backs off exponentially, then is parked with work left
$check backoff "$work/log.jsonl" 127.0.4.22 0.05
$check sql "$work/c.db" "SELECT parked FROM hosts WHERE origin = 'http://$sick'" 1
$check sql "$work/c.db" "SELECT count(*) FROM urls WHERE url LIKE 'http://$sick/s%' AND state = 'failed'" 5
$check sql "$work/c.db" "SELECT count(*) FROM urls WHERE url LIKE 'http://$sick/s%' AND state = 'queued'" 3

# A 1 GiB bomb or an endless body held in memory would show here; limits keep the
# whole crawl (ASan included) far below this.
rss_kb=$(tail -1 "$work/rss")
echo "max RSS ${rss_kb} KiB"
[ "$rss_kb" -lt 400000 ]
echo ok
