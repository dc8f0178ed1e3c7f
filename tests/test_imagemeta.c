/*
 * test_imagemeta.c - common/imagemeta.c, the one reader of metadata blocks
 * (JPEG APP segments, PNG chunks, WebP RIFF chunks) and TIFF IFDs that dedup/
 * and license/ share.
 *
 * The fixtures are license/'s real files (tests/fixtures/license, made by its
 * make.sh with ExifTool); hand-made bytes pin down the edges a real file
 * never shows: fill bytes, truncation, a RIFF size shorter than the file,
 * IFD offsets outside the block. Every prefix of every fixture is walked to
 * show no block ever reaches outside the bytes it was given (and, under
 * ASan, that nothing is read outside them).
 */
#include "tests/support/testsupport.h"

#include "common/imagemeta.h"
#include "dedup/dedup.h"
#include "license/license.h"
#include "tests/fuzz/fuzz_imagemeta.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const char *const fixtures[] = {
    "jpeg-c2pa-training-mining.jpg",
    "jpeg-cc-by-sa-full.jpg",
    "jpeg-conflict-arr.jpg",
    "jpeg-exif-le-latin-iptc.jpg",
    "jpeg-icc-copyright-only.jpg",
    "jpeg-none.jpg",
    "png-exif-iptc.png",
    "png-legacy-cc-xmp.png",
    "png-none.png",
    "png-raw-profile-xmp.png",
    "webp-cc0-xmp-exif.webp",
    "webp-none.webp",
};

static unsigned char *fixture(const char *name, size_t *len)
{
    char path[TS_PATH_MAX];
    return (unsigned char *)ts_read_file(ts_fixture(path, "license", name), len);
}

/* Walks everything the reader offers (tests/fuzz/fuzz_imagemeta.h), failing on a stray block. */
static void walk_all(const unsigned char *bytes, size_t len, size_t counts[FUZZ_IMAGEMETA_KINDS])
{
    if (fuzz_imagemeta_walk(bytes, len, counts) != 0)
        fail_msg("a block or value lies outside the %zu-byte input", len);
}

static void fixtures_give_the_blocks_exiftool_wrote(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        cs_image_format format;
        cs_meta_kind kind;
    } want[] = {
        {"jpeg-exif-le-latin-iptc.jpg", CS_IMAGE_JPEG, CS_META_EXIF},
        {"jpeg-exif-le-latin-iptc.jpg", CS_IMAGE_JPEG, CS_META_PHOTOSHOP},
        {"jpeg-cc-by-sa-full.jpg", CS_IMAGE_JPEG, CS_META_XMP},
        {"jpeg-c2pa-training-mining.jpg", CS_IMAGE_JPEG, CS_META_JUMBF},
        {"png-exif-iptc.png", CS_IMAGE_PNG, CS_META_EXIF},
        {"png-legacy-cc-xmp.png", CS_IMAGE_PNG, CS_META_PNG_TEXT},
        {"webp-cc0-xmp-exif.webp", CS_IMAGE_WEBP, CS_META_XMP},
        {"webp-cc0-xmp-exif.webp", CS_IMAGE_WEBP, CS_META_EXIF},
    };
    for (size_t i = 0; i < CS_ARRAY_LEN(want); i++) {
        size_t len, counts[FUZZ_IMAGEMETA_KINDS];
        unsigned char *bytes = fixture(want[i].name, &len);
        assert_int_equal(cs_image_sniff(bytes, len), want[i].format);
        walk_all(bytes, len, counts);
        if (counts[want[i].kind] == 0)
            fail_msg("%s: no block of kind %d", want[i].name, (int)want[i].kind);
        free(bytes);
    }
}

static void every_prefix_of_every_fixture_stays_inside(void **state)
{
    (void)state;
    for (size_t f = 0; f < CS_ARRAY_LEN(fixtures); f++) {
        size_t len, counts[FUZZ_IMAGEMETA_KINDS];
        unsigned char *whole = fixture(fixtures[f], &len);
        for (size_t n = 0; n <= len; n += n < 4096 ? 1 : 97) {
            unsigned char *cut = malloc(n ? n : 1); /* exactly n bytes: ASan sees any over-read */
            memcpy(cut, whole, n);
            walk_all(cut, n, counts);
            free(cut);
        }
        free(whole);
    }
}

