#!/usr/bin/env python3
"""tests/fuzz/make_corpus.py - writes the seed corpus of every fuzz target.

    python3 tests/fuzz/make_corpus.py     # from the repository's top folder

Seeds come from the repository's own real files (tests/fixtures, the demo's sample
web: images written by TurboJPEG, libpng, libwebp and ExifTool, pages, robots.txt
files), cut into the input layout each target expects (see the comment at the top
of each tests/fuzz/fuzz_*.c), plus a few hand-written edge cases. The output is
committed under tests/fuzz/corpus/NAME/ and replayed by the default test suite
(tests/fuzz/replay.c); crash inputs a fuzzing run finds are added there by hand
as crash-*, and this script leaves files it did not write alone.

fuzz_dedup_local's seeds are real SIFT feature sets, which only the C library makes:
    CLEARSET_WRITE_LOCAL_SEEDS=tests/fuzz/corpus/fuzz_dedup_local build/tests/test_audit_match
"""
import hashlib
import os
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(TOP, "tests", "fuzz", "corpus")
SEED_MAX = 64 * 1024  # a seed larger than this is cut: the replay must stay quick


def files_under(*roots, ext=()):
    found = []
    for root in roots:
        for dirpath, _, names in os.walk(os.path.join(TOP, root)):
            for n in sorted(names):
                if not ext or n.lower().endswith(ext):
                    found.append(os.path.join(dirpath, n))
    return sorted(found)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(target, data, name=None):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    data = data[:SEED_MAX]
    name = name or "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def jpeg_segments(data):
    """(marker, payload) for each segment before the scan."""
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xDA or marker == 0xD9:
            break
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        yield marker, data[i + 4:i + 2 + length]
        i += 2 + length


def png_chunks(data):
    i = 8
    while i + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[i:i + 8])
        yield kind, data[i + 8:i + 8 + length]
        i += 12 + length


def webp_chunks(data):
    i = 12
    while i + 8 <= len(data):
        kind, length = struct.unpack("<4sI", data[i:i + 8])
        yield kind, data[i + 8:i + 8 + length]
        i += 8 + length + (length & 1)


images = files_under("tests/fixtures", "demo/site/www", ext=(".jpg", ".jpeg", ".png", ".webp"))
images = [p for p in images if os.path.getsize(p) <= SEED_MAX]

for path in images:
    data = read(path)
    write("fuzz_license_file", data)
    write("fuzz_imagemeta", data)
    if data[:3] == b"\xff\xd8\xff":
        write("fuzz_decode_jpeg", data[3:])
        write("fuzz_license_c2pa", b"\x01" + data[2:])
        for marker, payload in jpeg_segments(data):
            if marker == 0xE1 and payload.startswith(b"Exif\0\0"):
                write("fuzz_license_exif", payload[6:])
            if marker == 0xE1 and payload.startswith(b"http://ns.adobe.com/xap/1.0/\0"):
                write("fuzz_license_xmp", payload[29:])
            if marker == 0xED and payload.startswith(b"Photoshop 3.0\0"):
                write("fuzz_license_iptc", b"\x00" + payload[14:])
            if marker == 0xEB:
                write("fuzz_license_c2pa", b"\x00" + payload[8:])
    elif data[:8] == b"\x89PNG\r\n\x1a\n":
        write("fuzz_decode_png", data[8:])
        for kind, payload in png_chunks(data):
            if kind == b"eXIf":
                write("fuzz_license_exif", payload)
            if kind == b"iTXt" and payload.startswith(b"XML:com.adobe.xmp\0"):
                write("fuzz_license_xmp", payload.split(b"\0", 5)[-1])
    elif data[:4] == b"RIFF":
        write("fuzz_decode_webp", data[4:])
        for kind, payload in webp_chunks(data):
            if kind == b"EXIF":
                write("fuzz_license_exif", payload[6:] if payload.startswith(b"Exif\0\0") else payload)
            if kind == b"XMP ":
                write("fuzz_license_xmp", payload)

# IIM datasets by hand: 2:116 copyright, 2:80 by-line, 2:110 credit; the odd first byte
# selects the bare-IIM parser.
iim = b""
for number, text in ((116, b"(c) 2026 Example Owner"), (80, b"A. Photographer"), (110, b"Example")):
    iim += b"\x1c\x02" + bytes([number]) + struct.pack(">H", len(text)) + text
