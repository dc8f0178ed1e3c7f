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
#    re-uploads of the stock lighthouse and skyline (licence laundering); for
#    the hosts added for issue 16 (README.md's table) each licence in the one
#    place the scenario needs it (XMP only, EXIF only, IPTC only, or a
#    statement that conflicts with the page).
# The truncated JPEG and the PNG bomb get no metadata (exiftool would refuse
# or repair them); the content farm's copies are stripped, as scrapers do.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
www="$here/www"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cc -O2 -Wall -Wextra -o "$tmp/gen_images" "$here/gen_images.c" \
   $(pkg-config --cflags --libs libturbojpeg libpng zlib) -lm
"$tmp/gen_images" "$tmp"

install -D -m 0644 "$tmp/harbour.jpg" "$www/cdn/ana/harbour.jpg"
install -D -m 0644 "$tmp/dunes.jpg" "$www/cdn/ana/dunes.jpg"
install -D -m 0644 "$tmp/fern.png" "$www/photo/images/fern.png"
install -D -m 0644 "$tmp/vase.jpg" "$www/museum/collection/amphora.jpg"
install -D -m 0644 "$tmp/map.png" "$www/museum/collection/coast-map.png"
install -D -m 0644 "$tmp/lighthouse.jpg" "$www/stock/photos/lighthouse.jpg"
install -D -m 0644 "$tmp/skyline.jpg" "$www/stock/photos/skyline.jpg"
install -D -m 0644 "$tmp/lighthouse-wallpaper.jpg" "$www/blog/wp/lighthouse-wallpaper.jpg"
install -D -m 0644 "$tmp/skyline-wallpaper.jpg" "$www/blog/wp/skyline-wallpaper.jpg"
for f in glacier market sculpture bridge tram heron orchard attic; do
  install -D -m 0644 "$tmp/$f.jpg" "$www/commons/photos/$f.jpg"
done
install -D -m 0644 "$tmp/kite.png" "$www/commons/photos/kite.png"
install -D -m 0644 "$tmp/secret.jpg" "$www/private/photos/secret.jpg"
install -D -m 0644 "$tmp/storm.jpg" "$www/news/media/storm.jpg"
install -D -m 0644 "$tmp/bike.jpg" "$www/forum/attachments/bike.jpg"
install -D -m 0644 "$tmp/microscope.jpg" "$www/journal/figures/microscope.jpg"
install -D -m 0644 "$tmp/fox.jpg" "$www/collective/noai/fox.jpg"
install -D -m 0644 "$tmp/owl.jpg" "$www/collective/works/owl.jpg"
install -D -m 0644 "$tmp/deer.jpg" "$www/collective/tdm/deer.jpg"
install -D -m 0644 "$tmp/hare.jpg" "$www/collective/tdmrep/hare.jpg"
install -D -m 0644 "$tmp/wolf.png" "$www/collective/aitxt/wolf.png"
install -D -m 0644 "$tmp/bear.jpg" "$www/collective/works/bear.jpg"
install -D -m 0644 "$tmp/lynx.jpg" "$www/collective/cs/lynx.jpg"
install -D -m 0644 "$tmp/seal.jpg" "$www/collective/cu/seal.jpg"
install -D -m 0644 "$tmp/violin.jpg" "$www/press/images/violin.jpg"
install -D -m 0644 "$tmp/chess.jpg" "$www/agency/images/chess.jpg"
install -D -m 0644 "$tmp/queue.jpg" "$www/busy/photos/queue.jpg"
install -D -m 0644 "$tmp/snail.jpg" "$www/slow/photos/snail.jpg"
install -D -m 0644 "$tmp/harbour-small.jpg" "$www/farm/img/harbour-small.jpg"
install -D -m 0644 "$tmp/sunset-truncated.jpg" "$www/farm/img/sunset.jpg"
install -D -m 0644 "$tmp/panorama-bomb.png" "$www/farm/img/panorama.png"

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

# The blog's second laundered copy: the stock skyline cropped, scaled, "CC0".
"${et[@]}" -XMP-dc:Title="Skyline wallpaper" -XMP-dc:Creator="freewalls" \
  -XMP-dc:Rights="Free wallpaper, public domain (CC0)." \
  -XMP-xmpRights:WebStatement="$cc0" -XMP-cc:License="$cc0" \
  "$www/blog/wp/skyline-wallpaper.jpg"

