#!/usr/bin/env bash
# it_crawlers.sh - `clearset crawlers ACCESS_LOG... [--robots FILE_OR_URL] [--text] [--html FILE]`
# on generated logs: per-crawler counts, bytes, first/last seen and status classes, the
# requests robots.txt disallowed for each crawler (file and URL forms, the URL served by
# the fixture server on loopback), gzip, a cut gzip stream, junk lines (binary, NUL,
# invalid UTF-8, a 100 KB line: reported with FILE:LINE, at most 10 per file, never
# stopping the run), stdin, an unreadable file, the exit codes, the --text table and the
# --html page rendered by headless Chromium (one chart per crawler, text escaped).
set -euo pipefail
. "$CLEARSET_SOURCE_DIR/tests/support/fixture.sh"
fixture_start crawlers/bots.json 127.0.6.82 127.0.6.83
logs=${fixture_hosts[0]}
down=${fixture_hosts[1]}

# The log: every line's crawler, path, status and bytes are chosen here, so the expected
# counts below follow from it. robots.txt disallows /private/ for GPTBot and CCBot only.
printf 'User-agent: GPTBot\nUser-agent: CCBot\nDisallow: /private/\n\nUser-agent: *\nAllow: /\n' \
  > "$work/robots.txt"
/usr/bin/python3 - "$work/access.log" <<'PY'
import sys
gpt = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"
cc = "CCBot/2.0 (https://commoncrawl.org/faq/)"
claude = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)"
firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
lines = [
    # GPTBot: 5 requests, 3 under /private/ (2 disallowed... all 3 are), 2 elsewhere
    ('203.0.113.5', '[10/Oct/2026:13:55:36 -0700]', 'GET /private/a.jpg HTTP/1.1', 200, 1000, gpt),
    ('203.0.113.5', '[10/Oct/2026:20:56:00 +0000]', 'GET /index.html HTTP/1.1', 200, 500, gpt),
    ('203.0.113.5', '[11/Oct/2026:00:00:00 +0200]', 'GET /private/b.jpg HTTP/1.1', 404, 0, gpt),
    ('2001:db8::5', '[12/Oct/2026:08:00:00 +0000]', 'GET /private/c.html?x=1 HTTP/2.0', 301, 20, gpt),
    ('203.0.113.5', '[09/Oct/2026:23:59:59 +0000]', 'GET /robots.txt HTTP/1.1', 200, 80, gpt),
    # CCBot: 2 requests, 1 disallowed; a 5xx
    ('198.51.100.1', '[10/Oct/2026:10:00:00 +0000]', 'GET /private/x HTTP/1.1', 503, 0, cc),
    ('198.51.100.1', '[10/Oct/2026:10:00:01 +0000]', 'GET /about.html HTTP/1.1', 200, 300, cc),
    # ClaudeBot under /private/: the * group allows it, nothing ignored
    ('192.0.2.7', '[10/Oct/2026:11:00:00 +0000]', 'GET /private/a.jpg HTTP/1.1', 200, 1000, claude),
    ('192.0.2.7', '[10/Oct/2026:11:00:01 +0000]', 'GET /private/d.jpg HTTP/1.1', 200, 2000, claude),
    ('192.0.2.7', '[10/Oct/2026:11:00:02 +0000]', '-', 408, 0, claude),
]
lines += [('192.0.2.%d' % i, '[10/Oct/2026:12:00:%02d +0000]' % i, 'GET /private/a.jpg HTTP/1.1', 200, 10, firefox)
          for i in range(10)]
with open(sys.argv[1], "w") as f:
    for host, t, req, status, size, ua in lines:
        f.write('%s - - %s "%s" %d %s "-" "%s"\n' % (host, t, req, status, size if size else "-", ua))
    f.write('127.0.0.1 - frank [10/Oct/2026:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326\n')
PY
lines=21

# crawlers NAME EXPECTED_EXIT ARGS...: runs clearset crawlers into NAME.jsonl / NAME.err
crawlers() {
  local name=$1 want=$2 rc
  shift 2
  set +e
  "$CLEARSET_BIN" crawlers "$@" > "$work/$name.jsonl" 2> "$work/$name.err"
  rc=$?
  set -e
  [ "$rc" = "$want" ] || { echo "$name: exit $rc, expected $want"; cat "$work/$name.jsonl" "$work/$name.err"; exit 1; }
}
expect() { # expect NAME JQ_FILTER (over all objects, slurped)
  jq -se "$2" "$work/$1.jsonl" >/dev/null || { echo "$1: expected $2"; cat "$work/$1.jsonl"; exit 1; }
}
crawler() { echo "(.[] | select(.crawler == \"$1\"))"; }