static void jpeg_walk_skips_fill_bytes_and_stops_at_the_scan(void **state)
{
    (void)state;
    static const unsigned char jpeg[] = {
        0xFF, 0xD8, 0xFF, 0xFF,                             /* SOI, a fill byte */
        0xFF, 0xE1, 0x00, 0x0A, 'E', 'x', 'i', 'f', 0,   0, /* APP1 Exif ... */
        'M',  'M',                                          /* ... cut-down TIFF */
        0xFF, 0xD0,                                         /* RST0: no length */
        0xFF, 0xED, 0x00, 0x12, 'P', 'h', 'o', 't', 'o', 's',
        'h',  'o',  'p',  ' ',  '3', '.', '0', 0,   'x', 'y', /* APP13 */
        0xFF, 0xDA, 0x00, 0x04, 0,   0,                       /* SOS: the end */
        0xFF, 0xE1, 0x00, 0x04, 0,   0,                       /* never reached */
    };
    cs_meta_reader reader;
    cs_meta_block block;
    assert_int_equal(cs_meta_open(&reader, jpeg, sizeof jpeg), CS_OK);
    assert_int_equal(cs_meta_next(&reader, &block), 1);
    assert_int_equal(block.kind, CS_META_EXIF);
    assert_int_equal(block.marker, 0xE1);
    assert_int_equal(block.len, 2);
    assert_memory_equal(block.data, "MM", 2);
    assert_int_equal(cs_meta_next(&reader, &block), 1);
    assert_int_equal(block.kind, CS_META_PHOTOSHOP);
    assert_int_equal(block.len, 2);
    assert_memory_equal(block.data, "xy", 2);
    assert_int_equal(cs_meta_next(&reader, &block), 0);
    assert_int_equal(cs_meta_status(&reader), CS_OK); /* SOS: the end the format defines */
    assert_int_equal(cs_meta_next(&reader, &block), 0);
    /* a segment longer than what is left ends the walk: more bytes would go on */
    unsigned char cut[15];
    memcpy(cut, jpeg, sizeof cut);
    assert_int_equal(cs_meta_open(&reader, cut, sizeof cut), CS_OK);
    assert_int_equal(cs_meta_next(&reader, &block), 0);
    assert_int_equal(cs_meta_status(&reader), CS_ENOTFOUND);
    static const unsigned char broken[] = {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 0, 0};
    assert_int_equal(cs_meta_open(&reader, broken, sizeof broken), CS_OK);
    assert_int_equal(cs_meta_next(&reader, &block), 0);
    assert_int_equal(cs_meta_status(&reader), CS_EFORMAT); /* a length shorter than itself */
    assert_int_equal(cs_meta_open(&reader, (const unsigned char *)"GIF89a", 6), CS_EUNSUPPORTED);
}