write("fuzz_license_iptc", b"\x01" + iim, "iim-by-hand")
write("fuzz_license_iptc", b"\x01\x1c\x02\x74\x80\x04\x00\x00\x00\x05hello", "iim-extended-length")

pages = files_under("demo/site/www", ext=(".html",))
for path in pages:
    write("fuzz_crawler_html", read(path))
write("fuzz_crawler_html", b"<html><head><base href='../x/'><meta name=robots content='noai, noimageai'>"
      b"<link rel=license href='https://creativecommons.org/licenses/by/4.0/'></head><body>"
      b"<img src='a.jpg' srcset='b.jpg 2x, c.jpg 300w' alt='x'><picture><source srcset='d.webp'>"
      b"</picture><a href='//h/p?q#f'>l</a><figure><img src=e.png><figcaption>c</figcaption></figure>"
      b"<script type='application/ld+json'>{\"@type\":\"ImageObject\"}</script>", "tags-by-hand")
write("fuzz_crawler_html", b"<html><body>" + b"<div>" * 3000 + b"<img src=deep.jpg>", "deep-nesting")

for text in (b"http://example.org/a/./b/../c?x=1#frag", b"HTTPS://EXAMPLE.org:443/%7euser/",
             b"http://[2001:db8::1]:8080/p", b"../img/a.jpg", b"//other.example/x y",
             b"http://user:pw@h/", b"javascript:alert(1)", b"http://h/" + b"a/" * 1100,
             b"?q=%zz", b"http://xn--bcher-kva.example/%c3%a9"):
    write("fuzz_crawler_url", text)

for path in files_under("demo/site/www", ext=("robots.txt",)):
    url = b"/photos/a.jpg"
    write("fuzz_robots", bytes([len(url)]) + url + read(path))
robots_by_hand = (b"User-agent: *\nDisallow: /private\nAllow: /private/ok$\nCrawl-delay: 2\n"
                  b"Content-Signal: search=yes, ai-train=no\nContent-Usage: train-ai=n\n\n"
                  b"User-agent: GPTBot\nUser-agent: CCBot\nDisallow: /\n"
                  b"Sitemap: https://h/sitemap.xml\nLicense: https://h/license.xml\n")
write("fuzz_robots", bytes([9]) + b"/private/" + robots_by_hand, "groups-by-hand")
write("fuzz_robots", bytes([3]) + b"/a*" + b"\xef\xbb\xbfuser-agent:clearsetbot\r\ndisalow: /a*$\r", "bom-typo")

for path in files_under("demo/site/www", ext=("tdmrep.json",)):
    write("fuzz_signals", b"\xff" * 5 + read(path) + b"\xffhttps://h/photos/a.jpg")
# fuzz_rsl: each RSL fixture after a URL its content patterns speak for (or not)
rsl_urls = {"free-attribution.xml": b"https://h/p?x", "patterns.xml": b"https://h/images/c.png",
            "payment-purchase.xml": b"https://h/images/b.jpg",
            "train-ai.xml": b"https://photos.example/gallery/1.jpg"}
for path in files_under("tests/fixtures/rsl", ext=(".xml",)):
    url = rsl_urls.get(os.path.basename(path), b"https://h/a.jpg")
    write("fuzz_rsl", bytes([len(url)]) + url + read(path))
fields = [b"noai, noimageai", b"robots", b"noindex, noai", b"1", b"https://h/policy.json",
          b'[{"location":"/*","tdm-reservation":1}]', b"https://h/a.jpg",
          b"http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING", b"notAllowed", b"0.01"]
write("fuzz_signals", b"\xff".join(fields), "all-fields-by-hand")
write("fuzz_signals", b"clearsetbot: noimageai\xffCLEARSETBOT\xffNONE", "agent-scoped")

write("fuzz_license_jsonld", b'{"@context":"https://schema.org","@type":"ImageObject",'
      b'"contentUrl":"../dir/a.jpg","license":"https://creativecommons.org/publicdomain/zero/1.0/",'
      b'"creator":{"@type":"Person","name":"A"},"copyrightNotice":"(c) A"}', "imageobject")
write("fuzz_license_jsonld", b'[{"@graph":[{"@type":"ImageObject","contentUrl":"http://example.org/b.png",'
      b'"license":"All rights reserved"},{"@type":"WebPage","license":"CC BY-NC 4.0"}]}]', "graph")