# plain log, robots.txt as a file: GPTBot and CCBot ignored it, exit 1
crawlers plain 1 "$work/access.log" --robots "$work/robots.txt"
expect plain '[.[] | select(.crawler) | .crawler] == ["GPTBot", "ClaudeBot", "CCBot"]'
expect plain "$(crawler GPTBot) | .requests == 5 and .bytes == 1600 and .robots_disallowed == 3 and .ignored_robots"
expect plain "$(crawler GPTBot) | .operator == \"OpenAI\" and .function == \"training\""
expect plain "$(crawler GPTBot) | .first_seen == \"2026-10-09T23:59:59Z\" and .last_seen == \"2026-10-12T08:00:00Z\""
expect plain "$(crawler GPTBot) | .status == {\"1xx\":0,\"2xx\":3,\"3xx\":1,\"4xx\":1,\"5xx\":0,\"other\":0}"
expect plain "$(crawler GPTBot) | .example_disallowed == \"/private/a.jpg\""
expect plain "$(crawler CCBot) | .requests == 2 and .bytes == 300 and .robots_disallowed == 1 and .status[\"5xx\"] == 1"
expect plain "$(crawler CCBot) | .first_seen == \"2026-10-10T10:00:00Z\" and .last_seen == \"2026-10-10T10:00:01Z\""
expect plain "$(crawler ClaudeBot) | .requests == 3 and .bytes == 3000 and .robots_disallowed == 0 and (.ignored_robots | not)"
expect plain "$(crawler ClaudeBot) | .status[\"4xx\"] == 1 and .example_disallowed == null"
expect plain ".[-1] | .summary and .files == 1 and .lines == $lines and .bad_lines == 0 and .requests == $lines"
expect plain '.[-1] | .ai_requests == 10 and .ai_crawlers == 3 and .without_user_agent == 1'
expect plain '.[-1] | .robots_disallowed == 4 and .ignoring_robots == ["GPTBot", "CCBot"]'
[ ! -s "$work/plain.err" ] || { echo "plain: stderr not empty"; cat "$work/plain.err"; exit 1; }

# gzip, stdin, and robots.txt by URL (fetched once from the fixture server): the same answer
gzip -c "$work/access.log" > "$work/access.log.gz"
crawlers gz 1 "$work/access.log.gz" --robots "$work/robots.txt"
cmp "$work/plain.jsonl" "$work/gz.jsonl" || { echo "gzip: a different answer"; diff "$work/plain.jsonl" "$work/gz.jsonl"; exit 1; }
crawlers stdin 1 - --robots "$work/robots.txt" < "$work/access.log.gz"
diff <(head -n -1 "$work/plain.jsonl") <(head -n -1 "$work/stdin.jsonl")
crawlers url 1 "$work/access.log" --robots "http://$logs/" --allow-loopback
diff <(head -n -1 "$work/plain.jsonl") <(head -n -1 "$work/url.jsonl")
expect url ".[-1].robots == \"http://$logs/\""
[ "$(jq -s '[.[] | select(.host == "127.0.6.82" and .target == "/robots.txt")] | length' "$work/log.jsonl")" = 1 ] ||
  { echo "robots.txt was not fetched exactly once"; cat "$work/log.jsonl"; exit 1; }
# unknown rules (503), or loopback without --allow-loopback: no judging, exit 3
crawlers down 3 "$work/access.log" --robots "http://$down/robots.txt" --allow-loopback
grep -q 'status 503, the rules are unknown' "$work/down.err"
crawlers refused 3 "$work/access.log" --robots "http://$logs/robots.txt"
grep -q 'address refused' "$work/refused.err"

# without --robots: counts only, exit 0
crawlers norobots 0 "$work/access.log"
expect norobots '[.[] | select(.crawler) | has("robots_disallowed")] == [false, false, false]'
expect norobots '.[-1].robots == null and (.[-1] | has("ignoring_robots") | not)'

# --ai-crawlers FILE: only the crawlers of that list are looked for
printf '# a list of one\nClaudeBot | Anthropic | training\n' > "$work/list.txt"
crawlers list 0 "$work/access.log" --robots "$work/robots.txt" --ai-crawlers "$work/list.txt"
expect list '[.[] | select(.crawler) | .crawler] == ["ClaudeBot"] and .[-1].ai_requests == 3'
printf 'ClaudeBot | Anthropic\n' > "$work/badlist.txt"
crawlers badlist 2 "$work/access.log" --ai-crawlers "$work/badlist.txt"

# a cut gzip stream, then a good log: the error names the place, the run goes on
head -c $(($(stat -c %s "$work/access.log.gz") / 2)) "$work/access.log.gz" > "$work/cut.log.gz"
crawlers cut 1 "$work/cut.log.gz" "$work/access.log" --robots "$work/robots.txt"
grep -Eq "cut\.log\.gz:[0-9]+: gzip data cut short after line [0-9]+" "$work/cut.err" ||
  { echo "cut gzip: no error naming the place"; cat "$work/cut.err"; exit 1; }
expect cut '.[-1].files == 2 and .[-1].bad_lines == 1'
expect cut "$(crawler GPTBot) | .requests > 5 and .requests < 10" # the lines before the cut count