static void webp_walk_keeps_to_the_riff_size_and_pads(void **state)
{
    (void)state;
    unsigned char webp[] = {
        'R', 'I', 'F', 'F', 32, 0, 0, 0, 'W', 'E', 'B', 'P',                 /* RIFF of 32 bytes */
        'X', 'M', 'P', ' ', 3,  0, 0, 0, 'a', 'b', 'c', 0,                   /* odd size, padded */
        'E', 'X', 'I', 'F', 8,  0, 0, 0, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', /* prefix */
        'C', '2', 'P', 'A', 2,  0, 0, 0, 'z', 'z', /* past the RIFF size */
    };
    cs_meta_reader reader;
    cs_meta_block block;
    assert_int_equal(cs_meta_open(&reader, webp, sizeof webp), CS_OK);
    assert_int_equal(cs_meta_next(&reader, &block), 1);
    assert_int_equal(block.kind, CS_META_XMP);
    assert_string_equal(block.type, "XMP ");
    assert_int_equal(block.len, 3);
    assert_int_equal(cs_meta_next(&reader, &block), 1);
    assert_int_equal(block.kind, CS_META_EXIF);
    assert_int_equal(block.len, 2); /* "Exif\0\0" dropped */
    assert_memory_equal(block.data, "II", 2);
    assert_int_equal(cs_meta_next(&reader, &block), 0);
    assert_int_equal(cs_meta_status(&reader), CS_OK);
    assert_int_equal(cs_meta_open(&reader, webp, 30), CS_OK); /* cut inside the EXIF chunk */
    assert_int_equal(cs_meta_next(&reader, &block), 1);
    assert_int_equal(cs_meta_next(&reader, &block), 0);
    assert_int_equal(cs_meta_status(&reader), CS_ENOTFOUND);
    webp[4] = 60; /* RIFF size past the end of input: the input's end counts */
    assert_int_equal(cs_meta_open(&reader, webp, sizeof webp), CS_OK);
    size_t n = 0;
    while (cs_meta_next(&reader, &block))
        n++;
    assert_int_equal(n, 3);
}

static void png_text_chunks_split_into_keyword_and_text(void **state)
{
    (void)state;
    static const unsigned char itxt[] = "XML:com.adobe.xmp\0\0\0en\0\0<x/>";
    cs_meta_block block = {
        .kind = CS_META_PNG_TEXT, .type = "iTXt", .data = itxt, .len = sizeof itxt - 1};
    cs_png_text text;
    assert_int_equal(cs_meta_png_text(&block, &text), CS_OK);
    assert_string_equal(text.keyword, "XML:com.adobe.xmp");
    assert_false(text.compressed);
    assert_int_equal(text.len, 4);
    assert_memory_equal(text.text, "<x/>", 4);
    block.len = 21; /* cut inside the language tag */
    assert_int_equal(cs_meta_png_text(&block, &text), CS_EFORMAT);
    static const unsigned char ztxt[] = "Comment\0\0zz";
    cs_meta_block z = {
        .kind = CS_META_PNG_TEXT, .type = "zTXt", .data = ztxt, .len = sizeof ztxt - 1};
    assert_int_equal(cs_meta_png_text(&z, &text), CS_OK);
    assert_true(text.compressed);
    assert_int_equal(text.len, 2);
    cs_meta_block other = {.kind = CS_META_EXIF};
    assert_int_equal(cs_meta_png_text(&other, &text), CS_EINVAL);
}

static void tiff_reader_bounds_every_offset(void **state)
{
    (void)state;
    /* big-endian, IFD0 at 8: Artist ASCII x6 at offset 46, Orientation SHORT = 6,
     * Copyright ASCII x9 at an offset past the end */
    static const unsigned char mm[] = {
        'M',  'M',  0,   42,  0,   0, 0, 8, 0, 3,        /* header, three entries */
        0x01, 0x3B, 0,   2,   0,   0, 0, 6, 0, 0, 0, 46, /* Artist */
        0x01, 0x12, 0,   3,   0,   0, 0, 1, 0, 6, 0, 0,  /* Orientation */
        0x82, 0x98, 0,   2,   0,   0, 0, 9, 0, 0, 1, 0,  /* Copyright, offset 256 */
        'J',  'a',  'n', 'e', ' ', 0,
    };
    cs_tiff tiff;
    cs_tiff_entry e;
    assert_int_equal(cs_tiff_open(&tiff, mm, sizeof mm), CS_OK);
    assert_int_equal(cs_tiff_next(&tiff, &e), 1);
    assert_int_equal(e.tag, 0x013B);
    assert_int_equal(e.value_len, 6);
    assert_memory_equal(e.value, "Jane ", 6);
    assert_int_equal(cs_tiff_next(&tiff, &e), 1);
    assert_int_equal(e.type, CS_TIFF_SHORT);
    assert_int_equal(cs_tiff_u16(&tiff, e.value), 6);
    assert_int_equal(cs_tiff_next(&tiff, &e), 1);
    assert_int_equal(e.tag, 0x8298);
    assert_null(e.value); /* outside the block */
    assert_int_equal(cs_tiff_next(&tiff, &e), 0);
    /* an IFD cut short ends the walk at the last whole entry */
    assert_int_equal(cs_tiff_open(&tiff, mm, 30), CS_OK);
    assert_int_equal(cs_tiff_next(&tiff, &e), 1);
    assert_int_equal(cs_tiff_next(&tiff, &e), 0);
    /* IFD0 inside the header, past the end, or with too many entries */
    unsigned char bad[sizeof mm];
    memcpy(bad, mm, sizeof mm);
    bad[7] = 4;
    assert_int_equal(cs_tiff_open(&tiff, bad, sizeof bad), CS_EFORMAT);
    bad[7] = sizeof mm;
    assert_int_equal(cs_tiff_open(&tiff, bad, sizeof bad), CS_EFORMAT);
    memcpy(bad, mm, sizeof mm);
    bad[8] = 0x04, bad[9] = 0x01; /* 1025 entries */
    assert_int_equal(cs_tiff_open(&tiff, bad, sizeof bad), CS_EFORMAT);
    assert_int_equal(cs_tiff_open(&tiff, (const unsigned char *)"XX*\0\0\0\0\x08", 8), CS_EFORMAT);
}

