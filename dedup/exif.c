/*
 * exif.c - the one EXIF field dedup needs: Orientation (tag 0x0112 in IFD0)
 * of the file's first EXIF block, wherever its container keeps it (JPEG
 * APP1, PNG eXIf, WebP EXIF chunk).
 *
 * The blocks and the IFD are read by common/imagemeta.h, the same bounded
 * reader license/ takes its rights fields from; this file only knows the tag.
 * Anything odd (no EXIF, a broken IFD, a value that is not one SHORT in
 * 1..8) means "no orientation", never an error: a broken EXIF block must not
 * make an otherwise good image undecodable.
 */
#include "common/imagemeta.h"
#include "dedup/dedup_internal.h"

#define EXIF_TAG_ORIENTATION 0x0112

/* Orientation from one TIFF structure; 1 when absent or odd. */
static int tiff_orientation(const unsigned char *tiff_bytes, size_t len)
{
    cs_tiff tiff;
    cs_tiff_entry entry;
    if (cs_tiff_open(&tiff, tiff_bytes, len) != CS_OK) return 1;
    while (cs_tiff_next(&tiff, &entry)) {
        if (entry.tag != EXIF_TAG_ORIENTATION) continue;
        if (entry.type != CS_TIFF_SHORT || entry.count < 1 || !entry.value) return 1;
        unsigned v = cs_tiff_u16(&tiff, entry.value);
        return v >= 1 && v <= 8 ? (int)v : 1;
    }
    return 1;
}

int dedup_exif_orientation(const unsigned char *bytes, size_t len)
{
    cs_meta_reader reader;
    cs_meta_block block;
    if (cs_meta_open(&reader, bytes, len) != CS_OK) return 1;
    while (cs_meta_next(&reader, &block))
        if (block.kind == CS_META_EXIF) return tiff_orientation(block.data, block.len);
    return 1;
}