# junk: binary, NUL, invalid UTF-8, a 100 KB line, lines of words; 2 good lines among 40 bad
/usr/bin/python3 - "$work/junk.log" <<'PY'
import os, sys
good = b'10.0.0.1 - - [10/Oct/2026:09:00:00 +0000] "GET /private/z HTTP/1.1" 200 7 "-" "GPTBot/1.2"\n'
with open(sys.argv[1], "wb") as f:
    f.write(good)
    for i in range(10):
        f.write(bytes(b for b in range(256) if b != 10) + b"\n")  # binary, NUL included
        f.write(good.replace(b"/private/z", b"/caf\xe9\xff") )     # invalid UTF-8
        f.write(b"x" * 100000 + b"\n")                             # huge
        f.write(b"GET / HTTP/1.1 200\n")                           # words
    f.write(good.replace(b"09:00:00", b"09:00:01"))
PY
crawlers junk 1 "$work/junk.log" --robots "$work/robots.txt"
shown=$(grep -c '^clearset crawlers: .*junk\.log:[0-9]*: ' "$work/junk.err" || true)
[ "$shown" = 10 ] || { echo "junk: $shown bad lines shown, expected the first 10"; cat "$work/junk.err"; exit 1; }
grep -q 'junk\.log: 30 more bad line(s) not shown' "$work/junk.err" || { echo "junk: no count of the rest"; cat "$work/junk.err"; exit 1; }
grep -q 'junk\.log:2: column 1: NUL byte' "$work/junk.err"
grep -q 'junk\.log:3: column 52: invalid UTF-8' "$work/junk.err"
grep -q 'junk\.log:4: line of 100000 bytes (at most 65536)' "$work/junk.err"
expect junk '.[-1].lines == 42 and .[-1].bad_lines == 40 and .[-1].requests == 2'
expect junk "$(crawler GPTBot) | .requests == 2 and .robots_disallowed == 2"

# an unreadable file: exit 2, the other file still counted
crawlers missing 2 "$work/no-such.log" "$work/access.log"
grep -q 'no-such.log: No such file or directory' "$work/missing.err"
expect missing '.[-1].files == 1 and .[-1].ai_requests == 10'
# bad usage
crawlers nofile 2 --robots "$work/robots.txt"
crawlers badopt 2 "$work/access.log" --frobnicate

# --text: the table for people
crawlers text 1 "$work/access.log" --robots "$work/robots.txt" --text
mv "$work/text.jsonl" "$work/text.txt"
grep -Eq '^CRAWLER +OPERATOR +FUNCTION +REQUESTS +BYTES +FIRST SEEN +LAST SEEN +2XX +3XX +4XX +5XX +DISALLOWED$' "$work/text.txt"
grep -Eq '^GPTBot +OpenAI +training +5 +1600 +2026-10-09T23:59:59Z +2026-10-12T08:00:00Z +3 +1 +1 +0 +3$' "$work/text.txt"
grep -q 'GPTBot ignored it: 3 disallowed request(s), e.g. /private/a.jpg' "$work/text.txt"

# --html: a page with one chart per crawler, every text escaped (a robots path with markup)
cp "$work/robots.txt" "$work/r<b>&x'.txt"
crawlers html 1 "$work/access.log" --robots "$work/r<b>&x'.txt" --html "$work/report.html"
grep -q "<b>&" "$work/report.html" && { echo "html: unescaped markup from a file name"; exit 1; }
grep -qi '<script\|src=\|href=' "$work/report.html" && { echo "html: not self-contained"; exit 1; }
. "$CLEARSET_SOURCE_DIR/tests/support/browser.sh"
browser_require crawlers
browser_run "$work/chromium" --dump-dom "file://$work/report.html" > "$work/dom.html" ||
  { echo "chromium failed"; cat "$work/chromium.err"; exit 1; }
/usr/bin/python3 - "$work/dom.html" <<'PY'
import sys
from html.parser import HTMLParser

class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections, self.charts, self.bold, self.stack, self.texts = [], 0, 0, [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and a.get("class") == "crawler":
            self.sections.append(a.get("data-crawler"))
        if tag == "svg" and a.get("class") == "chart":
            self.charts += 1
        if tag == "b":
            self.bold += 1
    def handle_data(self, data):
        self.texts.append(data)

dom = Dom()
dom.feed(open(sys.argv[1], encoding="utf-8").read())
text = "".join(dom.texts)
problems = []
if dom.sections != ["GPTBot", "ClaudeBot", "CCBot"]:
    problems.append("sections %s" % dom.sections)
if dom.charts != 3:
    problems.append("%d charts for 3 crawlers" % dom.charts)
if dom.bold:
    problems.append("a <b> element came from a file name")
if "r<b>&x'.txt" not in text:
    problems.append("the robots path is not shown as text")
if problems:
    sys.exit("html: " + "; ".join(problems))
PY
echo "crawlers: plain, gzip, stdin, URL, cut gzip, junk, text and html checked"