/* The point of one reader: dedup's orientation and license's rights come from the same block. */
static void dedup_and_license_read_one_exif_block(void **state)
{
    (void)state;
    static const unsigned char tiff[] = {
        'I',  'I',  42, 0, 8, 0, 0, 0, 2,   0,         /* header, two entries */
        0x12, 0x01, 3,  0, 1, 0, 0, 0, 6,   0,   0, 0, /* Orientation = 6 */
        0x3B, 0x01, 2,  0, 4, 0, 0, 0, 'B', 'o', 0, 0, /* Artist "Bo" */
        0,    0,    0,  0,
    };
    /* a PNG eXIf chunk that keeps the "Exif\0\0" prefix, which libpng's reader refused */
    size_t len;
    unsigned char *png = fixture("png-none.png", &len);
    size_t chunk = 12 + 6 + sizeof tiff, at = 8 + 25; /* after IHDR */
    unsigned char *with = malloc(len + chunk);
    memcpy(with, png, at);
    unsigned char *c = with + at;
    c[0] = 0, c[1] = 0, c[2] = 0, c[3] = (unsigned char)(6 + sizeof tiff);
    memcpy(c + 4, "eXIf", 4);
    memcpy(c + 8, "Exif\0\0", 6);
    memcpy(c + 14, tiff, sizeof tiff);
    uLong crc = crc32(crc32(0L, Z_NULL, 0), c + 4, (uInt)(4 + 6 + sizeof tiff));
    for (int i = 0; i < 4; i++) /* libpng checks it */
        c[14 + sizeof tiff + i] = (unsigned char)(crc >> (24 - 8 * i));
    memcpy(with + at + chunk, png + at, len - at);

    license_embedded emb;
    assert_int_equal(license_read_embedded(with, len + chunk, &emb, NULL), CS_OK);
    assert_string_equal(json_string_value(json_object_get(emb.fields, "IFD0:Artist")), "Bo");
    license_embedded_free(&emb);
    dedup_image img;
    assert_int_equal(dedup_decode(with, len + chunk, NULL, &img, NULL), CS_OK);
    assert_int_equal(img.orientation, 6);
    dedup_image_free(&img);
    free(with);
    free(png);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixtures_give_the_blocks_exiftool_wrote),
        cmocka_unit_test(every_prefix_of_every_fixture_stays_inside),
        cmocka_unit_test(jpeg_walk_skips_fill_bytes_and_stops_at_the_scan),
        cmocka_unit_test(webp_walk_keeps_to_the_riff_size_and_pads),
        cmocka_unit_test(png_text_chunks_split_into_keyword_and_text),
        cmocka_unit_test(tiff_reader_bounds_every_offset),
        cmocka_unit_test(dedup_and_license_read_one_exif_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