# commons: one licence per picture, each stated in one place (the pages state the others).
by_sa="https://creativecommons.org/licenses/by-sa/4.0/"
by_nc="https://creativecommons.org/licenses/by-nc/4.0/"
c="$www/commons/photos"
"${et[@]}" -XMP-dc:Title="Glacier tongue" -XMP-dc:Creator="Ines Berg" \
  -XMP-xmpRights:Marked=True -XMP-xmpRights:WebStatement="$by_sa" -XMP-cc:License="$by_sa" \
  -XMP-cc:AttributionName="Ines Berg" "$c/glacier.jpg"
"${et[@]}" -EXIF:Artist="Ben Okafor" \
  -EXIF:Copyright="Ben Okafor. Licensed under CC BY 4.0, https://creativecommons.org/licenses/by/4.0/" \
  "$c/bridge.jpg"
"${et[@]}" -IPTC:CodedCharacterSet=UTF8 -IPTC:ObjectName="Night tram" -IPTC:By-line="Tove Lund" \
  -IPTC:CopyrightNotice="No rights reserved: CC0 1.0, https://creativecommons.org/publicdomain/zero/1.0/" \
  "$c/tram.jpg"
"${et[@]}" -XMP-dc:Title="Heron" -XMP-dc:Creator="Marta Ruiz" \
  -XMP-dc:Rights="© 2025 Marta Ruiz. All rights reserved." -XMP-xmpRights:Marked=True \
  -IPTC:CodedCharacterSet=UTF8 -IPTC:CopyrightNotice="© 2025 Marta Ruiz. All rights reserved." \
  "$c/heron.jpg"
"${et[@]}" -XMP-dc:Title="Orchard in May" -XMP-dc:Creator="Paul Meyer" \
  -XMP-xmpRights:Marked=True -XMP-xmpRights:WebStatement="$by_nc" -XMP-cc:License="$by_nc" \
  -XMP-cc:AttributionName="Paul Meyer" "$c/orchard.jpg"
for f in market sculpture kite attic; do
  ext=jpg; [ $f = kite ] && ext=png
  "${et[@]}" -all= "$c/$f.$ext"
done

# The opt-out hosts: CC BY 4.0 in XMP, so only the opt-out stands between each and clearance.
by_xmp() { # FILE TITLE CREATOR [more exiftool arguments]
  "${et[@]}" -XMP-dc:Title="$2" -XMP-dc:Creator="$3" -XMP-xmpRights:Marked=True \
    -XMP-xmpRights:WebStatement="$by" -XMP-cc:License="$by" -XMP-cc:AttributionName="$3" \
    "${@:4}" "$1"
}
by_xmp "$www/private/photos/secret.jpg" "Family beach day" "Sam Private"
by_xmp "$www/news/media/storm.jpg" "Storm over the pier" "Daily Coast"
by_xmp "$www/forum/attachments/bike.jpg" "My old bike" "wheelie42"
by_xmp "$www/journal/figures/microscope.jpg" "Figure 1" "Journal of Open Optics"
w="$www/collective"
by_xmp "$w/noai/fox.jpg" "Fox" "Kai Noor"
by_xmp "$w/works/owl.jpg" "Owl" "Lea Sand"
by_xmp "$w/tdm/deer.jpg" "Deer" "Ugo Ferri"
by_xmp "$w/tdmrep/hare.jpg" "Hare" "Aiko Mori"
by_xmp "$w/aitxt/wolf.png" "Wolf" "Oskar Vik"
by_xmp "$w/works/bear.jpg" "Bear" "Rosa Diaz" \
  -XMP-plus:DataMining="http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING"
by_xmp "$w/cs/lynx.jpg" "Lynx" "Nils Ek"
by_xmp "$w/cu/seal.jpg" "Seal" "Ada Quist"
by_xmp "$www/press/images/violin.jpg" "Violin maker" "Coastal Press"
by_xmp "$www/agency/images/chess.jpg" "Chess players" "Pictura Agency"

# The hosts that are hard to crawl: a CC0 picture behind a 429, a CC BY one on a slow host.
"${et[@]}" -XMP-dc:Title="The queue" -XMP-dc:Creator="Busy Town Archive" \
  -XMP-xmpRights:Marked=False -XMP-xmpRights:WebStatement="$cc0" -XMP-cc:License="$cc0" \
  "$www/busy/photos/queue.jpg"
by_xmp "$www/slow/photos/snail.jpg" "Snail" "Tim Slow"

# The content farm strips what it copies (the amphora copy is the museum's file as is).
"${et[@]}" -all= "$www/farm/img/harbour-small.jpg"
install -D -m 0644 "$www/museum/collection/amphora.jpg" "$www/farm/img/amphora.jpg"

du -cb "$www"/*/*/*.jpg "$www"/*/*/*.png | tail -1
