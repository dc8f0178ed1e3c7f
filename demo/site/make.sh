#!/usr/bin/env bash
# make.sh - rebuilds the sample web's images (the files it writes are
# committed; run this only to change them).
#
#   demo/site/make.sh
#
# 1. compiles gen_images.c (TurboJPEG, libpng) and draws the pictures;
# 2. copies each to the host that publishes it under www/<host>/;
# 3. writes each picture's rights metadata with exiftool (XMP dc/xmpRights/cc/
#    plus, IPTC-IIM for JPEGs, EXIF Artist/Copyright), as a real publisher's
#    tools would: CC BY 4.0 for the photographer, CC0 and the Public Domain Mark
#    for the museum, "all rights reserved" plus the PLUS data-mining
#    prohibition for the stock agency, and a false CC0 claim on the blog's
#    re-upload of the stock lighthouse (licence laundering).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
www="$here/www"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cc -O2 -Wall -Wextra -o "$tmp/gen_images" "$here/gen_images.c" \
   $(pkg-config --cflags --libs libturbojpeg libpng) -lm
"$tmp/gen_images" "$tmp"

install -D -m 0644 "$tmp/harbour.jpg" "$www/cdn/ana/harbour.jpg"
install -D -m 0644 "$tmp/dunes.jpg" "$www/cdn/ana/dunes.jpg"
install -D -m 0644 "$tmp/fern.png" "$www/photo/images/fern.png"
install -D -m 0644 "$tmp/vase.jpg" "$www/museum/collection/amphora.jpg"
install -D -m 0644 "$tmp/map.png" "$www/museum/collection/coast-map.png"
install -D -m 0644 "$tmp/lighthouse.jpg" "$www/stock/photos/lighthouse.jpg"
install -D -m 0644 "$tmp/skyline.jpg" "$www/stock/photos/skyline.jpg"
install -D -m 0644 "$tmp/lighthouse-wallpaper.jpg" "$www/blog/wp/lighthouse-wallpaper.jpg"

et=(exiftool -config "$here/exiftool.config" -q -overwrite_original)

# The photographer: CC BY 4.0, attribution "Ana Lima".
by="https://creativecommons.org/licenses/by/4.0/"
photo_rights() { # FILE TITLE
  "${et[@]}" -XMP-dc:Title="$2" -XMP-dc:Creator="Ana Lima" \
    -XMP-dc:Rights="© 2025 Ana Lima. Licensed under CC BY 4.0." \
    -XMP-xmpRights:Marked=True -XMP-xmpRights:WebStatement="$by" \
    -XMP-xmpRights:UsageTerms="This work is licensed under CC BY 4.0. Credit: Ana Lima." \
    -XMP-cc:License="$by" -XMP-cc:AttributionName="Ana Lima" \
    -EXIF:Artist="Ana Lima" -EXIF:Copyright="© 2025 Ana Lima, CC BY 4.0" "${@:3}" "$1"
}
photo_rights "$www/cdn/ana/harbour.jpg" "Harbour at noon" \
  -IPTC:CodedCharacterSet=UTF8 -IPTC:ObjectName="Harbour at noon" -IPTC:By-line="Ana Lima" \
  -IPTC:CopyrightNotice="© 2025 Ana Lima, CC BY 4.0"
photo_rights "$www/cdn/ana/dunes.jpg" "Dunes at dusk" \
  -IPTC:CodedCharacterSet=UTF8 -IPTC:ObjectName="Dunes at dusk" -IPTC:By-line="Ana Lima" \
  -IPTC:CopyrightNotice="© 2025 Ana Lima, CC BY 4.0"
photo_rights "$www/photo/images/fern.png" "Fern"

# The museum: CC0 for the amphora photograph, the Public Domain Mark for the map.
cc0="https://creativecommons.org/publicdomain/zero/1.0/"
pdm="https://creativecommons.org/publicdomain/mark/1.0/"
"${et[@]}" -XMP-dc:Title="Amphora, Attic, c. 520 BC" -XMP-dc:Creator="Open Collection Museum" \
  -XMP-dc:Rights="No rights reserved. Photograph dedicated to the public domain under CC0 1.0." \
  -XMP-xmpRights:Marked=False -XMP-xmpRights:WebStatement="$cc0" -XMP-cc:License="$cc0" \
  -IPTC:CodedCharacterSet=UTF8 -IPTC:ObjectName="Amphora, Attic, c. 520 BC" -IPTC:CopyrightNotice="CC0 1.0 - no rights reserved" \
  -EXIF:Copyright="CC0 1.0" "$www/museum/collection/amphora.jpg"
"${et[@]}" -XMP-dc:Title="Map of the coast, 1790" -XMP-dc:Creator="Unknown cartographer" \
  -XMP-dc:Rights="Public domain (Public Domain Mark 1.0)." \
  -XMP-xmpRights:Marked=False -XMP-xmpRights:WebStatement="$pdm" -XMP-cc:License="$pdm" \
  "$www/museum/collection/coast-map.png"

# The stock agency: all rights reserved, and no AI/ML training (PLUS Data Mining).
stock_rights() { # FILE TITLE
  "${et[@]}" -XMP-dc:Title="$2" -XMP-dc:Creator="Stockfoto GmbH" \
    -XMP-dc:Rights="© 2024 Stockfoto GmbH. All rights reserved." \
    -XMP-xmpRights:Marked=True -XMP-xmpRights:WebStatement="https://stockfoto.example/licence" \
    -XMP-xmpRights:UsageTerms="Licence required. Use for AI/ML training is prohibited." \
    -XMP-plus:DataMining="http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING" \
    -XMP-plus:OtherConstraints="No text and data mining; no AI/ML training." \
    -IPTC:CodedCharacterSet=UTF8 -IPTC:ObjectName="$2" -IPTC:CopyrightNotice="© 2024 Stockfoto GmbH. All rights reserved." \
    -EXIF:Artist="Stockfoto GmbH" -EXIF:Copyright="© 2024 Stockfoto GmbH. All rights reserved." \
    "$1"
}
stock_rights "$www/stock/photos/lighthouse.jpg" "Lighthouse at night"
stock_rights "$www/stock/photos/skyline.jpg" "City skyline at sunset"

# The blog: the stock lighthouse, scaled and recompressed, relabelled CC0.
"${et[@]}" -XMP-dc:Title="Lighthouse wallpaper" -XMP-dc:Creator="freewalls" \
  -XMP-dc:Rights="Free wallpaper, public domain (CC0)." \
  -XMP-xmpRights:WebStatement="$cc0" -XMP-cc:License="$cc0" \
  "$www/blog/wp/lighthouse-wallpaper.jpg"

du -cb "$www"/*/*/*.jpg "$www"/*/*/*.png | tail -1