write("fuzz_license_jsonld", b'{"@type":"ImageObject","contentUrl":' + b"[" * 500, "deep-array")

def manifest(files, fields=None):
    """manifest.json as manifest_sign_dir writes it (sorted keys, two-space indent,
    a trailing newline); files are (path, bytes). The fingerprint is a stand-in:
    the parser does not check signatures."""
    import json
    entries = [{"path": p, "sha256": hashlib.sha256(b).hexdigest(), "size": len(b)}
               for p, b in sorted(files, key=lambda f: f[0].encode())]
    root = dict(fields or {})
    root.update({"format": "clearset-export", "format_version": 1, "files": entries,
                 "signer": {"algorithm": "ed25519",
                            "fingerprint": hashlib.sha256(b"stand-in key").hexdigest()}})
    return (json.dumps(root, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


for root in ("tests/fixtures/pdq", "demo/site/www"):
    found = [(os.path.relpath(f, os.path.join(TOP, root)), read(f)) for f in files_under(root)]
    write("fuzz_manifest", manifest(found[:40], {"policy": "strict", "counts": {"CC0-1.0": 3}}),
          "folder-" + root.replace("/", "-"))
write("fuzz_manifest", manifest([]), "empty-folder")
write("fuzz_manifest", manifest([("a", b"1"), ("a-b", b"2"), ("a/b", b"3"), ("\u00e9t\u00e9.jpg", b"")],
                                {"catalog": {"snapshot": "2026-01-01T00:00:00Z"}, "ratio": 0.5}),
      "bytewise-order")
write("fuzz_manifest", manifest([("../escape", b"x")]), "dot-dot")
write("fuzz_manifest", manifest([("b", b"x"), ("a", b"y")]).replace(b'"a"', b'"c"'), "out-of-order")
write("fuzz_manifest", manifest([("a", b"x")]).replace(b'"format_version": 1', b'"format_version": 2'),
      "newer-version")
write("fuzz_manifest", manifest([("a", b"x")]).replace(b'"size": 1', b'"size": 1, "size": 2'),
      "duplicate-key")

# fuzz_access_log: access-log lines as nginx and Apache write them (Apache's mod_log_config
# examples, nginx's combined format with its \x22 escapes), then the hostile kinds.
apache_common = b'127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326'
apache_combined = apache_common + b' "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"'
nginx = (b'203.0.113.5 - - [04/Dec/2026:21:30:06 +0000] "GET /private/a.jpg HTTP/1.1" 200 48213 "-" '
         b'"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)"')
write("fuzz_access_log", apache_common, "apache-common")
write("fuzz_access_log", apache_combined, "apache-combined")
write("fuzz_access_log", b"\n".join([nginx, nginx, nginx.replace(b"21:30:06", b"21:30:07"),
                                     b'2001:db8::1 - - [04/Dec/2026:21:30:07 +0000] "HEAD / HTTP/2.0" 304 - '
                                     b'"https://h/\\"q\\"" "CCBot/2.0 (https://commoncrawl.org/faq/)" "10.0.0.1" 0.004']),
      "nginx-combined-lines")
write("fuzz_access_log", b'10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "\\x16\\x03\\x01\\x02\\x00" 400 157 "-" "-"\n'
      b'10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "-" - - "-" "-"\n'
      b'10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /old" 200 9', "dashes-and-junk-requests")
write("fuzz_access_log", b'1.2.3.4 - - [29/Feb/2023:00:00:00 +0000] "GET / HTTP/1.1" 200 1\n'
      b'1.2.3.4 - - [29/Feb/2024:23:59:60 +1400] "GET / HTTP/1.1" 200 1\n'
      b'1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /\0 HTTP/1.1" 200 1\n'
      b'1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /\xc3\xa9\xff HTTP/1.1" 200 1\r\n', "bad-dates-and-bytes")

missing = [t for t in sorted(os.path.splitext(n)[0] for n in os.listdir(os.path.dirname(__file__))
                             if n.startswith("fuzz_") and n.endswith(".c"))
           if not os.path.isdir(os.path.join(OUT, t))]
if missing:
    sys.exit("make_corpus: no seeds for " + ", ".join(missing))
for t in sorted(os.listdir(OUT)):
    print(t, len(os.listdir(os.path.join(OUT, t))))
