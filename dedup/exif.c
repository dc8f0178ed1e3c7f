/*
 * exif.c - the one EXIF field dedup needs: Orientation (tag 0x0112 in IFD0),
 * read from a TIFF-structured block as JPEG APP1, PNG eXIf and WebP EXIF
 * chunks carry it.
 *
 * Everything is bounds-checked against the block's length; anything odd
 * (bad byte order, offsets outside the block, a value outside 1..8) means
 * "no orientation", never an error: a broken EXIF block must not make an
 * otherwise good image undecodable. The full rights metadata reader lives in
 * license/.
 */
#include "dedup/dedup_internal.h"

/* An IFD0 with more entries than this is garbage, not a photo's metadata. */
#define EXIF_MAX_IFD_ENTRIES 1024
#define EXIF_TAG_ORIENTATION 0x0112
#define EXIF_TYPE_SHORT      3

static unsigned read16(const unsigned char *p, int little)
{
    return little ? (unsigned)(p[0] | p[1] << 8) : (unsigned)(p[0] << 8 | p[1]);
}

static uint32_t read32(const unsigned char *p, int little)
{
    return little
               ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
               : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int dedup_exif_orientation(const unsigned char *tiff, size_t len)
{
    if (!tiff || len < 8) return 1;
    int little;
    if (tiff[0] == 'I' && tiff[1] == 'I')
        little = 1;
    else if (tiff[0] == 'M' && tiff[1] == 'M')
        little = 0;
    else
        return 1;
    if (read16(tiff + 2, little) != 42) return 1;
    uint32_t ifd = read32(tiff + 4, little);
    if (ifd > len || len - ifd < 2) return 1;
    unsigned count = read16(tiff + ifd, little);
    if (count > EXIF_MAX_IFD_ENTRIES) return 1;
    for (unsigned i = 0; i < count; i++) {
        size_t at = (size_t)ifd + 2 + (size_t)i * 12;
        if (at + 12 > len) return 1;
        const unsigned char *e = tiff + at;
        if (read16(e, little) != EXIF_TAG_ORIENTATION) continue;
        if (read16(e + 2, little) != EXIF_TYPE_SHORT || read32(e + 4, little) < 1) return 1;
        unsigned v = read16(e + 8, little);
        return v >= 1 && v <= 8 ? (int)v : 1;
    }
    return 1;
}
